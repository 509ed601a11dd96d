import numpy as np
from common import *

root, seed, N, rng = gen_args()

def geom():
    nd = int(rng.choice([1, 2, 2, 3])) if rng.random() < 0.9 else 1
    g = int(rng.choice([1, 1, 2, 3]))
    cg = int(rng.choice([1, 2, 3]))
    mg = int(rng.choice([1, 2, 3]))
    if rng.random() < 0.15:  # depthwise
        cg, mg = 1, 1
        g = int(rng.choice([2, 4, 5]))
    C, M = g * cg, g * mg
    Nb = int(rng.choice([1, 1, 2]))
    ker = [int(rng.choice([1, 2, 3, 5])) for _ in range(nd)]
    st = [int(rng.choice([1, 1, 2, 3])) for _ in range(nd)]
    dl = [int(rng.choice([1, 1, 2])) for _ in range(nd)]
    pads = [int(rng.integers(0, 3)) for _ in range(2 * nd)]
    ins = []
    for j in range(nd):
        eff = (ker[j] - 1) * dl[j] + 1
        lo = max(1, eff - pads[j] - pads[j + nd])
        ins.append(int(rng.integers(lo, lo + 8)))
    attrs = {"kernel_shape": ker} if rng.random() < 0.7 else {}
    if rng.random() < 0.8:
        attrs["strides"] = st
    if rng.random() < 0.7:
        attrs["dilations"] = dl
    ap = rng.choice(["pads", "pads", "none", "SAME_UPPER", "SAME_LOWER", "VALID"])
    if ap == "pads":
        attrs["pads"] = pads
    elif ap != "none":
        attrs["auto_pad"] = str(ap)
    if g > 1 or rng.random() < 0.3:
        attrs["group"] = g
    return [Nb, C] + ins, [M, cg] + ker, attrs, M

def vals(dt, shape):
    return maybe_extremes(rng, randq(rng, dt, shape))

for i in range(N):
    # ---- ConvInteger ----
    xs, ws, attrs, M = geom()
    xt = [np.uint8, np.int8][int(rng.integers(0, 2))] if rng.random() < 0.3 else np.uint8
    wt = [np.uint8, np.int8][int(rng.integers(0, 2))]
    c = Case(root, f"ci_{seed}_{i:03d}", "ConvInteger", opset=int(rng.choice([10, 13, 21])),
             note=f"x{xs}:{np.dtype(xt).name} w{ws}:{np.dtype(wt).name} {attrs}")
    ins = [c.tensor("x", vals(xt, xs), True), c.tensor("w", vals(wt, ws), rng.random() < 0.3)]
    zm = rng.choice(["none", "x", "both", "w", "wch"])
    if zm in ("x", "both"):
        ins.append(c.tensor("xz", randq(rng, xt, [] if rng.random() < 0.7 else [1]), rng.random() < 0.3))
    elif zm in ("w", "wch"):
        ins.append("")
    if zm in ("both", "w"):
        ins.append(c.tensor("wz", randq(rng, wt, []), rng.random() < 0.3))
    if zm == "wch":
        ins.append(c.tensor("wz", randq(rng, wt, [M]), rng.random() < 0.3))
    c.note += f" zp={zm}"
    c.node("ConvInteger", ins, ["y"], **attrs)
    c.out("y")
    c.write()

    # ---- QLinearConv ----
    xs, ws, attrs, M = geom()
    xt = [np.uint8, np.int8][int(rng.integers(0, 2))]
    wt = [np.uint8, np.int8][int(rng.integers(0, 2))] if rng.random() < 0.3 else np.int8
    yt = xt if rng.random() < 0.8 else [np.uint8, np.int8][int(rng.integers(0, 2))]
    perch = rng.random() < 0.5
    c = Case(root, f"qlc_{seed}_{i:03d}", "QLinearConv", opset=int(rng.choice([10, 13, 21])),
             note=f"x{xs}:{np.dtype(xt).name} w{ws}:{np.dtype(wt).name} y:{np.dtype(yt).name} perch={perch} {attrs}")
    xsc = np.float32(rng.uniform(0.005, 0.05))
    wsc = rng.uniform(0.002, 0.03, M if perch else 1).astype(np.float32)
    if not perch:
        wsc = wsc.reshape([])
    kk = int(np.prod(ws[1:]))
    ysc = np.float32(xsc * float(np.mean(wsc)) * np.sqrt(kk) * rng.uniform(10, 100))
    wzv = randq(rng, wt, [M] if perch else []) if wt == np.uint8 else np.zeros([M] if perch else [], np.int8)
    if wt == np.int8 and rng.random() < 0.2:
        wzv = randq(rng, wt, [M] if perch else [])
    ins = [c.tensor("x", vals(xt, xs), True), c.tensor("xs", np.array(xsc), rng.random() < 0.2),
           c.tensor("xz", randq(rng, xt, []), rng.random() < 0.2), c.tensor("w", vals(wt, ws), rng.random() < 0.3),
           c.tensor("wsc", wsc, rng.random() < 0.2), c.tensor("wz", wzv, rng.random() < 0.2),
           c.tensor("ys", np.array(ysc), rng.random() < 0.2), c.tensor("yz", randq(rng, yt, []), rng.random() < 0.2)]
    if rng.random() < 0.6:
        ins.append(c.tensor("B", rng.integers(-5000, 5000, M).astype(np.int32), rng.random() < 0.3))
    c.node("QLinearConv", ins, ["y"], **attrs)
    c.out("y")
    c.write()
