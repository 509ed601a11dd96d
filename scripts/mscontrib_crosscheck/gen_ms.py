# Random single nodes and small chains of the com.microsoft operators that
# ONNX Runtime's transformer optimizer and 4-bit weight quantizer write
# (Gelu, FastGelu, BiasGelu, QuickGelu, FusedMatMul, SkipLayerNormalization,
# SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization,
# MatMulNBits), as case folders for scripts/int8_crosscheck/ort_run.mjs and
# cmp (model.onnx, meta.json with cmp's tolerance, in_<i>.bin).
# usage: gen_ms.py ROOT [SEED [N]] [OP...]
import os, sys
import numpy as np
from onnx import TensorProto
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "int8_crosscheck"))
from common import Case, gen_args

root, seed, N, rng = gen_args()
only = set(sys.argv[4:])
F = TensorProto.FLOAT

def randf(shape, s=2.0):
    return (rng.standard_normal(shape) * s).astype(np.float32)

def shape(rank, hi=6):
    return [int(rng.integers(1, hi + 1)) for _ in range(rank)]

def case(name, kind, tol):
    return Case(root, name, kind, opset=17, ms=1, tol=tol)

def gelus(i):
    op = ["Gelu", "FastGelu", "BiasGelu", "QuickGelu"][i % 4]
    c = case(f"{op}_{i:04d}", op, 3e-6)
    sh = shape(int(rng.integers(1, 5)))
    x = c.tensor("x", randf(sh, float(rng.choice([1, 3, 8]))), True)
    ins, attrs = [x], {}
    if op == "BiasGelu" or (op == "FastGelu" and rng.random() < 0.6):
        ins.append(c.tensor("b", randf(sh[-1:], 1), rng.random() < 0.5))
    if op == "QuickGelu" and rng.random() < 0.7:
        attrs["alpha"] = float(rng.choice([1.702, 1.0, 0.5, 2.5, -1.0]))
    c.node(op, ins, ["y"], domain="com.microsoft", **attrs)
    c.out("y", F)
    return c

def fusedmatmul(i):
    c = case(f"FusedMatMul_{i:04d}", "FusedMatMul", 2e-6)
    ra, rb = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    M, K, Nn = shape(3, 7)
    ta, tb = int(rng.integers(0, 2)), int(rng.integers(0, 2))
    tba = tbb = 0
    if rng.random() < 0.5:  # transBatch: ONNX Runtime needs one rank >= 3
        ra = rb = int(rng.integers(3, 5))
        tba, tbb = int(rng.integers(0, 2)), int(rng.integers(0, 2))
    batch = shape(max(ra, rb) - 2, 3)
    ba = batch[len(batch) - (ra - 2):] if ra > 2 else []
    bb = batch[len(batch) - (rb - 2):] if rb > 2 else []
    if rng.random() < 0.3 and ba:
        ba = [1] + ba[1:]
    def layout(b, r, c_, t, tb_):
        m = [c_, r] if t else [r, c_]  # the matrix as stored
        if tb_:
            return [m[0]] + b + [m[1]]
        return b + m
    a = c.tensor("a", randf(layout(ba, M, K, ta, tba), 1), True)
    b = c.tensor("b", randf(layout(bb, K, Nn, tb, tbb), 1), rng.random() < 0.5)
    attrs = dict(transA=ta, transB=tb)
    if tba: attrs["transBatchA"] = tba
    if tbb: attrs["transBatchB"] = tbb
    if rng.random() < 0.6:
        attrs["alpha"] = float(rng.choice([0.5, 0.125, 2.0, -1.5, 0.3]))
    c.node("FusedMatMul", [a, b], ["y"], domain="com.microsoft", **attrs)
    c.out("y", F)
    c.note = str(attrs)
    return c

def skipln(i):
    op = ["SkipLayerNormalization", "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization"][i % 3]
    c = case(f"{op}_{i:04d}", op, 4e-6)
    H = int(rng.integers(1, 40))
    sh = shape(int(rng.integers(1, 3)), 4) + [H]
    if op.startswith("Skip") and len(sh) < 2:
        sh = [2] + sh
    off = float(rng.choice([0, 0, 3, 50]))
    x = c.tensor("x", randf(sh, float(rng.choice([0.5, 2, 10]))) + off, True)
    attrs = {}
    if rng.random() < 0.6:
        attrs["epsilon"] = float(rng.choice([1e-5, 1e-12, 1e-6, 0.1]))
    if op == "SimplifiedLayerNormalization":
        g = c.tensor("g", randf([H], 1), rng.random() < 0.3)
        if rng.random() < 0.3 and len(sh) > 1:
            attrs["axis"] = -2
            g = c.tensor("g2", randf(sh[-2:], 1), False)
        # ONNX Runtime registers it in the default domain
        c.node(op, [x, g], ["y"] + (["inv"] if rng.random() < 0.5 else []), **attrs)
        for o in c.nodes[-1].output:
            c.out(o, F)
        return c
    ssh = sh
    if len(sh) == 3 and rng.random() < 0.3:  # skip broadcast over the batch
        ssh = sh[1:] if rng.random() < 0.5 else [1] + sh[1:]
    skip = c.tensor("s", randf(ssh, 1), True)
    g = c.tensor("g", randf([H], 1), rng.random() < 0.3)
    ins = [x, skip, g]
    if op == "SkipLayerNormalization":
        ins.append(c.tensor("beta", randf([H], 1), False) if rng.random() < 0.7 else "")
    if rng.random() < 0.6:
        ins.append(c.tensor("bias", randf([H], 1), rng.random() < 0.3))
    while ins[-1] == "":
        ins.pop()
    outs = ["y", "", "", ""]
    if rng.random() < 0.5:
        outs[3] = "sum"
    if rng.random() < 0.3:
        outs[1] = "mean"
    if rng.random() < 0.3:
        outs[2] = "inv"
    while outs[-1] == "":
        outs.pop()
    c.node(op, ins, outs, domain="com.microsoft", **attrs)
    for o in outs:
        if o:
            c.out(o, F)
    return c

def pack_bits(q, bits):
    """q (rows × m, m a multiple of 8/bits) packed 8/bits values a byte,
    the lowest bits first."""
    per = 8 // bits
    q = q.reshape(q.shape[0], -1, per).astype(np.uint16)
    out = np.zeros(q.shape[:2], np.uint16)
    for j in range(per):
        out |= q[:, :, j] << (bits * j)
    return out.astype(np.uint8)

def nbits_weights(c, K, Nn, bs, zp_kind, bits=4, gidx=None):
    nb = (K + bs - 1) // bs
    q = rng.integers(0, 1 << bits, size=(Nn, nb * bs))
    packed = pack_bits(q, bits).reshape(Nn, nb, bs * bits // 8)
    # a quantizer's scales: the block's range over 2^bits - 1 steps
    scales = ((rng.random((Nn * nb,)) * 0.2 + 0.01) * 16 / (1 << bits)).astype(np.float32)
    if rng.random() < 0.1:
        scales[rng.integers(0, Nn * nb)] = -0.05
    ins = [c.tensor("B", packed, False), c.tensor("scales", scales, False)]
    if zp_kind == "u8":
        zb = (nb * bits + 7) // 8
        zq = rng.integers(0, 1 << bits, size=(Nn, zb * 8 // bits))
        ins.append(c.tensor("zp", pack_bits(zq, bits).reshape(-1), False))
    elif zp_kind == "f":
        ins.append(c.tensor("zp", (rng.random((Nn * nb,)) * ((1 << bits) - 1)).astype(np.float32), False))
    if gidx is not None:
        while len(ins) < 3:
            ins.append("")
        ins.append(c.tensor("g_idx", gidx.astype(np.int32), False))
    return ins

def matmulnbits(i):
    # bits 2, 4 and 8; zero points none, packed or float (ONNX Runtime 1.31
    # refuses float ones with 8 bits); g_idx with 4 bits and no or float
    # zero points (with 2 bits it misreads the weights, with uint8 zero
    # points it ignores them: refused by the runner, not generated)
    c = case(f"MatMulNBits_{i:04d}", "MatMulNBits", 3e-6)
    bits = int(rng.choice([2, 4, 8]))
    bs = int(rng.choice([16, 32, 64, 128, 256]))
    K = int(rng.integers(1, 2 * bs + 1)) if rng.random() < 0.5 else bs * int(rng.integers(1, 3))
    Nn = int(rng.integers(1, 20))
    zp = str(rng.choice(["none", "u8", "f"] if bits != 8 else ["none", "u8"]))
    nb = (K + bs - 1) // bs
    gidx = None
    if bits == 4 and zp != "u8" and rng.random() < 0.4:
        gidx = rng.integers(0, nb, size=K if rng.random() < 0.5 else nb * bs)
    lead = shape(int(rng.integers(1, 3)), 4)
    a = c.tensor("a", randf(lead + [K], 1), True)
    ins = [a] + nbits_weights(c, K, Nn, bs, zp, bits, gidx)
    if rng.random() < 0.4:
        while len(ins) < 5:
            ins.append("")
        ins.append(c.tensor("bias", randf([Nn], 1), False))
    acc = int(rng.choice([0, 0, 1, 4]))
    c.node("MatMulNBits", ins, ["y"], domain="com.microsoft", K=K, N=Nn, bits=bits, block_size=bs, accuracy_level=acc)
    c.out("y", F)
    c.note = f"bits={bits} bs={bs} K={K} zp={zp} g_idx={gidx is not None} acc={acc}"
    if acc == 4:
        # ONNX Runtime quantizes A to int8 at accuracy_level 4: counted apart
        c.tol, c.kind = 2e-1, "MatMulNBitsAccuracy4"
    return c

def chain(i):
    # MatMulNBits -> BiasGelu/FastGelu -> FusedMatMul -> SkipLayerNormalization
    c = case(f"Chain_{i:04d}", "Chain", 2e-5)
    S, K, H = int(rng.integers(1, 5)), 32, int(rng.integers(2, 12))
    x = c.tensor("x", randf([1, S, K], 1), True)
    c.node("MatMulNBits", [x] + nbits_weights(c, K, H, 16, "u8"), ["h"], domain="com.microsoft", K=K, N=H, bits=4, block_size=16)
    act = str(rng.choice(["FastGelu", "BiasGelu", "Gelu", "QuickGelu"]))
    ins = ["h"] + ([c.tensor("bb", randf([H], 1), False)] if act in ("FastGelu", "BiasGelu") else [])
    c.node(act, ins, ["g"], domain="com.microsoft")
    c.node("FusedMatMul", ["g", c.tensor("w", randf([K, H], 0.3), False)], ["p"], domain="com.microsoft", transB=1, alpha=0.5)
    c.node("SkipLayerNormalization", ["p", x, c.tensor("gamma", randf([K], 1), False), c.tensor("beta", randf([K], 1), False)], ["y", "", "", "sum"], domain="com.microsoft", epsilon=1e-5)
    c.node("SimplifiedLayerNormalization", ["y", c.tensor("g2", randf([K], 1), False)], ["z"])
    c.out("z", F)
    c.out("sum", F)
    return c

def special(i):
    # the activations and norms on ±Inf, NaN, ±0, huge and tiny values
    op = ["Gelu", "FastGelu", "BiasGelu", "QuickGelu", "SimplifiedLayerNormalization", "SkipLayerNormalization"][i % 6]
    c = case(f"Special{op}_{i:04d}", op, 3e-6)
    vals = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e30, -1e30, 1e-30, -1e-40, 88.0, -88.0, 12.0, -12.0, 5.5, -5.5, 3e38, -3e38], np.float32)
    H = int(rng.integers(1, 8))
    sh = [int(rng.integers(1, 5)), H]
    x = rng.choice(vals, size=sh).astype(np.float32)
    if rng.random() < 0.5:
        x = np.where(rng.random(sh) < 0.5, x, randf(sh, 3)).astype(np.float32)
    xi = c.tensor("x", x, True)
    if op in ("Gelu", "FastGelu", "QuickGelu"):
        c.node(op, [xi], ["y"], domain="com.microsoft")
    elif op == "BiasGelu":
        c.node(op, [xi, c.tensor("b", randf([H], 1), False)], ["y"], domain="com.microsoft")
    elif op == "SimplifiedLayerNormalization":
        c.node(op, [xi, c.tensor("g", randf([H], 1), False)], ["y"])
    else:
        c.node(op, [xi, c.tensor("s", randf(sh, 1), True), c.tensor("g", randf([H], 1), False)], ["y"], domain="com.microsoft")
    c.out("y", F)
    return c

def edges(i):
    # FusedMatMul with 1-D operands and broadcast batches, MatMulNBits on
    # 1-D and 4-D A
    op = ["FusedMatMul", "MatMulNBits"][i % 2]
    c = case(f"Edge{op}_{i:04d}", op, 3e-6)
    if i % 2 == 0:
        K, Nn = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        ash = [K] if rng.random() < 0.5 else shape(int(rng.integers(0, 3)), 3) + [int(rng.integers(1, 5)), K]
        bsh = [K] if rng.random() < 0.5 else shape(int(rng.integers(0, 3)), 3) + [K, Nn]
        if len(ash) == 1 and len(bsh) == 1:
            bsh = [K, Nn]
        attrs = {"alpha": 0.25}
        if len(bsh) >= 2 and rng.random() < 0.5:
            bsh = bsh[:-2] + [bsh[-1], bsh[-2]]
            attrs["transB"] = 1
        c.node("FusedMatMul", [c.tensor("a", randf(ash, 1), True), c.tensor("b", randf(bsh, 1), rng.random() < 0.5)], ["y"], domain="com.microsoft", **attrs)
        c.note = f"{ash} {bsh} {attrs}"
    else:
        K, Nn = 32, int(rng.integers(1, 6))
        ash = [K] if rng.random() < 0.5 else [2, 1, 2, K]
        c.node("MatMulNBits", [c.tensor("a", randf(ash, 1), True)] + nbits_weights(c, K, Nn, 32, "none"), ["y"], domain="com.microsoft", K=K, N=Nn, bits=4, block_size=32)
        c.note = f"{ash}"
    c.out("y", F)
    return c

def attention(i):
    # BERT-like (no past) and GPT-2-like (past [2, B, N, P, head], present)
    # nodes; mask_index over the T = P + S keys
    c = case(f"Attention_{i:04d}", "Attention", 2e-6)
    B, S = int(rng.integers(1, 4)), int(rng.integers(1, 7))
    N = int(rng.integers(1, 4))
    dq, dv = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    D = int(rng.integers(1, 10))
    attrs = {"num_heads": N}
    use_past = rng.random() < 0.5
    if use_past:
        S = int(rng.choice([1, 1, S]))  # decoding one token, or a chunk
    want_present = use_past or rng.random() < 0.2  # ONNX Runtime wants present with past
    hq = hk = N * dq
    hv = N * dv
    if rng.random() < 0.3 and not use_past and not want_present:
        attrs["qkv_hidden_sizes"] = [hq, hk, hv]
    else:
        hv = hq
        if rng.random() < 0.2:
            attrs["qkv_hidden_sizes"] = [hq, hk, hv]
    cols = hq + hk + hv
    x = c.tensor("x", randf([B, S, D], 1), True)
    w = c.tensor("w", randf([D, cols], 0.7), rng.random() < 0.3)
    b = c.tensor("b", randf([cols], 0.5), False)
    ins = [x, w, b]
    P = int(rng.integers(0, 6)) if use_past else 0
    T = P + S
    mk = str(rng.choice(["none", "end", "startend", "raw", "raw3", "dummy"]))
    if mk == "end":
        ins.append(c.tensor("m", rng.integers(0, T + 2, size=[B]).astype(np.int32), True))
    elif mk == "startend":
        ins.append(c.tensor("m", np.concatenate([rng.integers(0, T + 2, size=[B]), rng.integers(0, T + 1, size=[B])]).astype(np.int32), True))
    elif mk == "raw":
        ins.append(c.tensor("m", rng.integers(0, 2, size=[B, T]).astype(np.int32), True))
    elif mk == "raw3":
        ins.append(c.tensor("m", rng.integers(0, 2, size=[B, S, T]).astype(np.int32), True))
    elif mk == "dummy":
        ins.append(c.tensor("m", rng.integers(0, 2, size=[int(rng.choice([1, B])), 1]).astype(np.int32), True))
    if use_past:
        while len(ins) < 4:
            ins.append("")
        ins.append(c.tensor("past", randf([2, B, N, P, dq], 1), True))
    if rng.random() < 0.4:
        attrs["unidirectional"] = 1
    if rng.random() < 0.3:
        attrs["scale"] = float(rng.choice([0.1, 1.0, 0.37]))
    if rng.random() < 0.3:
        attrs["mask_filter_value"] = float(rng.choice([-1e4, -1e9, -3.0, -np.inf]))
    outs = ["y", "present"] if want_present else ["y"]
    c.node("Attention", ins, outs, domain="com.microsoft", **attrs)
    for o in outs:
        c.out(o, F)
    c.note = f"mask={mk} P={P if use_past else None} present={want_present} {attrs}"
    return c

def embed(i):
    c = case(f"EmbedLayerNormalization_{i:04d}", "EmbedLayerNormalization", 2e-6)
    B, S, H = int(rng.integers(1, 4)), int(rng.integers(1, 7)), int(rng.integers(1, 24))
    V, P = int(rng.integers(1, 12)), S + int(rng.integers(0, 4))
    ids = c.tensor("ids", rng.integers(0, V, size=[B, S]).astype(np.int32), True)
    useg = rng.random() < 0.6
    G = int(rng.integers(1, 4))
    seg = c.tensor("seg", rng.integers(0, G, size=[B, S]).astype(np.int32), True) if useg else ""
    we = c.tensor("we", randf([V, H], 1), rng.random() < 0.2)
    pe = c.tensor("pe", randf([P, H], 1), False)
    se = c.tensor("se", randf([G, H], 1), False) if useg else ""
    g = c.tensor("gamma", randf([H], 1), False)
    b = c.tensor("beta", randf([H], 1), False)
    ins = [ids, seg, we, pe, se, g, b]
    if rng.random() < 0.6:
        ins.append(c.tensor("mask", rng.choice(np.array([0, 1, 1, 2, -1], np.int32), size=[B, S]).astype(np.int32), True))
    if rng.random() < 0.4:
        while len(ins) < 8:
            ins.append("")
        pr = int(rng.choice([1, B]))
        ins.append(c.tensor("pos", rng.integers(0, P, size=[pr, S]).astype(np.int32), True))
    attrs = {}
    if rng.random() < 0.5:
        attrs["epsilon"] = float(rng.choice([1e-5, 1e-12, 0.1]))
    outs = ["y", "mi"] + (["sum"] if rng.random() < 0.5 else [])
    c.node("EmbedLayerNormalization", ins, outs, domain="com.microsoft", **attrs)
    c.out("y", F)
    c.out("mi", TensorProto.INT32)
    if len(outs) > 2:
        c.out("sum", F)
    return c

gens = {"gelu": gelus, "fusedmatmul": fusedmatmul, "norm": skipln, "nbits": matmulnbits, "chain": chain, "special": special, "edge": edges, "attention": attention, "embed": embed}
for k, g in gens.items():
    if only and k not in only:
        continue
    for i in range(N):
        g(i).write()
