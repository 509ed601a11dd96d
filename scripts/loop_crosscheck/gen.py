#!/usr/bin/env python3
"""Writes random torch.jit.script'ed modules with loops, exported by
torch.onnx.export (opsets 13 to 17), as case folders for ort_run.mjs and
cmp: model.onnx, meta.json (the inputs' names, types and shapes),
in_<i>.bin (the inputs, raw little-endian) and torch_<i>.bin (torch's
outputs). See README.md.

    /usr/bin/python3 scripts/loop_crosscheck/gen.py ROOT SEED COUNT
"""
import json
import os
import random
import sys

import torch

root, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
torch.manual_seed(seed)


class ForShape(torch.nn.Module):
    """for over x's first dimension: decayed sum and a tanh product."""

    def __init__(self, a: float):
        super().__init__()
        self.a = a

    def forward(self, x):
        acc = torch.zeros_like(x[0])
        p = torch.ones_like(x[0])
        for i in range(x.size(0)):
            acc = acc * self.a + x[i] * float(i + 1)
            p = p * torch.tanh(x[i])
        return acc, p


class ForInput(torch.nn.Module):
    """for over a trip count given as an input tensor."""

    def forward(self, x, n):
        y = x
        for i in range(int(n)):
            y = torch.sin(y) + x * float(i)
        return y


class While(torch.nn.Module):
    """while with a data-dependent condition and a counter."""

    def __init__(self, limit: float):
        super().__init__()
        self.limit = limit

    def forward(self, y):
        n = torch.zeros(1, dtype=torch.long)
        while bool(y.abs().sum() > self.limit):
            y = y * 0.75 - 0.01
            n = n + 1
        return y, n


class Stack(torch.nn.Module):
    """a list built in a loop and stacked along dim."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        out = []
        h = torch.zeros_like(x[0])
        for i in range(x.size(0)):
            h = torch.tanh(h * 0.5 + x[i])
            out.append(h + float(i))
        return torch.stack(out, self.dim)


class Cat(torch.nn.Module):
    """a list of slices of growing width, concatenated."""

    def forward(self, x):
        parts = []
        for i in range(x.size(1)):
            parts.append(x[:, : i + 1].mean(1, keepdim=True) - x[:, i : i + 1])
        return torch.cat(parts, 1)


class Nested(torch.nn.Module):
    """two nested for loops."""

    def forward(self, x):
        acc = torch.zeros(x.size(2))
        for i in range(x.size(0)):
            for j in range(x.size(1)):
                acc = acc * 0.9 + x[i, j] * float(i - j)
        return acc


def case(k):
    kind = rng.choice(["for_shape", "for_input", "while", "stack", "cat", "nested"])
    opset = rng.randint(13, 17)
    dims = [rng.randint(1, 4) for _ in range(rng.randint(1, 2))]
    t = rng.randint(0 if kind == "for_input" else 1, 7)
    if kind == "for_shape":
        m, ins = ForShape(rng.uniform(-1, 1)), [torch.randn(t, *dims)]
    elif kind == "for_input":
        m, ins = ForInput(), [torch.randn(*dims), torch.tensor(t)]
    elif kind == "while":
        m, ins = While(rng.uniform(0.5, 3)), [torch.randn(*dims) * rng.uniform(0.1, 20)]
    elif kind == "stack":
        m, ins = Stack(rng.randint(0, len(dims))), [torch.randn(t, *dims)]
    elif kind == "cat":
        m, ins = Cat(), [torch.randn(rng.randint(1, 3), t)]
    else:
        m, ins = Nested(), [torch.randn(rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 3))]
    d = os.path.join(root, "%03d_%s" % (k, kind))
    os.makedirs(d, exist_ok=True)
    s = torch.jit.script(m)
    with torch.no_grad():
        outs = s(*ins)
    if not isinstance(outs, tuple):
        outs = (outs,)
    names = ["in%d" % i for i in range(len(ins))]
    torch.onnx.export(s, tuple(ins), os.path.join(d, "model.onnx"), opset_version=opset,
                      input_names=names, output_names=["out%d" % i for i in range(len(outs))])
    meta = {"kind": kind, "opset": opset, "inputs": []}
    for i, x in enumerate(ins):
        dt = {torch.float32: "float32", torch.int64: "int64"}[x.dtype]
        meta["inputs"].append({"name": names[i], "dtype": dt, "dims": list(x.shape)})
        with open(os.path.join(d, "in_%d.bin" % i), "wb") as f:
            f.write(x.contiguous().numpy().tobytes())
    meta["outputs"] = []
    for i, y in enumerate(outs):
        dt = {torch.float32: "float32", torch.int64: "int64"}[y.dtype]
        meta["outputs"].append({"dtype": dt, "dims": list(y.shape)})
        with open(os.path.join(d, "torch_%d.bin" % i), "wb") as f:
            f.write(y.contiguous().numpy().tobytes())
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f)


for k in range(count):
    case(k)
print(count, "cases in", root)
