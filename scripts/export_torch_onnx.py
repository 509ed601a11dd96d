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
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torchutil import ACTIVATIONS, perturb  # noqa: E402
from onnx_tensor_proto import tensor_proto  # noqa: E402

torch.manual_seed(17)
OUT = os.path.join("testdata", "onnx", "torch")


def export(name, model, inputs, input_names, output_names, opset=14, reference=None, dynamic=None):
    """Exports model and writes its data set; reference, if given, computes
    the outputs instead of model (the transformers' float64 copy); dynamic
    is torch.onnx.export's dynamic_axes (sizes left symbolic in the graph,
    so that what depends on them, torch.arange's Range for one, is not
    folded away)."""
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
                      input_names=input_names, output_names=output_names, do_constant_folding=True,
                      dynamic_axes=dynamic or {})
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


def float64_eval_reference(model):
    """A float64 copy of model in evaluation mode (BatchNorm on its running
    statistics), taking float32 inputs and returning every floating output
    as float32: the exact answer for the float32 weights, rounded once, so
    that a fixture holds the runner to the answer rather than to torch's
    own float32 rounding (its sequential cumsum, for one, is 1e-6 off)."""
    ref = copy.deepcopy(model).double().eval()

    def run(*xs):
        out = ref(*[x.double() if x.is_floating_point() else x for x in xs])
        one = not isinstance(out, (tuple, list))
        outs = [o.float() if o.is_floating_point() else o for o in ([out] if one else out)]
        return outs[0] if one else tuple(outs)
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
    perturb(model, 0.1, 0.1)
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


# Exports with symbolic sizes (dynamic_axes), and the operators they bring:
# positions from torch.arange (Range), sinusoidal tables written by slice
# assignment (ScatterND, Sin, Cos), rotary embeddings (Einsum), a Conformer
# convolution module (GLU's Split, depthwise Conv, SiLU), a decoder block
# (ConvTranspose, InstanceNormalization for GroupNorm, ReduceL2, CumSum),
# and TopK, Resize, reflect Pad, IsNaN, IsInf, a masked mean over lengths,
# and a convolutional-recurrent keyword spotter.


def export_exact(name, model, *args, **kw):
    """export with the float64 evaluation-mode reference as the outputs."""
    export(name, model, *args, reference=float64_eval_reference(model), **kw)


class LearnedPositionLM(torch.nn.Module):
    """Token and learned position embeddings (positions from torch.arange
    of the sequence length), a causal pre-norm GELU encoder stack and an LM
    head."""

    def __init__(self, vocab=50, d=32, heads=4):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(64, d)
        layer = torch.nn.TransformerEncoderLayer(d, heads, 64, dropout=0.0, batch_first=True, norm_first=True,
                                                 activation="gelu")
        self.enc = torch.nn.TransformerEncoder(layer, 2)
        self.head = torch.nn.Linear(d, vocab)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tok(tokens) + self.pos(torch.arange(t))[None]
        mask = torch.triu(torch.full((t, t), float("-inf")), 1)
        return self.head(self.enc(x, mask=mask))


class SinusoidalEncoder(torch.nn.Module):
    """The sinusoidal position table of "Attention Is All You Need", made in
    the graph for the input's length, added before a post-norm encoder
    layer in torch's default (T, batch, d) layout."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.d = d
        self.enc = torch.nn.TransformerEncoderLayer(d, heads, 64, dropout=0.0)

    def forward(self, x):
        t = x.shape[0]
        pos = torch.arange(t, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, self.d, 2, dtype=torch.float32) * (-math.log(10000.0) / self.d))
        pe = torch.zeros(t, self.d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        return self.enc(x + pe.unsqueeze(1))


class RotaryAttention(torch.nn.Module):
    """One head of attention with rotary position embeddings (RoPE): the
    angles as an outer product (einsum) of positions and frequencies."""

    def __init__(self, d=32):
        super().__init__()
        self.d = d
        self.q = torch.nn.Linear(d, d)
        self.k = torch.nn.Linear(d, d)

    def forward(self, x):
        t = x.shape[1]
        inv = 1.0 / (10000 ** (torch.arange(0, self.d, 2).float() / self.d))
        angles = torch.einsum("i,j->ij", torch.arange(t).float(), inv)
        emb = torch.cat((angles, angles), -1)
        cos, sin = emb.cos(), emb.sin()

        def rotate(v):
            return torch.cat((-v[..., self.d // 2:], v[..., : self.d // 2]), -1)

        q, k = self.q(x), self.k(x)
        q, k = q * cos + rotate(q) * sin, k * cos + rotate(k) * sin
        return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.d), -1) @ x


class ConformerConv(torch.nn.Module):
    """A Conformer convolution module: LayerNorm, pointwise Conv1d and GLU,
    depthwise Conv1d, BatchNorm1d, SiLU, pointwise Conv1d, residual."""

    def __init__(self, c=24):
        super().__init__()
        self.ln = torch.nn.LayerNorm(c)
        self.pw1 = torch.nn.Conv1d(c, 2 * c, 1)
        self.dw = torch.nn.Conv1d(c, c, 7, padding=3, groups=c)
        self.bn = torch.nn.BatchNorm1d(c)
        self.pw2 = torch.nn.Conv1d(c, c, 1)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-0.5, 0.5)
            self.bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):  # batch, T, c
        y = torch.nn.functional.glu(self.pw1(self.ln(x).transpose(1, 2)), dim=1)
        y = torch.nn.functional.silu(self.bn(self.dw(y)))
        return x + self.pw2(y).transpose(1, 2)


class Upsampler(torch.nn.Module):
    """A decoder's upsampling block: ConvTranspose1d, InstanceNorm1d with
    affine weights, GroupNorm, then an L2-normalised copy and a running
    sum along time."""

    def __init__(self):
        super().__init__()
        self.up = torch.nn.ConvTranspose1d(8, 6, 4, stride=2, padding=1)
        self.inorm = torch.nn.InstanceNorm1d(6, affine=True)
        self.gn = torch.nn.GroupNorm(2, 6)
        with torch.no_grad():
            for p in (self.inorm.weight, self.gn.weight):
                p.uniform_(0.5, 1.5)
            for p in (self.inorm.bias, self.gn.bias):
                p.uniform_(-0.3, 0.3)

    def forward(self, x):
        y = self.gn(self.inorm(self.up(x)))
        return torch.nn.functional.normalize(y, dim=1), torch.cumsum(y, 2)


class Selections(torch.nn.Module):
    """TopK, nearest upsampling (Resize), reflect padding, flip, the range
    of each row, LogSumExp, and an L1 norm's square root."""

    def forward(self, x):
        v, i = torch.topk(x, 3, dim=-1)
        up = torch.nn.functional.interpolate(x.unsqueeze(1), scale_factor=2, mode="nearest").squeeze(1)
        r = torch.nn.functional.pad(x.unsqueeze(1), (2, 2), mode="reflect").squeeze(1)
        return (v, i, up, r, torch.flip(x, [1]), x.amax(-1) - x.amin(-1), torch.logsumexp(x, -1),
                x.abs().sum(-1).sqrt())


class MaskedMean(torch.nn.Module):
    """The mean over each sequence's first lens[b] steps (a mask from
    torch.arange against the lengths), whether any input is NaN, and the
    input with infinities replaced by zero."""

    def forward(self, x, lens):
        m = torch.arange(x.shape[1])[None, :] < lens[:, None]
        y = x.masked_fill(~m[..., None], 0.0)
        return (y.sum(1) / lens[:, None].float(), torch.isnan(x).any(),
                torch.where(torch.isinf(x), torch.zeros_like(x), x))


class HeadMixing(torch.nn.Module):
    """Einsum as attention code writes it: a per-head projection and the
    scores."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(4, 8, 8))

    def forward(self, x):
        return torch.einsum("bhtd,hde->bhte", x, self.w), torch.einsum("bhqd,bhkd->bhqk", x, x)


class KeywordCRNN(torch.nn.Module):
    """A convolutional-recurrent keyword spotter over a variable number of
    frames: Conv2d, BatchNorm2d, ReLU, a frequency MaxPool, a bidirectional
    GRU, attention pooling over time, log-probabilities."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.gru = torch.nn.GRU(8 * 10, 32, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(64, 5)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-0.5, 0.5)
            self.bn.running_var.uniform_(0.5, 2)

    def forward(self, x):  # batch, 1, T, 40 mel bands
        y = torch.nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), (1, 4))
        b, c, t, f = y.shape
        o, _ = self.gru(y.permute(0, 2, 1, 3).reshape(b, t, c * f))
        w = torch.softmax(o.mean(-1), 1).unsqueeze(-1)
        return torch.log_softmax(self.fc((o * w).sum(1)), -1)


class DilatedTCN(torch.nn.Module):
    """A temporal convolutional block: dilated Conv1d, PReLU, HardSwish, a
    residual, LayerNorm over channels, and three heads: the global
    average, the mean of a clamp, and the standard deviation of an ELU
    over time (whose export computes the element count as a ReduceProd of
    the shape)."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(8, 16, 3, dilation=2, padding=2)
        self.c2 = torch.nn.Conv1d(16, 16, 3, dilation=4, padding=4)
        self.act = torch.nn.PReLU(16)
        self.ln = torch.nn.LayerNorm(16)

    def forward(self, x):
        y = self.act(self.c1(x))
        y = self.c2(torch.nn.functional.hardswish(y)) + y
        y = self.ln(y.transpose(1, 2)).transpose(1, 2)
        return (torch.nn.functional.adaptive_avg_pool1d(y, 1).flatten(1), torch.clamp(y, -0.5, 0.5).mean(),
                torch.nn.functional.elu(y).std(dim=-1))


class Activations(torch.nn.Module):
    """LayerNorm and a Linear, then the activations torch exports as ONNX
    operators or as small graphs of them: GELU (tanh), SiLU, Mish, Softplus
    with beta, LogSigmoid, Hardtanh, LeakyReLU, CELU, SELU, GLU, erf."""

    def __init__(self):
        super().__init__()
        self.ln = torch.nn.LayerNorm(16)
        self.lin = torch.nn.Linear(16, 16)

    def forward(self, x):
        f = torch.nn.functional
        return (f.gelu(self.lin(self.ln(x)), approximate="tanh"), f.silu(x), f.mish(x), f.softplus(x, beta=2),
                f.logsigmoid(x), f.hardtanh(x, -0.5, 0.5), f.leaky_relu(x, 0.2), f.celu(x, 0.7), f.selu(x),
                f.glu(x, -1), torch.erf(x))


export_exact("dyn_learned_position_lm", LearnedPositionLM(), [torch.randint(0, 50, (2, 12))], ["tokens"], ["logits"],
       dynamic={"tokens": {0: "batch", 1: "t"}})
export_exact("dyn_sinusoidal_encoder", SinusoidalEncoder(), [torch.randn(10, 2, 32)], ["x"], ["y"],
       dynamic={"x": {0: "t", 1: "batch"}})
export_exact("dyn_rotary_attention", RotaryAttention(), [torch.randn(2, 9, 32)], ["x"], ["y"], dynamic={"x": {1: "t"}})
export_exact("dyn_conformer_conv", ConformerConv(), [torch.randn(2, 20, 24)], ["x"], ["y"], dynamic={"x": {1: "t"}})
export_exact("upsampler", Upsampler(), [torch.randn(2, 8, 10)], ["x"], ["normalized", "cumsum"])
export_exact("selections", Selections(), [torch.randn(2, 10)], ["x"],
       ["values", "indices", "up", "reflect", "flip", "range", "logsumexp", "l1"], opset=13)
x = torch.randn(3, 7, 4)
x[1, 2, 3] = float("inf")
x[2, 0, 1] = float("-inf")
export_exact("masked_mean", MaskedMean(), [x, torch.tensor([7, 3, 5])], ["x", "lens"], ["mean", "any_nan", "finite"])
export_exact("head_mixing", HeadMixing(), [torch.randn(2, 4, 5, 8)], ["x"], ["projected", "scores"], opset=12)
export_exact("dyn_keyword_crnn", KeywordCRNN(), [torch.randn(2, 1, 30, 40)], ["x"], ["logprobs"], dynamic={"x": {2: "t"}})
export_exact("dyn_dilated_tcn", DilatedTCN(), [torch.randn(2, 8, 30)], ["x"], ["pooled", "clamped_mean", "std"],
       dynamic={"x": {2: "t"}})
export_exact("activations", Activations(), [torch.randn(3, 16) * 2], ["x"],
       ["gelu_tanh", "silu", "mish", "softplus", "logsigmoid", "hardtanh", "leaky", "celu", "selu", "glu", "erf"])


class FlowWarp(torch.nn.Module):
    """Optical-flow and spatial-transformer warps (opset 16: GridSample):
    an image warped by a flow field added to the identity grid, bilinear
    with border padding, and sampled again at the same points bicubic
    with reflection padding and align_corners, and nearest with zeros."""

    def forward(self, x, flow):
        h, w = x.shape[2], x.shape[3]
        ys = torch.linspace(-1, 1, h).view(1, h, 1, 1).expand(1, h, w, 1)
        xs = torch.linspace(-1, 1, w).view(1, 1, w, 1).expand(1, h, w, 1)
        grid = torch.cat([xs, ys], 3) + flow
        f = torch.nn.functional
        return (f.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False),
                f.grid_sample(x, grid, mode="bicubic", padding_mode="reflection", align_corners=True),
                f.grid_sample(x, grid * 1.1, mode="nearest", padding_mode="zeros", align_corners=False))


export_exact("grid_sample_warp", FlowWarp(), [torch.randn(2, 3, 5, 6), torch.randn(2, 5, 6, 2) * 0.4], ["x", "flow"],
             ["bilinear_border", "bicubic_reflection", "nearest_zeros"], opset=16)
