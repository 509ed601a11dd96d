import numpy as np
from common import *

root, seed, N, rng = gen_args()

def dtp():
    return [np.uint8, np.int8][int(rng.integers(0, 2))]

def mmshapes():
    m, k, n = [int(rng.choice([1, 1, 2, 3, 5, 7, 16, 33])) for _ in range(3)]
    if rng.random() < 0.3:
        k = int(rng.choice([64, 100, 257]))
    kind = rng.choice(["2d", "batch", "bcastA", "bcastB", "1dA", "1dB", "1d1d", "3v2"])
    b1, b2 = int(rng.choice([1, 2, 3])), int(rng.choice([1, 2]))
    if kind == "2d":
        return [m, k], [k, n]
    if kind == "batch":
        return [b1, m, k], [b1, k, n]
    if kind == "bcastA":
        return [1, b2, m, k], [b1, 1, k, n]
    if kind == "bcastB":
        return [b1, b2, m, k], [k, n]
    if kind == "1dA":
        return [k], [b1, k, n]
    if kind == "1dB":
        return [b1, m, k], [k]
    if kind == "1d1d":
        return [k], [k]
    return [b1, m, k], [k, n]

def vals(dt, shape, allow_min=True):
    a = randq(rng, dt, shape)
    if dt == np.int8 and not allow_min:
        a[a == -128] = -127
    if dt == np.int8 and allow_min and a.size and rng.random() < 0.5:
        a.reshape(-1)[rng.integers(0, a.size)] = -128
    return maybe_extremes(rng, a)

for i in range(N):
    # ---- MatMulInteger ----
    sa, sb = mmshapes()
    at, bt = dtp(), dtp()
    c = Case(root, f"mmi_{seed}_{i:03d}", "MatMulInteger", opset=int(rng.choice([10, 13, 21])),
             note=f"A{sa}:{np.dtype(at).name} B{sb}:{np.dtype(bt).name}")
    A, B = vals(at, sa), vals(bt, sb)
    ins = [c.tensor("A", A, True), c.tensor("B", B, rng.random() < 0.4)]
    zmode = rng.choice(["none", "both", "a", "b", "bcol", "arow", "nd"])
    n = sb[-1] if len(sb) > 1 else 1
    za_shape, zb_shape = [] if rng.random() < 0.7 else [1], [] if rng.random() < 0.7 else [1]
    if zmode == "bcol" and len(sb) > 1:
        zb_shape = [n]
    if zmode == "arow" and len(sa) > 1:
        za_shape = [sa[-2]]
    if zmode == "nd":
        za_shape = sa[:-2] + [sa[-2], 1] if len(sa) > 1 else []
        zb_shape = sb[:-2] + [1, n] if len(sb) > 1 else []
    if zmode in ("both", "a", "arow", "nd"):
        ins.append(c.tensor("za", randq(rng, at, za_shape), rng.random() < 0.3))
    elif zmode in ("b", "bcol"):
        ins.append("")
    if zmode in ("both", "b", "bcol", "nd"):
        ins.append(c.tensor("zb", randq(rng, bt, zb_shape), rng.random() < 0.3))
    c.note += f" zp={zmode}"
    c.node("MatMulInteger", ins, ["Y"])
    c.out("Y")
    c.write()

    # ---- QLinearMatMul ----
    sa, sb = mmshapes()
    at = dtp()
    bt = dtp()
    yt = dtp()
    op = int(rng.choice([10, 13, 21]))
    c = Case(root, f"qlmm_{seed}_{i:03d}", "QLinearMatMul", opset=op,
             note=f"op{op} A{sa}:{np.dtype(at).name} B{sb}:{np.dtype(bt).name} Y:{np.dtype(yt).name}")
    A, B = vals(at, sa), vals(bt, sb)
    sc = rng.choice(["normal", "pow2", "big"])
    def s():
        if sc == "pow2":
            return np.float32(2.0 ** int(rng.integers(-8, 0)))
        if sc == "big":
            return np.float32(rng.uniform(0.5, 4))
        return np.float32(rng.uniform(0.001, 0.05))
    ys = np.float32(s() * s() * np.sqrt(sa[-1]) * rng.uniform(5, 80))
    pm = rng.choice(["tensor", "tensor", "bcol", "arow", "nd"])
    ash, bsh = [], []
    if pm == "bcol" and len(sb) > 1:
        bsh = [sb[-1]]
    if pm == "arow" and len(sa) > 1:
        ash = [sa[-2]]
    if pm == "nd":
        ash = sa[:-2] + [sa[-2], 1] if len(sa) > 1 else []
        bsh = sb[:-2] + [1, sb[-1]] if len(sb) > 1 else []
    c.note += f" params={pm}"
    def sv(shape):
        return np.array([s() for _ in range(int(np.prod(shape)) if shape else 1)], np.float32).reshape(shape)
    ins = [c.tensor("a", A, True), c.tensor("as", sv(ash), rng.random() < 0.2),
           c.tensor("az", randq(rng, at, ash), rng.random() < 0.2), c.tensor("b", B, rng.random() < 0.4),
           c.tensor("bs", sv(bsh), rng.random() < 0.2), c.tensor("bz", randq(rng, bt, bsh), rng.random() < 0.2),
           c.tensor("ys", np.array(ys, np.float32), rng.random() < 0.2), c.tensor("yz", randq(rng, yt, []), rng.random() < 0.2)]
    c.note += f" scales={sc}"
    c.node("QLinearMatMul", ins, ["y"])
    c.out("y")
    c.write()
