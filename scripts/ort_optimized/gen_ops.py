# Random single nodes of the operators that ONNX Runtime's optimizer writes
# into the graphs of make_models.py and that the ONNX runner took up for
# them: com.microsoft FusedConv (every fused activation, bias, Z) and
# DynamicQuantizeMatMul (int8 or uint8 B, its scale and zero point per
# tensor or per column, bias, A of rank 1 to 4), MatMulIntegerToFloat (int8 or uint8 A and B, zero points, B's scale
# and zero point per tensor or per column, bias), and MaxPool of int8 and uint8 (opset 12 on), as case folders for
# scripts/int8_crosscheck/ort_run.mjs and cmp (model.onnx, meta.json with
# cmp's tolerance, in_<i>.bin).
# usage: gen_ops.py ROOT [SEED [N]] [fusedconv dqmatmul mmitf maxpool]
#
# The int8 B (and MatMulIntegerToFloat's int8 A) are drawn from [−64, 63]: ONNX Runtime's
# AVX2 u8×s8 kernel sums pairs of products in saturating int16 and misses
# the exact sums beyond (scripts/int8_crosscheck/README.md).
import os, sys
import numpy as np
from onnx import TensorProto
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "int8_crosscheck"))
from common import Case, gen_args

root, seed, N, rng = gen_args()
only = set(sys.argv[4:])
F = TensorProto.FLOAT


def randf(shape, s=1.0):
    return (rng.standard_normal(shape) * s).astype(np.float32)


def pick(*v):
    return v[int(rng.integers(0, len(v)))]


ACTS = {"": lambda: [], "Relu": lambda: [], "Tanh": lambda: [], "Sigmoid": lambda: [], "Silu": lambda: [],
        "LeakyRelu": lambda: [pick(0.01, 0.2, 1.5)],
        "Clip": lambda: [pick(-1.0, 0.0, -6.0), pick(1.0, 6.0, 0.5)],
        "HardSigmoid": lambda: [pick(0.2, 0.5), pick(0.5, 0.1)]}


def fusedconv(i):
    act = list(ACTS)[i % len(ACTS)]
    params = ACTS[act]()
    c = Case(root, f"FusedConv_{i:04d}", "FusedConv", opset=17, ms=1, tol=3e-6)
    nd = int(rng.integers(1, 4))
    g = int(pick(1, 1, 2))
    C, M = g * int(rng.integers(1, 4)), g * int(rng.integers(1, 5))
    k = [int(rng.integers(1, 4)) for _ in range(nd)]
    st = [int(pick(1, 1, 2)) for _ in range(nd)]
    dil = [int(pick(1, 1, 2)) for _ in range(nd)]
    pads = [int(rng.integers(0, 2)) for _ in range(2 * nd)]
    hi = {1: 12, 2: 7, 3: 5}[nd]
    sp = [int(rng.integers(d * (kk - 1) + 1, hi + d * (kk - 1) + 1)) for kk, d in zip(k, dil)]
    B = int(rng.integers(1, 3))
    x = c.tensor("x", randf([B, C] + sp, pick(1.0, 3.0)), True)
    w = c.tensor("w", randf([M, C // g] + k, 0.5), rng.random() < 0.3)
    ins = [x, w]
    if rng.random() < 0.7:
        ins.append(c.tensor("b", randf([M], 0.5), False))
    out = [(s + pads[j] + pads[nd + j] - dil[j] * (k[j] - 1) - 1) // st[j] + 1 for j, s in enumerate(sp)]
    if rng.random() < 0.4:
        while len(ins) < 3:
            ins.append("")
        ins.append(c.tensor("z", randf([B, M] + out), True))
    attrs = dict(group=g, kernel_shape=k, strides=st, dilations=dil, pads=pads)
    if act:
        attrs["activation"] = act
    if params:
        attrs["activation_params"] = [float(p) for p in params]
    c.node("FusedConv", ins, ["y"], domain="com.microsoft", **attrs)
    c.out("y", F)
    c.note = str(attrs)
    return c


def dqmatmul(i):
    c = Case(root, f"DynamicQuantizeMatMul_{i:04d}", "DynamicQuantizeMatMul", opset=17, ms=1, tol=0)
    K, Nn = int(rng.integers(1, 40)), int(rng.integers(1, 12))
    lead = [int(rng.integers(1, 5)) for _ in range(int(rng.integers(0, 4)))]
    a = randf(lead + [K], pick(0.5, 2.0, 10.0))
    if rng.random() < 0.3:
        a = a + np.float32(pick(3.0, -3.0))  # a range off zero
    if rng.random() < 0.05:
        a[:] = np.float32(pick(0.0, 1.5))  # max = min
    ins = [c.tensor("a", a, True)]
    signed = rng.random() < 0.6
    if signed:
        b = rng.integers(-64, 64, size=[K, Nn]).astype(np.int8)
    else:
        b = rng.integers(0, 256, size=[K, Nn]).astype(np.uint8)
    ins.append(c.tensor("b", b, rng.random() < 0.2))
    bshape = [Nn] if rng.random() < 0.3 else pick([], [1])
    ins.append(c.tensor("bs", (rng.random(bshape) * 0.1 + 0.003).astype(np.float32), False))
    if rng.random() < 0.6:
        zp = rng.integers(-8, 8, size=bshape) if signed else rng.integers(100, 156, size=bshape)
        ins.append(c.tensor("bz", np.array(zp, b.dtype), False))
    if rng.random() < 0.6:
        while len(ins) < 4:
            ins.append("")
        ins.append(c.tensor("bias", randf([Nn]), False))
    c.node("DynamicQuantizeMatMul", ins, ["y"], domain="com.microsoft")
    c.out("y", F)
    return c


def mmitf(i):
    c = Case(root, f"MatMulIntegerToFloat_{i:04d}", "MatMulIntegerToFloat", opset=17, ms=1, tol=0)
    K, Nn = int(rng.integers(1, 40)), int(rng.integers(1, 12))
    lead = [int(rng.integers(1, 5)) for _ in range(int(rng.integers(0, 4)))]
    asigned = rng.random() < 0.3
    if asigned:
        a = rng.integers(-64, 64, size=lead + [K]).astype(np.int8)
    else:
        a = rng.integers(0, 256, size=lead + [K]).astype(np.uint8)
    signed = rng.random() < 0.6
    if signed:
        b = rng.integers(-64, 64, size=[K, Nn]).astype(np.int8)
    else:
        b = rng.integers(0, 256, size=[K, Nn]).astype(np.uint8)
    percol = rng.random() < 0.4
    bshape = [Nn] if percol else pick([], [1])
    ins = [c.tensor("a", a, True), c.tensor("b", b, rng.random() < 0.2),
           c.tensor("as", np.array(pick(0.01, 0.05), np.float32).reshape(pick([], [1])), rng.random() < 0.3),
           c.tensor("bs", (rng.random(bshape) * 0.02 + 0.001).astype(np.float32), False)]
    if rng.random() < 0.7:
        ins.append(c.tensor("az", np.array(rng.integers(-5, 5) if asigned else rng.integers(100, 156), a.dtype),
                            rng.random() < 0.3))
    if rng.random() < 0.7:
        while len(ins) < 5:
            ins.append("")
        zp = rng.integers(-8, 8, size=bshape) if signed else rng.integers(100, 156, size=bshape)
        ins.append(c.tensor("bz", np.array(zp, b.dtype), False))
    if rng.random() < 0.6:
        while len(ins) < 6:
            ins.append("")
        ins.append(c.tensor("bias", randf([Nn]), False))
    c.node("MatMulIntegerToFloat", ins, ["y"], domain="com.microsoft")
    c.out("y", F)
    c.note = f"percol={percol}"
    return c


def maxpool(i):
    c = Case(root, f"MaxPool_{i:04d}", "MaxPool", opset=int(pick(12, 13, 17, 22)), tol=0)
    nd = int(rng.integers(1, 3))
    k = [int(rng.integers(1, 4)) for _ in range(nd)]
    st = [int(pick(1, 2)) for _ in range(nd)]
    dil = [int(pick(1, 1, 2)) for _ in range(nd)]
    pads = [int(rng.integers(0, kk)) for kk in k] * 2
    sp = [int(rng.integers(d * (kk - 1) + 1, 9)) for kk, d in zip(k, dil)]
    dt = np.int8 if rng.random() < 0.5 else np.uint8
    lo, hi = (-128, 128) if dt == np.int8 else (0, 256)
    x = c.tensor("x", rng.integers(lo, hi, size=[int(rng.integers(1, 3)), int(rng.integers(1, 4))] + sp).astype(dt), True)
    attrs = dict(kernel_shape=k, strides=st, dilations=dil, pads=pads, ceil_mode=int(rng.integers(0, 2)))
    c.node("MaxPool", [x], ["y"], **attrs)
    c.out("y", TensorProto.INT8 if dt == np.int8 else TensorProto.UINT8)
    c.note = str(attrs)
    return c


gens = {"fusedconv": fusedconv, "dqmatmul": dqmatmul, "mmitf": mmitf, "maxpool": maxpool}
for kname, gen in gens.items():
    if only and kname not in only:
        continue
    for i in range(N):
        gen(i).write()
