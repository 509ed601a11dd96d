import os
import sys
import numpy as np
from common import *
root, seed, N, rng = gen_args()
ties = len(sys.argv) > 4 and sys.argv[4] == "ties"  # power-of-two scales, every zero point given
WILD = os.environ.get("WILD") == "1"  # scales of 0, ±Inf, NaN, negative, tiny, huge and subnormal too
WILD_SCALES = [0.0, np.inf, -np.inf, np.nan, -0.25, 1e-30, 1e30, 3e-39]
def wild():
    return WILD_SCALES[int(rng.integers(0, len(WILD_SCALES)))]
def shapes():
    r = int(rng.integers(0, 5))
    s = randshape(rng, r)
    t = list(s)
    for i in range(len(t)):
        if rng.random() < 0.3:
            t[i] = 1
    if rng.random() < 0.3:
        t = t[int(rng.integers(0, len(t) + 1)):]
    return (s, t) if rng.random() < 0.5 else (t, s)
for i in range(N):
    for op in ["QLinearAdd", "QLinearMul"]:
        sa, sb = shapes()
        dt = [np.uint8, np.int8][int(rng.integers(0, 2))]
        c = Case(root, f"{op}_{seed}_{i:03d}", op, opset=13, ms=1, note=f"A{sa} B{sb} {np.dtype(dt).name}")
        sc = lambda: np.array(wild() if WILD and rng.random() < 0.4 else 2.0 ** int(rng.integers(-8, 0)) if ties else rng.uniform(0.001, 0.2), np.float32)
        ins = [c.tensor("A", randq(rng, dt, sa), True), c.tensor("as", sc(), False), c.tensor("az", randq(rng, dt, []), False) if ties or rng.random() < 0.8 else "",
               c.tensor("B", randq(rng, dt, sb), rng.random() < 0.6), c.tensor("bs", sc(), False), c.tensor("bz", randq(rng, dt, []), False) if ties or rng.random() < 0.8 else "",
               c.tensor("cs", sc() if WILD else np.array(2.0 ** int(rng.integers(-7, 3)) if ties else rng.uniform(0.002, 0.5) * (10 if op == "QLinearMul" else 1), np.float32), False)]
        if ties or rng.random() < 0.8:
            ins.append(c.tensor("cz", randq(rng, dt, []), False))
        c.node(op, ins, ["C"], domain="com.microsoft")
        c.out("C")
        c.write()
