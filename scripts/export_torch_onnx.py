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
import copy
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_fixtures import ACTIVATIONS, perturb  # noqa: E402

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
    """A TensorProto: dims (1), data_type (2), name (8), raw_data (9); a
    bool tensor is BOOL (9, a byte each), an int64 one INT64 (7), anything
    else FLOAT (1)."""
    t = t.detach().contiguous()
    msg = b"".join(field(1, 0, varint(d)) for d in t.shape)
    if t.dtype == torch.bool:
        msg += field(2, 0, varint(9))
        raw = bytes(int(v) for v in t.flatten().tolist())
    elif t.dtype == torch.int64:
        msg += field(2, 0, varint(7))
        raw = struct.pack("<%dq" % t.numel(), *t.flatten().tolist())
    else:
        msg += field(2, 0, varint(1))
        raw = struct.pack("<%df" % t.numel(), *t.float().flatten().tolist())
    nb = name.encode()
    msg += field(8, 2, varint(len(nb)) + nb)
    msg += field(9, 2, varint(len(raw)) + raw)
    return msg


def export(name, model, inputs, input_names, output_names, opset=14, reference=None):
    """Exports model and writes its data set; reference, if given, computes
    the outputs instead of model (the transformers' float64 copy)."""
    model.eval()
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with torch.no_grad():
        outs = (reference or model)(*inputs)
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


# Transformers at opset 14 (no LayerNormalization: torch writes the norm as
# ReduceMean, Sub, Pow, Sqrt, Div; exact GELU as Erf; the tanh GELU as
# Tanh and Pow), batch_first with batch 1 and 2, their weights perturbed as
# torch_fixtures.py does. Their outputs come from a float64 copy of the
# float32 weights, rounded once (as torch_fixtures.py does), so that they
# are the answer to float32 weights and inputs rather than torch's own
# float32 rounding.
def float64_reference(model):
    """A float64 copy of model, taking and returning float32: its layers in
    training mode, which keeps torch off its fused inference path, but
    every Dropout and the attention's own dropout in evaluation mode (the
    identity, as in the export)."""
    ref = copy.deepcopy(model).double().train()
    for m in ref.modules():
        if isinstance(m, (torch.nn.Dropout, torch.nn.MultiheadAttention)):
            m.eval()

    def run(*xs):
        xs = [x.double() if x.is_floating_point() else x for x in xs]
        out = ref(*xs)
        return out.float()
    return run


def causal(t):
    return torch.nn.Transformer.generate_square_subsequent_mask(t)  # float: 0 and -inf


class Encoder(torch.nn.Module):
    """nn.TransformerEncoder on (x, mask): with in_graph, the causal mask is
    made in the graph (torch writes it with Trilu) and the second input is
    a bool key padding mask; otherwise the second input is the float
    attention mask."""

    def __init__(self, d, heads, ff, layers, act, norm_first, final, in_graph):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation=ACTIVATIONS[act],
                                                 batch_first=True, norm_first=norm_first)
        norm = torch.nn.LayerNorm(d) if final else None
        self.enc = torch.nn.TransformerEncoder(layer, layers, norm=norm, enable_nested_tensor=False)
        self.in_graph = in_graph

    def forward(self, x, mask):
        if not self.in_graph:
            return self.enc(x, mask=mask)
        t = x.shape[1]
        causal_mask = torch.triu(torch.full((t, t), float("-inf"), dtype=x.dtype), diagonal=1)
        return self.enc(x, mask=causal_mask, src_key_padding_mask=mask)


class Decoder(torch.nn.Module):
    """nn.TransformerDecoder (layers > 0) or one nn.TransformerDecoderLayer
    (layers = 0): the causal tgt_mask as an input, and a memory key padding
    mask as a bool input."""

    def __init__(self, d, heads, ff, layers, act, norm_first, final):
        super().__init__()
        layer = torch.nn.TransformerDecoderLayer(d, heads, ff, dropout=0.0, activation=ACTIVATIONS[act],
                                                 batch_first=True, norm_first=norm_first)
        if layers == 0:
            self.dec = layer
        else:
            norm = torch.nn.LayerNorm(d) if final else None
            self.dec = torch.nn.TransformerDecoder(layer, layers, norm=norm)

    def forward(self, tgt, memory, tgt_mask, memory_pad):
        return self.dec(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=memory_pad)


def pad(batch, t, *idx):
    p = torch.zeros(batch, t, dtype=torch.bool)
    for b, i in idx:
        p[b, i] = True
    return p


def export_transformer(name, model, inputs, input_names):
    perturb(model)
    export(name, model, inputs, input_names, ["y"], reference=float64_reference(model))


export_transformer("tf_enc_post_relu_causal", Encoder(16, 4, 32, 2, "relu", False, False, True),
                   [torch.randn(2, 9, 16), pad(2, 9, (0, 3), (1, 8))], ["x", "pad"])
export_transformer("tf_enc_pre_gelu_causal", Encoder(24, 3, 40, 2, "gelu", True, True, True),
                   [torch.randn(1, 13, 24), pad(1, 13, (0, 5))], ["x", "pad"])
export_transformer("tf_enc_post_gelu_tanh", Encoder(20, 5, 36, 2, "gelu_tanh", False, True, False),
                   [torch.randn(1, 11, 20), causal(11)], ["x", "mask"])
export_transformer("tf_enc_pre_gelu_tanh_t64", Encoder(32, 4, 48, 1, "gelu_tanh", True, False, False),
                   [torch.randn(1, 64, 32), causal(64)], ["x", "mask"])


def export_decoder(name, model, d, batch, t, s, *pads):
    """A Decoder's export on random tgt (batch×t×d) and memory (batch×s×d),
    the causal tgt_mask and a memory key padding mask with pads True."""
    export_transformer(name, model, [torch.randn(batch, t, d), torch.randn(batch, s, d), causal(t), pad(batch, s, *pads)],
                       ["tgt", "memory", "tgt_mask", "memory_pad"])


export_decoder("tf_dec_layer_post_relu", Decoder(16, 2, 24, 0, "relu", False, False), 16, 1, 7, 10, (0, 4), (0, 9))
export_decoder("tf_dec_layer_pre_gelu", Decoder(24, 4, 40, 0, "gelu", True, False), 24, 2, 6, 8, (1, 2))
export_decoder("tf_dec_post_gelu", Decoder(16, 4, 24, 2, "gelu", False, True), 16, 1, 12, 9, (0, 1))
export_decoder("tf_dec_pre_relu", Decoder(32, 2, 48, 2, "relu", True, True), 32, 1, 11, 6, (0, 2))
export_decoder("tf_dec_pre_gelu_tanh", Decoder(20, 2, 28, 2, "gelu_tanh", True, False), 20, 1, 8, 5, (0, 3))


class SeqFirstEncoder(torch.nn.Module):
    """nn.TransformerEncoder in torch's default layout (T, batch, d_model),
    dropout 0.1 (the identity in the export), with a bool attention mask
    input (True = masked)."""

    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(24, 6, 50, dropout=0.1, activation="gelu")
        self.enc = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(24))

    def forward(self, x, mask):
        return self.enc(x, mask=mask)


class DecoderInGraph(torch.nn.Module):
    """nn.TransformerDecoder with generate_square_subsequent_mask made in
    the graph and a bool tgt_key_padding_mask input."""

    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerDecoderLayer(16, 4, 32, dropout=0.0, batch_first=True, norm_first=True)
        self.dec = torch.nn.TransformerDecoder(layer, 2, norm=torch.nn.LayerNorm(16))

    def forward(self, tgt, memory, tgt_pad):
        mask = torch.nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        return self.dec(tgt, memory, tgt_mask=mask, tgt_key_padding_mask=tgt_pad)


class Transformer(torch.nn.Module):
    """nn.Transformer (encoder and decoder stacks, each with its final norm):
    the causal tgt_mask made in the graph, bool source and target key
    padding masks (the source's also as memory_key_padding_mask)."""

    def __init__(self, act, norm_first):
        super().__init__()
        self.t = torch.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                                      dim_feedforward=24, dropout=0.0, activation=ACTIVATIONS[act],
                                      batch_first=True, norm_first=norm_first)

    def forward(self, src, tgt, src_pad, tgt_pad):
        mask = torch.nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        return self.t(src, tgt, tgt_mask=mask, src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad,
                      memory_key_padding_mask=src_pad)


export_transformer("tf_enc_seqfirst_boolmask", SeqFirstEncoder(),
                   [torch.randn(10, 3, 24), torch.ones(10, 10, dtype=torch.bool).triu(1)], ["x", "mask"])
export_transformer("tf_dec_t64_ingraph", DecoderInGraph(),
                   [torch.randn(1, 64, 16), torch.randn(1, 40, 16), pad(1, 64, (0, 13), (0, 50))],
                   ["tgt", "memory", "tgt_pad"])
export_transformer("tf_transformer_post_relu", Transformer("relu", False),
                   [torch.randn(2, 9, 16), torch.randn(2, 6, 16), pad(2, 9, (1, 7), (1, 8)), pad(2, 6, (0, 5))],
                   ["src", "tgt", "src_pad", "tgt_pad"])
export_transformer("tf_transformer_pre_gelu_tanh", Transformer("gelu_tanh", True),
                   [torch.randn(1, 12, 16), torch.randn(1, 7, 16), pad(1, 12, (0, 3)), pad(1, 7, (0, 2))],
                   ["src", "tgt", "src_pad", "tgt_pad"])


class KeywordCNN(torch.nn.Module):
    """A keyword spotter's shape: Conv2d on a log-mel patch, BatchNorm2d
    after the ReLU (left as BatchNormalization: torch folds it into Conv
    only right after a Conv), MaxPool2d, an AvgPool2d with ceil_mode and
    padding not counted, a dilated strided MaxPool, the global average,
    Linear, and the class index (ArgMax) beside the logits."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 6, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(6)
        self.pool1 = torch.nn.MaxPool2d(2)
        self.pool2 = torch.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.pool3 = torch.nn.MaxPool2d(2, stride=1, dilation=2, padding=1)
        self.gap = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(6, 5)

    def forward(self, x):
        y = self.bn(torch.relu(self.conv(x)))
        y = self.pool3(self.pool2(self.pool1(y)))
        logits = self.fc(torch.flatten(self.gap(y), 1))
        return logits, torch.argmax(logits, dim=1)


kws = KeywordCNN()
with torch.no_grad():  # statistics a trained network would have
    kws.bn.running_mean.uniform_(-0.5, 0.5)
    kws.bn.running_var.uniform_(0.5, 2)
    kws.bn.weight.uniform_(0.5, 1.5)
    kws.bn.bias.uniform_(-0.2, 0.2)
export("kws_cnn", kws, [torch.randn(3, 1, 20, 13)], ["x"], ["logits", "class"], opset=13)
