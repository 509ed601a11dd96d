#!/usr/bin/env python3
"""Export small torch models to ONNX as test fixtures for package onnx.

Writes testdata/onnx/torch/<name>/model.onnx (torch.onnx.export) with
test_data_set_0/input_*.pb and output_*.pb (ONNX TensorProtos: torch's
inputs and outputs), and, for the recurrent models, torch/<param>.pb: the
module's state_dict in torch's layout, so that the Go tests can also run
package rnn directly on the same weights. Only python3-torch is needed (no
onnx package: the TensorProtos are encoded here).

Run from the repository root: /usr/bin/python3 scripts/export_torch_onnx.py
"""
import os
import struct

import torch

torch.manual_seed(17)
OUT = os.path.join("testdata", "onnx", "torch")


def varint(n):
    b = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        if n:
            b.append(c | 0x80)
        else:
            b.append(c)
            return bytes(b)


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def tensor_proto(name, t):
    """A float32 TensorProto: dims (1), data_type (2) = FLOAT, name (8), raw_data (9)."""
    t = t.detach().contiguous().float()
    msg = b"".join(field(1, 0, varint(d)) for d in t.shape)
    msg += field(2, 0, varint(1))
    nb = name.encode()
    msg += field(8, 2, varint(len(nb)) + nb)
    raw = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
    msg += field(9, 2, varint(len(raw)) + raw)
    return msg


def export(name, model, inputs, input_names, output_names, opset=14):
    model.eval()
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with torch.no_grad():
        outs = model(*inputs)
    flat = []

    def walk(o):
        if isinstance(o, (tuple, list)):
            for e in o:
                walk(e)
        elif o is not None:
            flat.append(o)

    walk(outs)
    torch.onnx.export(model, tuple(inputs), os.path.join(d, "model.onnx"), opset_version=opset,
                      input_names=input_names, output_names=output_names, do_constant_folding=True)
    for i, (n, t) in enumerate(zip(input_names, inputs)):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(tensor_proto(n, t))
    for i, (n, t) in enumerate(zip(output_names, flat)):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % i), "wb") as f:
            f.write(tensor_proto(n, t))
    rec = [m for m in model.modules() if isinstance(m, (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU))]
    if rec:
        os.makedirs(os.path.join(d, "torch"), exist_ok=True)
        for k, v in rec[0].state_dict().items():
            with open(os.path.join(d, "torch", k + ".pb"), "wb") as f:
                f.write(tensor_proto(k, v))
    print(name, [tuple(t.shape) for t in flat])


class Seq(torch.nn.Module):
    """A recurrent module with an initial state, returning (y, h_n[, c_n])."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, *state):
        if isinstance(self.rnn, torch.nn.LSTM):
            y, (h, c) = self.rnn(x, state)
            return y, h, c
        y, h = self.rnn(x, state[0])
        return y, h


def state(layers, batch, hidden):
    return torch.randn(layers, batch, hidden) * 0.5


# Silero VAD's shape of LSTM: 1 layer, batch 1, a state carried in.
export("lstm_stream", Seq(torch.nn.LSTM(32, 64)), [torch.randn(1, 1, 32), state(1, 1, 64), state(1, 1, 64)],
       ["x", "h0", "c0"], ["y", "hn", "cn"])
# Two layers, a sequence of 12, from the zero state (torch exports no state input).
export("lstm_2layer", torch.nn.LSTM(16, 24, num_layers=2), [torch.randn(12, 1, 16)], ["x"], ["y", "hn", "cn"])
# Bidirectional, batch_first, batch 3 (the runner transposes).
export("lstm_bidi_batch", Seq(torch.nn.LSTM(5, 6, bidirectional=True, batch_first=True)),
       [torch.randn(3, 7, 5), state(2, 3, 6), state(2, 3, 6)], ["x", "h0", "c0"], ["y", "hn", "cn"])
export("gru", Seq(torch.nn.GRU(6, 10, num_layers=2)), [torch.randn(9, 2, 6), state(2, 2, 10)], ["x", "h0"], ["y", "hn"])
export("gru_bidi", Seq(torch.nn.GRU(4, 5, bidirectional=True)), [torch.randn(6, 1, 4), state(2, 1, 5)], ["x", "h0"], ["y", "hn"])
export("rnn_relu_bidi", Seq(torch.nn.RNN(4, 8, nonlinearity="relu", bidirectional=True)),
       [torch.randn(5, 2, 4), state(2, 2, 8)], ["x", "h0"], ["y", "hn"])
export("rnn_tanh", Seq(torch.nn.RNN(3, 7, num_layers=2)), [torch.randn(8, 1, 3), state(2, 1, 7)], ["x", "h0"], ["y", "hn"])
export("linear", torch.nn.Linear(6, 3), [torch.randn(2, 4, 6)], ["x"], ["y"])


class MHA(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(16, 4)

    def forward(self, q, k, v):
        y, w = self.mha(q, k, v)
        return y, w


export("mha", MHA(), [torch.randn(5, 2, 16), torch.randn(7, 2, 16), torch.randn(7, 2, 16)], ["q", "k", "v"], ["y", "weights"])
export("transformer_encoder",
       torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1), 2),
       [torch.randn(6, 2, 16)], ["x"], ["y"], opset=17)


class ConvNet(torch.nn.Module):
    """Silero VAD's front end in small: a strided Conv1d 'STFT', then Conv1d+ReLU layers."""

    def __init__(self):
        super().__init__()
        self.stft = torch.nn.Conv1d(1, 18, 16, stride=8, bias=False)
        self.enc = torch.nn.Sequential(
            torch.nn.Conv1d(18, 12, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv1d(12, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Conv1d(8, 8, 3, padding=2, dilation=2, groups=2), torch.nn.ReLU())

    def forward(self, x):
        return torch.sigmoid(self.enc(self.stft(x)))


export("conv1d_stack", ConvNet(), [torch.randn(2, 1, 96)], ["x"], ["y"])
export("conv2d", torch.nn.Sequential(torch.nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0)), torch.nn.Tanh()),
       [torch.randn(1, 3, 7, 6)], ["x"], ["y"])
