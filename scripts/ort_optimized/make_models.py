#!/usr/bin/env python3
"""Writes the models whose ONNX Runtime-optimized graphs the ONNX runner is
checked on: small torch models of the kinds simdcore's tests use, exported
with torch.onnx.export, and int8 versions of some of them.

usage: make_models.py WORK            (float models and dynamic int8)
       make_models.py WORK qdq        (after ort_optimize.mjs WORK ranges)

Each case is a folder WORK/<name> with model.onnx, meta.json and in_<i>.bin
(scripts/int8_crosscheck's layout, which ort_run.mjs and fixtures_qop.py
read). The int8 versions are written as ONNX Runtime's quantizer writes
them (its Python quantizer is not in onnxruntime-node, so they are built
here). Their weights take 7 bits (the quantizers' reduce_range), as
ONNX Runtime advises for AVX2 machines: with 8, its u8×s8 kernels sum
pairs of products in saturating int16 (VPMADDUBSW) and miss the exact
sums that the ONNX runner computes (scripts/int8_crosscheck/README.md):

  <name>_dyn   quantize_dynamic's MatMul: DynamicQuantizeLinear of A,
               MatMulInteger by int8 weights (symmetric, per tensor,
               7 bits), Cast, Mul by A's scale times B's (ONNX Runtime's optimizer
               makes these DynamicQuantizeMatMul, or MatMulIntegerToFloat
               where one DynamicQuantizeLinear feeds several MatMuls)
  <name>_qdq   quantize_static's QDQ format: each Conv's, MatMul's and
               Gemm's float input and output through QuantizeLinear and
               DequantizeLinear (uint8, scales from the activations'
               ranges on the case's own input, which ort_optimize.mjs
               WORK ranges measures), weights int8 per output channel
               (7 bits) through DequantizeLinear, biases int32 (the optimizer makes
               these QLinearConv, QLinearMatMul, QGemm...)

Needs /usr/bin/python3 with torch 1.13, onnx 1.12 and numpy.
"""
import io
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper, shape_inference

torch.manual_seed(31)
np.random.seed(31)
F = torch.nn.functional


class KwsCNN(torch.nn.Module):
    """A keyword spotter: Conv2d, BatchNorm2d, ReLU twice (torch folds the
    norm into the Conv), MaxPool2d, the global average, Linear."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8)
        self.c2, self.b2 = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2), torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8, 5)

    def forward(self, x):
        y = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        y = F.relu(self.b2(self.c2(y)))
        return self.fc(y.mean((2, 3)))


class CRNN(torch.nn.Module):
    """Conv2d, BatchNorm2d, ReLU, a frequency MaxPool, a GRU, Linear."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn = torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4)
        self.gru = torch.nn.GRU(4 * 4, 12, batch_first=True)
        self.fc = torch.nn.Linear(12, 3)

    def forward(self, x):
        y = F.max_pool2d(F.relu(self.bn(self.conv(x))), (1, 4))
        b, c, t, f = y.shape
        o, _ = self.gru(y.permute(0, 2, 1, 3).reshape(b, t, c * f))
        return self.fc(o[:, -1])


class RNNNet(torch.nn.Module):
    """A two-layer LSTM or a bidirectional GRU, then Linear on every step."""

    def __init__(self, kind):
        super().__init__()
        if kind == "lstm":
            self.rnn = torch.nn.LSTM(6, 10, num_layers=2, batch_first=True)
        else:
            self.rnn = torch.nn.GRU(6, 8, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(self.rnn.hidden_size * (2 if self.rnn.bidirectional else 1), 4)

    def forward(self, x):
        return self.fc(self.rnn(x)[0])


class MLP(torch.nn.Module):
    """Linear, GELU, Linear, GELU (tanh), Linear on [batch, t, d]."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = torch.nn.Linear(12, 24), torch.nn.Linear(24, 24), torch.nn.Linear(24, 6)

    def forward(self, x):
        return self.l3(F.gelu(self.l2(F.gelu(self.l1(x))), approximate="tanh"))


class Encoder(torch.nn.Module):
    """One nn.TransformerEncoderLayer, batch first, norm first or last."""

    def __init__(self, act, norm_first):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation=act, batch_first=True,
                                                 norm_first=norm_first)
        self.enc = torch.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)

    def forward(self, x):
        return self.enc(x)


class GPT(torch.nn.Module):
    """A tiny GPT-style decoder: token and learned position embeddings, pre-norm
    blocks of causal self-attention (one fused QKV Linear, heads by reshape,
    a -inf mask) and a GELU MLP, a final LayerNorm and a tied head."""

    def __init__(self, vocab=24, d=8, heads=2, layers=2, t=8):
        super().__init__()
        self.tok, self.pos = torch.nn.Embedding(vocab, d), torch.nn.Embedding(t, d)
        self.heads = heads
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            b = torch.nn.Module()
            b.ln1, b.qkv, b.proj = torch.nn.LayerNorm(d), torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
            b.ln2, b.fc, b.out = torch.nn.LayerNorm(d), torch.nn.Linear(d, 4 * d), torch.nn.Linear(4 * d, d)
            self.blocks.append(b)
        self.lnf = torch.nn.LayerNorm(d)
        self.register_buffer("mask", torch.full((t, t), float("-inf")).triu(1))

    def forward(self, ids):
        bsz, t = ids.shape
        x = self.tok(ids) + self.pos(torch.arange(t))
        d, h = x.shape[-1], self.heads
        for b in self.blocks:
            q, k, v = b.qkv(b.ln1(x)).split(d, -1)
            q, k, v = (z.reshape(bsz, t, h, d // h).transpose(1, 2) for z in (q, k, v))
            a = torch.softmax(q @ k.transpose(-1, -2) / (d // h) ** 0.5 + self.mask[:t, :t], -1) @ v
            x = x + b.proj(a.transpose(1, 2).reshape(bsz, t, d))
            x = x + b.out(F.gelu(b.fc(b.ln2(x))))
        return self.lnf(x) @ self.tok.weight.t()


class SepQKV(torch.nn.Module):
    """Self-attention with separate query, key and value Linears on one
    input (as BERT-style models write it), then a residual and LayerNorm:
    its dynamic int8 version shares one DynamicQuantizeLinear among three
    MatMulIntegers."""

    def __init__(self, d=16, heads=2):
        super().__init__()
        self.q, self.k, self.v, self.o = (torch.nn.Linear(d, d) for _ in range(4))
        self.ln, self.heads = torch.nn.LayerNorm(d), heads

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q, k, v = (f(x).reshape(b, t, h, d // h).transpose(1, 2) for f in (self.q, self.k, self.v))
        a = torch.softmax(q @ k.transpose(-1, -2) / (d // h) ** 0.5, -1) @ v
        return self.ln(x + self.o(a.transpose(1, 2).reshape(b, t, d)))


def perturb(m):
    """Trained-looking statistics for the norms and non-zero biases."""
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.normal_(1, 0.1)
                mod.bias.normal_(0, 0.1)
    return m


DT = {np.float32: "float32", np.int64: "int64"}


def write_case(work, name, model, inputs):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    meta = {"inputs": [], "tol": 0, "kind": name}
    for i, (n, a) in enumerate(inputs):
        a.tofile(os.path.join(d, f"in_{i}.bin"))
        meta["inputs"].append({"name": n, "dtype": DT[a.dtype.type], "dims": list(a.shape)})
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"))


def export(model, args, names, opset):
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(model, tuple(args), buf, opset_version=opset, input_names=names, output_names=["y"],
                      do_constant_folding=True)
    return onnx.load_from_string(buf.getvalue())


def models():
    yield "kws_cnn", perturb(KwsCNN()), [torch.randn(2, 1, 16, 12)], 13
    yield "crnn_gru", perturb(CRNN()), [torch.randn(1, 1, 10, 16)], 14
    yield "lstm2", RNNNet("lstm"), [torch.randn(2, 7, 6)], 14
    yield "gru_bidi", RNNNet("gru"), [torch.randn(1, 9, 6)], 14
    yield "mlp_gelu", MLP(), [torch.randn(2, 5, 12)], 14
    for act in ("relu", "gelu"):
        for nf in (False, True):
            for opset in (14, 17):
                name = "tf_enc_%s_%s_o%d" % ("pre" if nf else "post", act, opset)
                yield name, perturb(Encoder(act, nf)), [torch.randn(1, 7, 16)], opset
    yield "gpt", perturb(GPT()), [torch.randint(0, 24, (1, 8))], 14
    yield "sep_qkv", perturb(SepQKV()), [torch.randn(2, 5, 16)], 17


DYN = ("mlp_gelu", "tf_enc_post_relu_o14", "tf_enc_pre_gelu_o17", "gpt", "sep_qkv")
QDQ = ("kws_cnn", "mlp_gelu", "tf_enc_post_relu_o17")


def dynamic_quantized(m):
    """m's MatMuls by a 2-D initializer rewritten as quantize_dynamic writes
    them (weights int8, symmetric, per tensor; one DynamicQuantizeLinear
    per quantized input, shared by the MatMuls that read it)."""
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    nodes, quantized = [], set()
    for n in g.node:
        if n.op_type != "MatMul" or n.input[1] not in inits or len(inits[n.input[1]].dims) != 2:
            nodes.append(n)
            continue
        w = numpy_helper.to_array(inits[n.input[1]])
        s = np.float32(max(np.abs(w).max(), 1e-8) / 63)
        wq = np.clip(np.round(w / s), -64, 63).astype(np.int8)
        a, b, y = n.input[0], n.input[1], n.output[0]
        g.initializer.extend([numpy_helper.from_array(wq, b + "_quantized"),
                              numpy_helper.from_array(np.array(s, np.float32), b + "_scale"),
                              numpy_helper.from_array(np.array(0, np.int8), b + "_zero_point")])
        if a not in quantized:
            quantized.add(a)
            nodes.append(helper.make_node("DynamicQuantizeLinear", [a], [a + "_quantized", a + "_scale",
                                                                       a + "_zero_point"], name=a + "_QuantizeLinear"))
        nodes += [helper.make_node("MatMulInteger", [a + "_quantized", b + "_quantized", a + "_zero_point",
                                                     b + "_zero_point"], [y + "_quantized"], name=n.name + "_quant"),
                  helper.make_node("Mul", [a + "_scale", b + "_scale"], [y + "_scales_mul"], name=n.name + "_scales_mul"),
                  helper.make_node("Cast", [y + "_quantized"], [y + "_cast"], to=TensorProto.FLOAT,
                                   name=n.name + "_cast"),
                  helper.make_node("Mul", [y + "_cast", y + "_scales_mul"], [y], name=n.name + "_mul")]
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return m


def with_all_outputs(m):
    """m with every float value also a graph output, for the ranges."""
    m = shape_inference.infer_shapes(m)
    have = {o.name for o in m.graph.output}
    for vi in m.graph.value_info:
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT and vi.name not in have:
            m.graph.output.append(vi)
    return m


def qparams(lo, hi):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    s = np.float32(max(hi - lo, 1e-6) / 255)
    return s, np.uint8(np.clip(np.round(-lo / s), 0, 255))


def qdq(m, ranges):
    """m in quantize_static's QDQ format (see the module's comment)."""
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    nodes, done = [], {}

    def act(name):
        """name's QuantizeLinear→DequantizeLinear, made once."""
        if name in done:
            return done[name]
        s, z = qparams(*ranges[name])
        g.initializer.extend([numpy_helper.from_array(np.array(s), name + "_scale"),
                              numpy_helper.from_array(np.array(z), name + "_zero_point")])
        q, dq = name + "_QuantizeLinear_Output", name + "_DequantizeLinear_Output"
        nodes.append(helper.make_node("QuantizeLinear", [name, name + "_scale", name + "_zero_point"], [q],
                                      name=name + "_QuantizeLinear"))
        nodes.append(helper.make_node("DequantizeLinear", [q, name + "_scale", name + "_zero_point"], [dq],
                                      name=name + "_DequantizeLinear"))
        done[name] = dq
        return dq

    def weight(name, axis):
        w = numpy_helper.to_array(inits[name])
        red = tuple(i for i in range(w.ndim) if i != axis)
        s = (np.maximum(np.abs(w).max(axis=red), 1e-8) / 63).astype(np.float32)
        shape = [1] * w.ndim
        shape[axis] = -1
        wq = np.clip(np.round(w / s.reshape(shape)), -64, 63).astype(np.int8)
        g.initializer.extend([numpy_helper.from_array(wq, name + "_quantized"),
                              numpy_helper.from_array(s, name + "_scale"),
                              numpy_helper.from_array(np.zeros(s.shape, np.int8), name + "_zero_point")])
        nodes.append(helper.make_node("DequantizeLinear", [name + "_quantized", name + "_scale", name + "_zero_point"],
                                      [name + "_DequantizeLinear_Output"], axis=axis, name=name + "_DequantizeLinear"))
        return name + "_DequantizeLinear_Output", s

    def bias(name, sx, sw):
        b = numpy_helper.to_array(inits[name])
        s = (sx * sw).astype(np.float32)
        g.initializer.extend([numpy_helper.from_array(np.round(b / s).astype(np.int32), name + "_quantized"),
                              numpy_helper.from_array(s, name + "_scale"),
                              numpy_helper.from_array(np.zeros(s.shape, np.int32), name + "_zero_point")])
        nodes.append(helper.make_node("DequantizeLinear", [name + "_quantized", name + "_scale", name + "_zero_point"],
                                      [name + "_DequantizeLinear_Output"], axis=0, name=name + "_DequantizeLinear"))
        return name + "_DequantizeLinear_Output"

    for n in list(g.node):
        w = n.input[1] if len(n.input) > 1 else None
        quant = n.op_type in ("Conv", "MatMul", "Gemm") and w in inits and n.input[0] in ranges and \
            n.output[0] in ranges and (n.op_type != "Gemm" or helper.get_attribute_value(
                next((a for a in n.attribute if a.name == "transB"), helper.make_attribute("transB", 0))) == 1)
        if not quant:
            nodes.append(n)
            continue
        x = act(n.input[0])
        wd, sw = weight(w, 0 if n.op_type in ("Conv", "Gemm") else 1)
        ins = [x, wd]
        if len(n.input) > 2 and n.input[2] in inits:
            sx, _ = qparams(*ranges[n.input[0]])
            ins.append(bias(n.input[2], sx, sw))
        y = n.output[0]
        n2 = helper.make_node(n.op_type, ins, [y + "_pre"], name=n.name)
        n2.attribute.extend(n.attribute)
        nodes.append(n2)
        s, z = qparams(*ranges[y])
        g.initializer.extend([numpy_helper.from_array(np.array(s), y + "_scale"),
                              numpy_helper.from_array(np.array(z), y + "_zero_point")])
        nodes.append(helper.make_node("QuantizeLinear", [y + "_pre", y + "_scale", y + "_zero_point"], [y + "_q"],
                                      name=y + "_QuantizeLinear"))
        nodes.append(helper.make_node("DequantizeLinear", [y + "_q", y + "_scale", y + "_zero_point"], [y],
                                      name=y + "_DequantizeLinear"))
        done[y] = y
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return m


def main():
    work = sys.argv[1]
    if sys.argv[2:] == ["qdq"]:
        for name in QDQ:
            ranges = json.load(open(os.path.join(work, name, "ranges.json")))
            m = onnx.load(os.path.join(work, name, "model.onnx"))
            meta = json.load(open(os.path.join(work, name, "meta.json")))
            ins = [(i["name"], np.fromfile(os.path.join(work, name, f"in_{k}.bin"), {"float32": np.float32,
                   "int64": np.int64}[i["dtype"]]).reshape(i["dims"])) for k, i in enumerate(meta["inputs"])]
            write_case(work, name + "_qdq", qdq(m, ranges), ins)
        return
    for name, model, args, opset in models():
        m = export(model, args, ["x"], opset)
        ins = [("x", a.numpy()) for a in args]
        write_case(work, name, m, ins)
        if name in DYN:
            write_case(work, name + "_dyn", dynamic_quantized(export(model, args, ["x"], opset)), ins)
        if name in QDQ:
            onnx.save(with_all_outputs(m), os.path.join(work, name, "ranges.onnx"))
        print(name)


main()
