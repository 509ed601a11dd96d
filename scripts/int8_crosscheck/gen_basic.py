import numpy as np
from common import *

root, seed, N, rng = gen_args()

def scales(kind, n):
    if kind == "normal":
        return rng.uniform(0.005, 0.5, n).astype(np.float32)
    if kind == "pow2":
        return (2.0 ** rng.integers(-8, 3, n)).astype(np.float32)
    if kind == "tiny":
        return rng.uniform(1e-38, 1e-30, n).astype(np.float32)
    if kind == "huge":
        return rng.uniform(1e30, 1e36, n).astype(np.float32)
    if kind == "odd":
        return rng.choice(np.array([0.1, 0.3, 1/3, 0.7, 1/255, 0.0078125 * 3], np.float32), n)

def scale_axis(c, attrs, shape, blocked, peraxis):
    """Draws the axis (and block size) of a blocked or per-axis case, sets
    them in attrs and notes them in c; returns the shape of its scale, or
    None for a per-tensor case."""
    rank = len(shape)
    if blocked:
        ax = int(rng.integers(-rank, rank))
        bsz = int(rng.integers(1, 5))
        attrs["axis"], attrs["block_size"] = ax, bsz
        sshape = list(shape)
        sshape[ax] = -(-shape[ax] // bsz)
        c.note += f" axis={ax} block={bsz}"
        c.kind += "_blocked"
        return sshape
    if peraxis:
        ax = int(rng.integers(-rank, rank))
        attrs["axis"] = ax
        c.note += f" axis={ax}"
        return [shape[ax]]
    return None

def xvals(shape, s_at, how):
    n = int(np.prod(shape)) if shape else 1
    sc = s_at.reshape(-1) if s_at.size == n else np.broadcast_to(s_at, shape).reshape(-1)
    if how == "range":
        x = rng.uniform(-300, 300, n) * sc
    elif how == "ties":
        x = (rng.integers(-200, 200, n) + 0.5) * sc
    elif how == "sat":
        x = rng.uniform(-1e4, 1e4, n) * sc
    elif how == "inf":
        x = rng.uniform(-300, 300, n) * sc
        x[rng.integers(0, n, max(1, n // 3))] = np.inf
        x[rng.integers(0, n, max(1, n // 3))] = -np.inf
    elif how == "nan":
        x = rng.uniform(-300, 300, n) * sc
        x[rng.integers(0, n, max(1, n // 3))] = np.nan
    elif how == "raw":
        x = rng.normal(0, 10, n)
    return x.astype(np.float32).reshape(shape)

for i in range(N):
    # ---- QuantizeLinear ----
    opset = int(rng.choice([10, 13, 19, 21]))
    rank = int(rng.integers(0, 5))
    shape = randshape(rng, rank)
    peraxis = opset >= 13 and rank > 0 and rng.random() < 0.5
    zdt = rng.choice(["u8", "s8", "none"] + (["u16", "s16"] if opset >= 21 else []))
    sk = str(rng.choice(["normal", "pow2", "tiny", "huge", "odd"]))
    how = str(rng.choice(["range", "ties", "sat", "inf", "nan", "raw"]))
    blocked = opset >= 21 and rank > 0 and rng.random() < 0.4
    c = Case(root, f"q_{seed}_{i:03d}", "QuantizeLinear" + ("_nan" if how == "nan" else ""), opset=opset,
             note=f"op{opset} shape{shape} peraxis={peraxis} zp={zdt} scale={sk} x={how}")
    attrs = {}
    sshape = scale_axis(c, attrs, shape, blocked, peraxis)
    if sshape is not None:
        ax = attrs["axis"]
        sc = scales(sk, int(np.prod(sshape))).reshape(sshape)
        if blocked:
            s_b = np.repeat(sc, attrs["block_size"], axis=ax).take(range(shape[ax]), axis=ax)
        else:
            bshape = [1] * rank
            bshape[ax] = shape[ax]
            s_b = sc.reshape(bshape)
    else:
        sc = scales(sk, 1)
        s_b = sc.reshape([])
        if rank > 0 and rng.random() < 0.3 and opset >= 13:
            sshape = [1]
        else:
            sshape = []
    x = xvals(shape, np.broadcast_to(s_b, shape) if rank else s_b, how)
    xin = rng.random() < 0.7
    ins = [c.tensor("x", x, True), c.tensor("s", sc.reshape(sshape), rng.random() < 0.2)]
    if zdt != "none":
        dt = {"u8": np.uint8, "s8": np.int8, "u16": np.uint16, "s16": np.int16}[str(zdt)]
        ins.append(c.tensor("z", randq(rng, dt, sshape), rng.random() < 0.2))
    c.node("QuantizeLinear", ins, ["y"], **attrs)
    c.out("y")
    c.write()

    # ---- DequantizeLinear ----
    opset = int(rng.choice([10, 13, 19, 21]))
    rank = int(rng.integers(0, 5))
    shape = randshape(rng, rank)
    peraxis = opset >= 13 and rank > 0 and rng.random() < 0.5
    xdt = rng.choice([np.uint8, np.int8, np.int32] + ([np.uint16, np.int16] if opset >= 21 else []))
    blocked = opset >= 21 and rank > 0 and rng.random() < 0.4
    sk = str(rng.choice(["normal", "pow2", "tiny", "huge", "odd"]))
    c = Case(root, f"dq_{seed}_{i:03d}", "DequantizeLinear", opset=opset,
             note=f"op{opset} shape{shape} peraxis={peraxis} x={np.dtype(xdt).name} scale={sk}")
    attrs = {}
    sshape = scale_axis(c, attrs, shape, blocked, peraxis)
    if sshape is None:
        sshape = [] if rng.random() < 0.7 or opset < 13 else [1]
    sc = scales(sk, int(np.prod(sshape)) if sshape else 1).reshape(sshape)
    if xdt == np.int32:
        xv = rng.integers(-2**31, 2**31, size=shape, dtype=np.int64).astype(np.int32)
    else:
        xv = randq(rng, xdt, shape)
    ins = [c.tensor("x", xv, rng.random() < 0.8), c.tensor("s", sc, rng.random() < 0.2)]
    if rng.random() < 0.7:
        zv = np.zeros(sshape, np.int32) if xdt == np.int32 else randq(rng, xdt, sshape)
        ins.append(c.tensor("z", zv, rng.random() < 0.2))
    c.node("DequantizeLinear", ins, ["y"], **attrs)
    c.out("y")
    c.write()

    # ---- DynamicQuantizeLinear ----
    rank = int(rng.integers(0, 4))
    shape = randshape(rng, rank)
    how = str(rng.choice(["mixed", "pos", "neg", "zeros", "tiny", "huge", "ties", "const"]))
    n = int(np.prod(shape)) if shape else 1
    if how == "mixed":
        x = rng.normal(0, 3, n)
    elif how == "pos":
        x = rng.uniform(0.1, 5, n)
    elif how == "neg":
        x = rng.uniform(-5, -0.1, n)
    elif how == "zeros":
        x = np.zeros(n)
    elif how == "tiny":
        x = rng.normal(0, 1e-40, n)
    elif how == "huge":
        x = rng.normal(0, 1e37, n)
    elif how == "ties":
        x = rng.integers(-100, 155, n) * (1 / 255) * 2.55 + 0.5 * 0.01
    elif how == "const":
        x = np.full(n, rng.normal(0, 2))
    c = Case(root, f"dyn_{seed}_{i:03d}", "DynamicQuantizeLinear", opset=int(rng.choice([11, 13, 21])),
             note=f"shape{shape} x={how}")
    c.tensor("x", x.astype(np.float32).reshape(shape), True)
    c.node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"])
    for o in ["y", "ys", "yz"]:
        c.out(o)
    c.write()
