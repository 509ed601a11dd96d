# Random single-node graphs (and a few chains) of ONNX Runtime's
# com.microsoft QOperator-format operators: QGemm, QLinearConcat,
# QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool,
# QLinearAveragePool, QLinearSoftmax, QLinearWhere.
# usage: gen_qop.py ROOT SEED N [OP...]
import os
import sys
import numpy as np
from common import *

root, seed, N, rng = gen_args()
only = set(sys.argv[4:])
F32 = np.float32


def pick(*xs):
    return xs[int(rng.integers(0, len(xs)))]


def dtype():
    return pick(np.uint8, np.int8)


WILD = os.environ.get("WILD") == "1"  # scales of 0, ±Inf, NaN, negative, tiny and huge too


def scale(lo=0.002, hi=0.3):
    r = rng.random()
    if WILD and r < 0.15:
        return F32(pick(0.0, np.inf, -np.inf, np.nan, -0.25, 1e-30, 1e30, 3e-39))
    if r < 0.2:
        return F32(2.0 ** int(rng.integers(-9, 2)))
    if r < 0.25:
        return F32(pick(1e-3, 50.0, 1.0, 0.5))
    return F32(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def zp(dt):
    a, b = qrange(dt)
    r = rng.random()
    if r < 0.15:
        return np.array(a, dt)
    if r < 0.3:
        return np.array(b, dt)
    if r < 0.4:
        return np.array(0, dt)
    return np.array(rng.integers(a, b + 1), dt)


def values(dt, shape):
    v = randq(rng, dt, shape)
    a, b = qrange(dt)
    if v.size and rng.random() < 0.3:  # saturate: the ends of the range
        m = rng.random(v.shape) < 0.3
        v[m] = rng.choice([a, b], size=int(m.sum()))
    return v


def param(c, name, arr, as_input_p=0.15, one_p=0.2):
    """a scale or zero point: an initializer, sometimes a graph input, as a scalar or (one_p) [1]."""
    arr = np.asarray(arr)
    if arr.ndim == 0 and rng.random() < one_p:
        arr = arr.reshape(1)
    return c.tensor(name, arr, rng.random() < as_input_p)


def shape(rank, hi=5):
    return [int(rng.integers(1, hi + 1)) for _ in range(rank)]


def qgemm(i):
    adt = dtype()
    bdt = np.int8 if adt == np.int8 else dtype()
    M, K, Nn = [int(rng.choice([0, 1, 2, 3, 4, 5, 7, 9], p=[.02, .18, .16, .16, .16, .12, .1, .1])) for _ in range(3)]
    ta, tb = int(rng.integers(0, 2)), int(rng.integers(0, 2))
    requant = rng.random() < 0.7
    if K == 0 and not requant:
        K = 1
    alpha = pick(1.0, 1.0, 0.5, 2.5, float(rng.uniform(-2, 2)))
    c = Case(root, f"QGemm_{seed}_{i:04d}", "QGemm", ms=1, note=f"M{M} K{K} N{Nn} tA{ta} tB{tb} {np.dtype(adt).name}x{np.dtype(bdt).name} rq{int(requant)} alpha{alpha:.3g}")
    A = values(adt, [K, M] if ta else [M, K])
    B = values(bdt, [Nn, K] if tb else [K, Nn])
    per = Nn > 0 and rng.random() < 0.4
    sb = np.array([scale() for _ in range(Nn)], F32) if per else scale()
    zb = np.array([zp(bdt) for _ in range(Nn)], bdt) if per else zp(bdt)
    if bdt == np.int8 and rng.random() < 0.5:
        zb = np.zeros_like(zb)
    ins = [c.tensor("A", A, True), param(c, "sa", scale()), param(c, "za", zp(adt)),
           c.tensor("B", B, rng.random() < 0.3), c.tensor("sb", sb, False), c.tensor("zb", zb, False)]
    cs = pick(None, None, [], [Nn], [1, Nn], [M, 1], [M, Nn])
    if cs is not None:
        lim = pick(1000, 100000, 1 << 30)
        ins.append(c.tensor("C", rng.integers(-lim, lim, size=cs).astype(np.int32), rng.random() < 0.2))
    else:
        ins.append("")
    if requant:
        ins += [param(c, "sy", scale(0.01, 30)), param(c, "zy", zp(adt))]
    c.node("QGemm", ins, ["Y"], domain="com.microsoft", alpha=float(alpha), transA=ta, transB=tb)
    c.out("Y")
    c.write()


def lookup(op, i):
    dt = dtype()
    s = shape(int(rng.integers(0, 5)))
    c = Case(root, f"{op}_{seed}_{i:04d}", op, ms=1, note=f"X{s} {np.dtype(dt).name}")
    ins = [c.tensor("X", values(dt, s), True), param(c, "xs", scale(0.005, 0.5)),
           param(c, "xz", zp(dt)) if rng.random() < 0.85 else "",
           param(c, "ys", scale(0.001, 0.3) if op == "QLinearLeakyRelu" else pick(F32(1 / 256), F32(1 / 255), scale(0.001, 0.05)))]
    # an omitted Y_zero_point is named "": ONNX Runtime aborts on a node of four inputs
    ins.append(param(c, "yz", zp(dt)) if rng.random() < 0.85 else "")
    attrs = {}
    if op == "QLinearLeakyRelu" and rng.random() < 0.8:
        attrs["alpha"] = float(pick(0.01, 0.1, 0.2, 0.3, -0.5, 1.5, float(rng.uniform(0, 1))))
    c.node(op, ins, ["Y"], domain="com.microsoft", **attrs)
    c.out("Y")
    c.write()


def concat(i):
    dt = dtype()
    r = int(rng.integers(1, 5))
    base = shape(r, 4)
    axis = int(rng.integers(-r, r))
    n = int(rng.integers(1, 5))
    c = Case(root, f"QLinearConcat_{seed}_{i:04d}", "QLinearConcat", ms=1, note=f"{n} of {base} axis {axis} {np.dtype(dt).name}")
    sy, zy = scale(), zp(dt)
    ins = [param(c, "ys", sy), param(c, "yz", zy)]
    for k in range(n):
        s = list(base)
        s[axis] = int(rng.integers(0 if rng.random() < 0.1 else 1, 5))
        same = rng.random() < 0.25
        ins += [c.tensor(f"X{k}", values(dt, s), rng.random() < 0.8),
                param(c, f"s{k}", sy if same else scale()), param(c, f"z{k}", zy if same else zp(dt))]
    c.node("QLinearConcat", ins, ["Y"], domain="com.microsoft", axis=axis)
    c.out("Y")
    c.write()


def bshapes(k):
    r = int(rng.integers(0, 4))
    s = shape(r, 4)
    out = []
    for _ in range(k):
        t = [d if rng.random() < 0.6 else 1 for d in s]
        if rng.random() < 0.3:
            t = t[int(rng.integers(0, len(t) + 1)):]
        out.append(t)
    return out


def where(i):
    dt = dtype()
    sc, sx, sy = bshapes(3)
    c = Case(root, f"QLinearWhere_{seed}_{i:04d}", "QLinearWhere", ms=1, note=f"C{sc} X{sx} Y{sy} {np.dtype(dt).name}")
    szv, zzv = scale(), zp(dt)
    ins = [c.tensor("cond", rng.random(sc) < 0.5, rng.random() < 0.8)]
    for nm, s in (("X", sx), ("Y", sy)):
        same = rng.random() < 0.25
        ins += [c.tensor(nm, values(dt, s), rng.random() < 0.8), param(c, nm + "s", szv if same else scale(), one_p=0.02),
                param(c, nm + "z", zzv if same else zp(dt), one_p=0.02)]
    ins += [param(c, "zs", szv, one_p=0.02), param(c, "zz", zzv, one_p=0.02)]
    c.node("QLinearWhere", ins, ["Z"], domain="com.microsoft")
    c.out("Z")
    c.write()


def softmax(i):
    dt = dtype()
    r = int(rng.integers(1, 5))
    s = shape(r, 6)
    opset = pick(11, 12, 13, 13)
    attrs = {"opset": opset}
    if rng.random() < 0.7:
        attrs["axis"] = int(rng.integers(-r, r))
    c = Case(root, f"QLinearSoftmax_{seed}_{i:04d}", "QLinearSoftmax", ms=1, note=f"X{s} {attrs} {np.dtype(dt).name}")
    lo = -128 if dt == np.int8 else 0
    x = values(dt, s)
    if x.size and rng.random() < 0.3:  # few distinct values: ties in the rows
        x = rng.choice(np.unique(x)[:3], size=x.shape).astype(dt)
    ins = [c.tensor("X", x, True), param(c, "xs", scale(0.005, 2.0)),
           param(c, "xz", zp(dt)) if rng.random() < 0.8 else "",
           param(c, "ys", pick(F32(1 / 256), F32(1 / 256), F32(1 / 255), scale(0.001, 0.05), scale(0.05, 0.6)))]
    # the schema wants five inputs, Y_zero_point given
    ins.append(param(c, "yz", pick(np.array(lo, dt), np.array(lo, dt), zp(dt))))
    c.node("QLinearSoftmax", ins, ["Y"], domain="com.microsoft", **attrs)
    c.out("Y")
    c.write()


def gpool(i):
    dt = dtype()
    nd = int(rng.integers(1, 4))
    last = int(rng.integers(0, 2))
    s = [int(rng.integers(1, 4)), int(rng.integers(1, 10))] + shape(nd, 6)
    if last:
        s = [s[0]] + s[2:] + [s[1]]
    c = Case(root, f"QLinearGlobalAveragePool_{seed}_{i:04d}", "QLinearGlobalAveragePool", ms=1, note=f"X{s} cl{last} {np.dtype(dt).name}")
    ins = [c.tensor("X", values(dt, s), True), param(c, "xs", scale()), param(c, "xz", zp(dt)),
           param(c, "ys", scale()), param(c, "yz", zp(dt))]
    c.node("QLinearGlobalAveragePool", ins, ["Y"], domain="com.microsoft", channels_last=last)
    c.out("Y")
    c.write()


def apool(i):
    dt = dtype()
    nd = int(rng.integers(1, 4))
    last = int(rng.integers(0, 2))
    sp = shape(nd, 7)
    s = [int(rng.integers(1, 3)), int(rng.integers(1, 5))] + sp
    attrs = {"channels_last": last}
    if rng.random() < 0.1:  # the global fallback
        ks = list(sp)
    else:
        ks = [int(rng.integers(1, d + 2)) for d in sp]
    attrs["kernel_shape"] = ks
    if rng.random() < 0.7:
        attrs["strides"] = [int(rng.integers(1, 4)) for _ in sp]
    auto = pick("NOTSET", "NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER")
    if auto != "NOTSET":
        attrs["auto_pad"] = auto
    elif rng.random() < 0.6:
        attrs["pads"] = [int(rng.integers(0, k)) for k in ks] + [int(rng.integers(0, k)) for k in ks]
    if rng.random() < 0.4:
        attrs["ceil_mode"] = 1
    if rng.random() < 0.5:
        attrs["count_include_pad"] = 1
    # the window must fit in the padded input
    pads = attrs.get("pads", [0] * (2 * nd))
    if auto == "NOTSET" or auto == "VALID":
        for j in range(nd):
            if sp[j] + pads[j] + pads[nd + j] < ks[j]:
                ks[j] = sp[j] + pads[j] + pads[nd + j]
                if pads[j] >= ks[j] or pads[nd + j] >= ks[j]:
                    pads[j] = pads[nd + j] = 0
                    ks[j] = sp[j]
    if last:
        s = [s[0]] + s[2:] + [s[1]]
    c = Case(root, f"QLinearAveragePool_{seed}_{i:04d}", "QLinearAveragePool", ms=1, note=f"X{s} {attrs} {np.dtype(dt).name}")
    # ONNX Runtime's shape inference wants scalar parameters and x_zero_point
    ins = [c.tensor("X", values(dt, s), True), param(c, "xs", scale(), one_p=0),
           param(c, "xz", zp(dt), one_p=0), param(c, "ys", scale(), one_p=0)]
    if rng.random() < 0.85:
        ins.append(param(c, "yz", zp(dt), one_p=0))
    c.node("QLinearAveragePool", ins, ["Y"], domain="com.microsoft", **attrs)
    c.out("Y")
    c.write()


def chain(i):
    """LeakyRelu → AveragePool → GlobalAveragePool → Softmax; a Gemm → Sigmoid → Where; a Concat of both ends.
    An int8 W stays within [−64, 63], so that no u8×s8 pair of products exceeds int16 (ONNX Runtime's AVX2
    kernel saturates there)."""
    dt = dtype()
    n, ch, h, w = 1, int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
    c = Case(root, f"chain_{seed}_{i:04d}", "chain", ms=1, note=f"{np.dtype(dt).name} C{ch} {h}x{w}")
    q = lambda nm: [param(c, nm + "s", scale(), 0, 0), param(c, nm + "z", zp(dt), 0, 0)]
    x = c.tensor("X", values(dt, [n, ch, h, w]), True)
    c.node("QLinearLeakyRelu", [x] + q("x") + q("l"), ["L"], domain="com.microsoft", alpha=0.1)
    c.node("QLinearAveragePool", ["L", "ls", "lz"] + q("p"), ["P"], domain="com.microsoft", kernel_shape=[2, 2], pads=[1, 0, 1, 1], count_include_pad=1)
    c.node("QLinearGlobalAveragePool", ["P", "ps", "pz"] + q("g"), ["G"], domain="com.microsoft")
    c.inits.append(numpy_helper.from_array(np.array([1, ch], np.int64), "shape"))
    c.node("Reshape", ["G", "shape"], ["G2"])
    c.node("QLinearSoftmax", ["G2", "gs", "gz"] + q("s"), ["S"], domain="com.microsoft", opset=13)
    bdt = np.int8 if dt == np.int8 else dtype()
    c.node("QGemm", ["G2", "gs", "gz", c.tensor("W", randq(rng, bdt, [ch, 3], *((-64, 63) if bdt == np.int8 else (None, None))), False), param(c, "ws", scale(), 0, 0),
                     param(c, "wz", zp(bdt), 0, 0), ""] + q("m"), ["M"], domain="com.microsoft")
    c.node("QLinearSigmoid", ["M", "ms", "mz"] + q("g2"), ["Sg"], domain="com.microsoft")
    c.node("QLinearWhere", [c.tensor("cond", rng.random([1, 3]) < 0.5, True), "Sg", "g2s", "g2z", "M", "ms", "mz"] + q("wh"), ["Wh"], domain="com.microsoft")
    c.node("QLinearConcat", q("c") + ["S", "ss", "sz", "Wh", "whs", "whz"], ["Y"], domain="com.microsoft", axis=1)
    c.out("Y")
    c.write()


gens = {"QGemm": qgemm, "QLinearSigmoid": lambda i: lookup("QLinearSigmoid", i),
        "QLinearLeakyRelu": lambda i: lookup("QLinearLeakyRelu", i), "QLinearConcat": concat,
        "QLinearWhere": where, "QLinearSoftmax": softmax, "QLinearGlobalAveragePool": gpool,
        "QLinearAveragePool": apool, "chain": chain}
for i in range(N):
    for name, g in gens.items():
        if not only or name in only:
            g(i)
