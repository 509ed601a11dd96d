#!/usr/bin/env python3
"""Generates the NEON assembly of the transcendental kernels:

  asm/exp_neon_arm64.s, asm/tanh_neon_arm64.s, asm/sigmoid_neon_arm64.s
  asm/softmax_neon_arm64.s (ExpShiftSumNEON, SumExpShiftNEON, ShiftSubNEON)
  asm/expscaledsummax_neon_arm64.s (ExpScaledSumMaxNEON)

The constants are read from kernel/activation_generic.go, so the NEON
kernels evaluate the same range reduction, polynomials and thresholds, in
the same order and with the same fused multiply-adds, as the pure-Go ones.
The one deliberate difference: the reciprocal y ≈ 1/den that the
compensated quotients of Tanh and Sigmoid need is FRECPE refined by one
FRECPS Newton step (about 16 bits, where 12 are needed), and the first
quotient is q0 = num·y rather than a division; the compensation then
corrects q0 as it corrects a rounded division, so no FDIV is left (see
TestUnaryLevelsAgree and the ULP sweeps in ACCURACY.md).

Each kernel is written once as a list of Arm instructions over symbolic
registers; the generator interleaves U copies (U vectors per iteration)
for the main loop, uses one copy for whole vectors after it and for the
1..3-element tail, which is loaded and stored lane by lane so that memory
past the slices is never touched. Instructions that Go's assembler has are
emitted in Go syntax with the Arm syntax as a comment (checked against GNU
objdump by internal/neonasm's tests); the others as WORD with the Arm
syntax as a comment, the number filled in by neonword -fix (and checked
by TestAsmWords).

Run from the repository root:  python3 scripts/gen_neon_activations.py
"""
import re
import struct
import subprocess
import sys

SRC = "kernel/activation_generic.go"


def consts():
    text = open(SRC).read()
    out = {}
    for name, val in re.findall(r"^\s*(\w+)\s*=\s*(-?0x[0-9a-fA-F.]+p[-+]?\d+|-?\d+)\b", text, re.M):
        v = float.fromhex(val) if "x" in val else float(int(val))
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        if struct.unpack("<f", struct.pack("<I", bits))[0] != v:
            sys.exit(f"{name} = {val} is not a float32")
        out[name] = bits
    return out


C = consts()
NATIVE3 = {"fmla": "VFMLA", "fmls": "VFMLS", "add": "VADD", "sub": "VSUB",
           "orr": "VORR", "and": "VAND", "eor": "VEOR", "bit": "VBIT", "bif": "VBIF", "bsl": "VBSL"}


def render(ins, regs):
    """ins is Arm syntax with {name} placeholders; regs maps names to numbers."""
    arm = re.sub(r"\{(\w+)\}", lambda m: "v%d" % regs[m.group(1)], ins)
    mn, args = arm.split(" ", 1)
    ops = [a.strip() for a in args.split(",")]

    def go(op):
        r, arr = op.split(".")
        return "V%s.%s" % (r[1:], {"4s": "S4", "16b": "B16"}[arr])
    if mn in NATIVE3 and ops[2].startswith("v") and "[" not in ops[2]:
        return "%s %s, %s, %s" % (NATIVE3[mn], go(ops[2]), go(ops[1]), go(ops[0])), arm
    if mn == "mov" and len(ops) == 2:
        return "VMOV %s, %s" % (go(ops[1]), go(ops[0])), arm
    if mn == "shl":
        return "VSHL $%s, %s, %s" % (ops[2][1:], go(ops[1]), go(ops[0])), arm
    return "WORD $0x00000000", arm


class Kernel:
    """A kernel: body maps x (in place) through nregs temporaries t0..;
    kind is 'map' (dst[i] = f(src[i])), 'expsum' (the same, and returns
    the sum of the results) or 'sum' (returns the sum, stores nothing).
    args are the extra float32 arguments, broadcast into k_<name>."""

    def __init__(self, name, doc, consts, body, nregs, kind="map", args=(), unroll=2, tailfill=None, pre=(), fast=None):
        self.name, self.doc, self.consts, self.body, self.nregs = name, doc, consts, body, nregs
        self.kind, self.args, self.unroll, self.tailfill = kind, list(args), unroll, tailfill
        # pre runs first on every path; fast, if given, replaces body in
        # main-loop iterations whose inputs (after pre) all have |x| ≤ 87,
        # where 2^n is a normal number and needs no clamp or two-step scale.
        self.pre, self.fast = list(pre), fast


def emit(k, L):
    U = k.unroll
    w = L.append
    streams = [{"x": i} for i in range(U)]
    n = U
    for s in streams:
        for i in range(k.nregs):
            s["t%d" % i] = n
            n += 1
    K = {}
    for name, _ in k.consts:
        K["k_" + name] = n
        n += 1
    kfirst, klast = K["k_" + k.consts[0][0]] if k.consts else n, n - 1
    for a in k.args:
        K["k_" + a] = n
        n += 1
    if k.kind != "map":
        K["acc"] = n
        n += 1
    if n > 32:
        sys.exit("%s: needs %d registers" % (k.name, n))
    for s in streams:
        s.update(K)

    def code(regsets, body=None, pre=True, acc=True):
        body = (k.pre if pre else []) + (k.body if body is None else body)
        for ins in body:
            if ins.startswith("//"):
                w("\t" + ins)
                continue
            for regs in regsets:
                g, arm = render(ins, regs)
                w("\t%-40s // %s" % (g, arm))
        if k.kind != "map" and acc:
            for regs in regsets:
                g, arm = render("fadd {acc}.4s, {acc}.4s, {x}.4s", regs)
                w("\t%-40s // %s" % (g, arm))

    sym = k.name[0].lower() + k.name[1:] + "NEONConsts"
    w("")
    for line in k.doc:
        w("// " + line if line else "//")
    if k.consts:
        w("")
        w("// %s's constants, each in all four lanes, loaded into V%d..V%d in this order." % (k.name, kfirst, klast))
        off = 0
        for name, val in k.consts:
            bits = C[val] if isinstance(val, str) else val
            for lane in range(4):
                w("DATA %s<>+%d(SB)/4, $0x%08x%s" % (sym, off, bits, " // " + name if lane == 0 else ""))
                off += 4
        w("GLOBL %s<>(SB), RODATA|NOPTR, $%d" % (sym, off))
    w("")
    # Signature and frame.
    if k.kind == "sum":
        params, off = "x []float32", 24
        w("// func %sNEON(x []float32%s) float32" % (k.name, "".join(", %s float32" % a for a in k.args)))
    else:
        params, off = "dst, src []float32", 48
        w("// func %sNEON(dst, src []float32%s)%s" % (k.name, "".join(", %s float32" % a for a in k.args),
                                                     " float32" if k.kind == "expsum" else ""))
    argoff = {}
    for a in k.args:
        argoff[a] = off
        off += 4
    if k.kind != "map":
        off = (off + 7) // 8 * 8
        retoff = off
        off += 4
    w("TEXT ·%sNEON(SB), NOSPLIT, $0-%d" % (k.name, off))
    if k.kind == "sum":
        w("\tMOVD x_base+0(FP), SRC")
        w("\tMOVD x_len+8(FP), N")
    else:
        w("\tMOVD dst_base+0(FP), DST")
        w("\tMOVD src_base+24(FP), SRC")
        w("\tMOVD src_len+32(FP), N")
    if k.consts:
        w("\tMOVD $%s<>(SB), TAB" % sym)
        r = kfirst
        while r <= klast:
            cnt = min(4, klast + 1 - r)
            w("\tVLD1.P %d(TAB), [%s]" % (16 * cnt, ", ".join("V%d.S4" % i for i in range(r, r + cnt))))
            r += cnt
    for a in k.args:
        w("\tFMOVS %s+%d(FP), F%d" % (a, argoff[a], K["k_" + a]))
        w("\tVDUP  V%d.S[0], V%d.S4 // %s in every lane" % (K["k_" + a], K["k_" + a], a))
    if k.kind != "map":
        w("\tVEOR  V%d.B16, V%d.B16, V%d.B16 // the sums, one per lane" % ((K["acc"],) * 3))
    xs = ", ".join("V%d.S4" % i for i in range(U))
    w("")
    w("\t// Main loop: %d elements per iteration, as %d interleaved vectors." % (4 * U, U))
    w("\t// N is kept %d below the true count so SUBS sets the flag." % (4 * U))
    w("\tSUBS $%d, N" % (4 * U))
    w("\tBLT  vectors")
    w("")
    w("loop:")
    w("\tVLD1.P %d(SRC), [%s]" % (16 * U, xs))
    if k.fast is None:
        code(streams)
    else:
        code(streams, body=[], acc=False)
        a = streams[0]
        w("\t// Any |x| > 87? Then take the general path; otherwise 2^n is normal.")
        w("\t// Each vector is compared on its own: combining them first (FMAX,")
        w("\t// FMAXNM) would let a NaN, signalling ones in particular, hide a")
        w("\t// large value in the same lane of another. NaN lanes compare false")
        w("\t// and are right on either path.")
        for i, st in enumerate(streams):
            g, arm = render("fabs v%d.4s, v%d.4s" % (a["t%d" % i], st["x"]), a)
            w("\t%-40s // %s" % (g, arm))
        for i in range(U):
            g, arm = render("fcmgt {t%d}.4s, {t%d}.4s, {k_fast}.4s" % (i, i), a)
            w("\t%-40s // %s" % (g, arm))
        for i in range(1, U):
            g, arm = render("orr {t0}.16b, {t0}.16b, {t%d}.16b" % i, a)
            w("\t%-40s // %s" % (g, arm))
        g, arm = render("umaxv s%d, {t0}.4s" % a["t0"], a)
        w("\t%-40s // %s" % (g, arm))
        w("\tFMOVS  F%d, R5" % a["t0"])
        w("\tCBNZ   R5, slow")
        code(streams, body=k.fast, pre=False)
    if k.kind != "sum":
        w("\tVST1.P [%s], %d(DST)" % (xs, 16 * U))
    w("\tSUBS   $%d, N" % (4 * U))
    w("\tBGE    loop")
    if k.fast is not None:
        w("\tB      vectors")
        w("")
        w("\t// Some |x| > 87: the general path, as for the last elements.")
        w("slow:")
        code(streams, pre=False)
        if k.kind != "sum":
            w("\tVST1.P [%s], %d(DST)" % (xs, 16 * U))
        w("\tSUBS   $%d, N" % (4 * U))
        w("\tBGE    loop")
    w("")
    w("vectors:")
    w("\tADD $%d, N" % (4 * U))
    w("")
    w("\t// Whole vectors left, four elements at a time.")
    w("vector:")
    w("\tCMP    $4, N")
    w("\tBLT    tail")
    w("\tVLD1.P 16(SRC), [V0.S4]")
    code(streams[:1])
    if k.kind != "sum":
        w("\tVST1.P [V0.S4], 16(DST)")
    w("\tSUB    $4, N")
    w("\tB      vector")
    w("")
    w("\t// 1..3 elements: loaded and stored lane by lane, never touching")
    if k.tailfill is None:
        w("\t// memory past the slices; the unused lanes compute on zeros.")
    else:
        w("\t// memory past the slices; the unused lanes hold %s." % k.tailfill[1])
    w("tail:")
    w("\tCBZ    N, done")
    if k.tailfill is None:
        w("\tVEOR   V0.B16, V0.B16, V0.B16")
    else:
        w("\tMOVW   $0x%08x, R4" % k.tailfill[0])
        w("\tVDUP   R4, V0.S4")
    w("\tVLD1.P 4(SRC), V0.S[0]")
    w("\tCMP    $2, N")
    w("\tBLT    tailcompute")
    w("\tVLD1.P 4(SRC), V0.S[1]")
    w("\tCMP    $3, N")
    w("\tBLT    tailcompute")
    w("\tVLD1   (SRC), V0.S[2]")
    w("")
    w("tailcompute:")
    code(streams[:1])
    if k.kind != "sum":
        w("\tVST1.P V0.S[0], 4(DST)")
        w("\tCMP    $2, N")
        w("\tBLT    done")
        w("\tVST1.P V0.S[1], 4(DST)")
        w("\tCMP    $3, N")
        w("\tBLT    done")
        w("\tVST1   V0.S[2], (DST)")
    w("")
    w("done:")
    if k.kind != "map":
        a = K["acc"]
        w("\t// (s0 + s1) + (s2 + s3), as the pure-Go kernels add their four sums.")
        w("\tWORD  $0x00000000 // faddp v%d.4s, v%d.4s, v%d.4s" % (a, a, a))
        w("\tWORD  $0x00000000 // faddp s%d, v%d.2s" % (a, a))
        w("\tFMOVS F%d, ret+%d(FP)" % (a, retoff))
    w("\tRET")


def header(L, what):
    L += ["//go:build !purego && !noasm", "",
          "// Code generated by scripts/gen_neon_activations.py from the constants in",
          "// kernel/activation_generic.go. DO NOT EDIT.", "",
          "// %s require ARMv8-A Advanced SIMD only (every arm64 CPU)." % what, "",
          '#include "textflag.h"', "",
          "#define DST R0 // &dst[i]",
          "#define SRC R1 // &src[i] (&x[i])",
          "#define N   R2 // elements left",
          "#define TAB R3 // the constant table"]


def reduce(z, n, s, biased_pow2=False):
    out = [
        "// Range reduction: z·log2e + shifter rounds to n in the low bits;",
        "// r = z − n·ln2 in two fused steps (ln2 = hi + lo).",
        "mov {%s}.16b, {k_shifter}.16b" % n,
        "fmla {%s}.4s, {%s}.4s, {k_log2e}.4s" % (n, z),
        "fsub {%s}.4s, {%s}.4s, {k_shifter}.4s" % (s, n),
        "fmls {%s}.4s, {%s}.4s, {k_ln2hi}.4s" % (z, s),
        "fmls {%s}.4s, {%s}.4s, {k_ln2lo}.4s" % (z, s),
    ]
    if biased_pow2:
        out += ["// The low bits of z hold n+127, so z<<23 is 2^n for n in [−126, 127].",
                "shl {%s}.4s, {%s}.4s, #23" % (n, n)]
    else:
        out += ["sub {%s}.4s, {%s}.4s, {k_shifter}.4s" % (n, n)]
    return out


def horner(cs, r, a, b, first_mul):
    """acc = (...((first_mul·r + cs[0])·r + cs[1])...), fused, in a and b."""
    out = ["mov {%s}.16b, {k_%s}.16b" % (a, cs[0]),
           "fmla {%s}.4s, {k_%s}.4s, {%s}.4s" % (a, first_mul, r)]
    cur, nxt = a, b
    for c in cs[1:]:
        out.append("mov {%s}.16b, {k_%s}.16b" % (nxt, c))
        out.append("fmla {%s}.4s, {%s}.4s, {%s}.4s" % (nxt, cur, r))
        cur, nxt = nxt, cur
    return out, cur


def scale2n(v, n, h, out):
    return [
        "// v·2^n as (v·2^h)·2^(n−h) with h = n>>1: the first product is exact,",
        "// so the result is rounded once, with gradual underflow.",
        "sshr {%s}.4s, {%s}.4s, #1" % (h, n),
        "sub {%s}.4s, {%s}.4s, {%s}.4s" % (n, n, h),
        "add {%s}.4s, {%s}.4s, {k_bias}.4s" % (h, h),
        "shl {%s}.4s, {%s}.4s, #23" % (h, h),
        "add {%s}.4s, {%s}.4s, {k_bias}.4s" % (n, n),
        "shl {%s}.4s, {%s}.4s, #23" % (n, n),
        "fmul {%s}.4s, {%s}.4s, {%s}.4s" % (v, v, h),
        "fmul {%s}.4s, {%s}.4s, {%s}.4s" % (out, v, n),
    ]


def recip(d, y, tmp):
    return ["// y ≈ 1/d: FRECPE's 8 bits, one Newton step (FRECPS = 2 − d·y) to ~16.",
            "frecpe {%s}.4s, {%s}.4s" % (y, d),
            "frecps {%s}.4s, {%s}.4s, {%s}.4s" % (tmp, d, y),
            "fmul {%s}.4s, {%s}.4s, {%s}.4s" % (y, y, tmp)]


REDUCE_CONSTS = [("shifter", "expShifter"), ("log2e", "expLog2e"), ("ln2hi", "expLn2Hi"), ("ln2lo", "expLn2Lo")]
EXP_POLY = [("c6", "expC6"), ("c5", "expC5"), ("c4", "expC4"), ("c3", "expC3"), ("c2", "expC2"), ("c1", "expC1")]
EXP_CONSTS = [("min", "expMin"), ("max", "expMax")] + REDUCE_CONSTS + EXP_POLY + [("one", 0x3f800000), ("bias", 127)]

# ---- Exp: x in place, temporaries t0..t3 ----
poly, v = horner(["c5", "c4", "c3", "c2", "c1", "one"], "x", "t2", "t3", "c6")
EXP_BODY = [
    "// Clamp to [expMin, expMax]; FMAX/FMIN keep NaN, which then flows",
    "// through every step below to the result.",
    "fmax {x}.4s, {x}.4s, {k_min}.4s",
    "fmin {x}.4s, {x}.4s, {k_max}.4s",
] + reduce("x", "t0", "t1") + ["// e^r ≈ 1 + r·p(r), Horner with fused steps."] + poly + scale2n(v, "t0", "t1", "x")


FAST = ("fast", 0x42ae0000)  # 87.0: |x| ≤ 87 gives n in [−126, 126]
EXP_FAST = reduce("x", "t0", "t1", biased_pow2=True) + ["// e^r ≈ 1 + r·p(r), Horner with fused steps."] + poly + [
    "// One multiply by the normal 2^n rounds as the two-step scale does.",
    "fmul {x}.4s, {%s}.4s, {t0}.4s" % v]


def exp_kernel(name, doc, kind="map", args=(), pre=()):
    return Kernel(name, doc, EXP_CONSTS + [FAST], EXP_BODY, 4, kind, args,
                  tailfill=(0xff800000, "-Inf, whose e^(−Inf−m) = 0 adds nothing") if kind != "map" else None,
                  pre=pre, fast=EXP_FAST)


exp = exp_kernel("Exp", [
    "ExpNEON: dst[i] = e^src[i] as kernel's exp32 computes it: clamp, reduce",
    "x = n·ln2 + r, e^r by the degree-6 polynomial, scale by 2^n."])

# ---- Tanh: temporaries t0 (the tiny mask), t1 (z, r, w), t2 (s), t3..t7 ----
q, qv = horner(["m6", "m5", "m4", "m3", "m2"], "t1", "t3", "t4", "m7")
r2 = "t4" if qv == "t3" else "t3"
tanh_body = [
    "// a = |x|; z = max(−2a, clamp); t0 = (a < tanhTiny), where x is returned",
    "// as is (NaN compares false and keeps the computed NaN).",
    "fabs {t0}.4s, {x}.4s",
    "fadd {t1}.4s, {t0}.4s, {t0}.4s",
    "fneg {t1}.4s, {t1}.4s",
    "fmax {t1}.4s, {t1}.4s, {k_clamp}.4s",
    "fcmgt {t0}.4s, {k_tiny}.4s, {t0}.4s",
] + reduce("t1", "t2", "t3", biased_pow2=True) + ["// w = expm1(r) ≈ r + r²·q(r)."] + q + [
    "fmul {%s}.4s, {t1}.4s, {t1}.4s" % r2,
    "fmla {t1}.4s, {%s}.4s, {%s}.4s" % (r2, qv),
    "// tanh(a) = num/den, num = (1−s) − s·w, den = (1+s) + s·w, since",
    "// e^(−2a) = s·(1+w); the quotient compensated as tanhQuotient does.",
    "fsub {t3}.4s, {k_one}.4s, {t2}.4s",
    "fadd {t4}.4s, {k_one}.4s, {t2}.4s",
    "mov {t5}.16b, {t3}.16b",
    "fmls {t5}.4s, {t2}.4s, {t1}.4s",
    "mov {t6}.16b, {t4}.16b",
    "fmla {t6}.4s, {t2}.4s, {t1}.4s",
] + recip("t6", "t7", "t6") + [
    "// q0 = num·y; ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w; q0 + ρ·y.",
    "fmul {t5}.4s, {t5}.4s, {t7}.4s",
    "mov {t6}.16b, {t3}.16b",
    "fmls {t6}.4s, {t5}.4s, {t4}.4s",
    "fmls {t6}.4s, {t2}.4s, {t1}.4s",
    "fmul {t3}.4s, {t5}.4s, {t2}.4s",
    "fmls {t6}.4s, {t3}.4s, {t1}.4s",
    "fmla {t5}.4s, {t6}.4s, {t7}.4s",
    "// x's sign onto tanh|x| (≥ 0), and x itself where |x| < tanhTiny.",
    "bit {t5}.16b, {x}.16b, {k_sign}.16b",
    "bif {x}.16b, {t5}.16b, {t0}.16b",
]
tanh = Kernel("Tanh", [
    "TanhNEON: dst[i] = tanh(src[i]) as kernel's tanh32 computes it, from",
    "expm1 of the reduced −2|x| and a compensated quotient."],
    [("clamp", "tanhClamp")] + REDUCE_CONSTS + [("m7", "expm1C7"), ("m6", "expm1C6"), ("m5", "expm1C5"),
                                               ("m4", "expm1C4"), ("m3", "expm1C3"), ("m2", "expm1C2"),
                                               ("one", 0x3f800000), ("sign", 0x80000000), ("tiny", "tanhTiny")],
    tanh_body, 8)

# ---- Sigmoid: temporaries t0..t4 ----
poly, v = horner(["c5", "c4", "c3", "c2", "c1", "one"], "t0", "t2", "t3", "c6")
other = "t3" if v == "t2" else "t2"
sig_quot = [
    "// num = (x < 0 ? e : 1); dh + dl = 1 + e exactly (Fast2Sum).",
    "fcmlt {t1}.4s, {x}.4s, #0.0",
    "mov {t0}.16b, {k_one}.16b",
    "bit {t0}.16b, {%s}.16b, {t1}.16b" % v,
    "fadd {%s}.4s, {%s}.4s, {k_one}.4s" % (other, v),
    "fsub {t1}.4s, {k_one}.4s, {%s}.4s" % other,
    "fadd {t1}.4s, {t1}.4s, {%s}.4s" % v,
] + recip(other, v, "t4") + [
    "// q0 = num·y; ρ = (num − q0·dh) − q0·dl; q0 + ρ·y, as sigmoidQuotient.",
    "fmul {x}.4s, {t0}.4s, {%s}.4s" % v,
    "fmls {t0}.4s, {x}.4s, {%s}.4s" % other,
    "fmls {t0}.4s, {x}.4s, {t1}.4s",
    "fmla {x}.4s, {t0}.4s, {%s}.4s" % v,
]
sig_body = [
    "// z = max(−|x|, expMin).",
    "orr {t0}.16b, {x}.16b, {k_sign}.16b",
    "fmax {t0}.4s, {t0}.4s, {k_min}.4s",
] + reduce("t0", "t1", other) + ["// e = e^z as in Exp."] + poly + scale2n(v, "t1", other, v) + sig_quot
sig_fast = [
    "// z = −|x| (≥ −87 here).",
    "orr {t0}.16b, {x}.16b, {k_sign}.16b",
] + reduce("t0", "t1", other, biased_pow2=True) + ["// e = e^z as in Exp."] + poly + [
    "fmul {%s}.4s, {%s}.4s, {t1}.4s" % (v, v)] + sig_quot
sigmoid = Kernel("Sigmoid", [
    "SigmoidNEON: dst[i] = 1/(1+e^−src[i]) as kernel's sigmoid32 computes it:",
    "e = e^−|x| as in Exp, then num/(1+e) with num = e or 1 by the sign of x."],
    [("sign", 0x80000000), ("min", "expMin")] + REDUCE_CONSTS + EXP_POLY + [("one", 0x3f800000), ("bias", 127), FAST],
    sig_body, 5, fast=sig_fast)

SHIFT = ["// x − m (exact where it matters: m ≥ x, both float32).", "fsub {x}.4s, {x}.4s, {k_m}.4s"]
expshiftsum = exp_kernel("ExpShiftSum", [
    "ExpShiftSumNEON: Softmax's pass 2, dst[i] = e^(src[i]−m) as ExpNEON",
    "computes it, returning their sum (four lane sums, added at the end)."], "expsum", ["m"], pre=SHIFT)
sumexpshift = exp_kernel("SumExpShift", [
    "SumExpShiftNEON: LogSoftmax's and LogSumExp's pass 2, Σ e^(x[i]−m),",
    "storing nothing."], "sum", ["m"], pre=SHIFT)
shiftsub = Kernel("ShiftSub", [
    "ShiftSubNEON: LogSoftmax's pass 3, dst[i] = (src[i] − m) − ls."], [],
    ["fsub {x}.4s, {x}.4s, {k_m}.4s", "fsub {x}.4s, {x}.4s, {k_ls}.4s"], 0, "map", ["m", "ls"], unroll=4)



# ---- ExpScaledSumMax: Softmax's, LogSoftmax's and LogSumExp's pass 1 ----
def emit_expscaled(L):
    """ExpScaledSumMaxNEON: y = e^max(x, lo)·2^k for src in blocks of 8 (then
    4, then the last 1..3), stopping before a block holding an x above hi or
    a NaN; the sum of y, the maximum of x, and (without stores) ymax."""
    w = L.append
    consts = [("log2e", "expLog2e"), ("ln2hi", "expLn2Hi"), ("ln2lo", "expLn2Lo")] + EXP_POLY + [("one", 0x3f800000)]
    regs = {}
    streams = [{"x": 0}, {"x": 1}]
    n = 2
    for st in streams:
        for i in range(4):
            st["t%d" % i] = n
            n += 1
    kfirst = n
    for name, _ in consts:
        regs["k_" + name] = n
        n += 1
    klast = n - 1
    for name in ("shifter", "lo", "hi", "acc", "mx"):
        regs["k_" + name if name in ("shifter", "lo", "hi") else name] = n
        n += 1
    for st in streams:
        st.update(regs)
    poly, v = horner(["c5", "c4", "c3", "c2", "c1", "one"], "x", "t2", "t3", "c6")
    body = [
        "// Clamp below at lo (a NaN never gets here: it stops the kernel).",
        "fmax {x}.4s, {x}.4s, {k_lo}.4s",
        "// z = x·log2e + shifter rounds to n, with n+k in its low bits; r = x − n·ln2.",
        "mov {t0}.16b, {k_shifter}.16b",
        "fmla {t0}.4s, {x}.4s, {k_log2e}.4s",
        "fsub {t1}.4s, {t0}.4s, {k_shifter}.4s",
        "fmls {x}.4s, {t1}.4s, {k_ln2hi}.4s",
        "fmls {x}.4s, {t1}.4s, {k_ln2lo}.4s",
        "// e^r ≈ 1 + r·p(r), Horner with fused steps.",
    ] + poly + [
        "// y = e^r·2^(n+k): n+k added to the exponent field (z<<23 keeps the",
        "// low 9 bits of n+k, which is n+k<<23 modulo 2^32); exact, the",
        "// caller keeping y normal.",
        "shl {t0}.4s, {t0}.4s, #23",
        "add {x}.4s, {%s}.4s, {t0}.4s" % v,
    ]

    def code(sts, ins_list):
        for ins in ins_list:
            if ins.startswith("//"):
                w("\t" + ins)
                continue
            for st in sts:
                g, arm = render(ins, st)
                w("\t%-40s // %s" % (g, arm))

    def one(ins, st=None):
        g, arm = render(ins, st or streams[0])
        w("\t%-40s // %s" % (g, arm))

    sym = "expScaledSumMaxNEONConsts"
    w("")
    w("// ExpScaledSumMaxNEON: pass 1 of Softmax's, LogSoftmax's and LogSumExp's")
    w("// two-pass algorithm (asm.ExpScaledSumMaxAVX512 says more): y[i] =")
    w("// e^max(src[i], lo)·2^k, stored to dst unless dst is empty, their sum and")
    w("// the maximum of src, stopping before the first block (8 elements, then")
    w("// 4, then the last 1..3) that holds an element above hi or a NaN. FMAX")
    w("// returns NaN if either operand is NaN, so a block's maximum catches one.")
    w("")
    w("// The constants, each in all four lanes, loaded into V%d..V%d in this order." % (kfirst, klast))
    off = 0
    for name, val in consts:
        bits = C[val] if isinstance(val, str) else val
        for lane in range(4):
            w("DATA %s<>+%d(SB)/4, $0x%08x%s" % (sym, off, bits, " // " + name if lane == 0 else ""))
            off += 4
    w("GLOBL %s<>(SB), RODATA|NOPTR, $%d" % (sym, off))
    w("")
    # Scalars for the scaling (flags&1) and the log (flags&4), as
    # kernel.scalingFor and kernel.logRatio have them.
    scal = [("limit", 0x47000000), ("nlimit", 0xc7000000), ("log2e", C["expLog2e"]), ("shift26", 0x4b40001a),
            ("m104", 0xc2d00000), ("p46", 0x42380000), ("ln2hi", C["expLn2Hi"]), ("ln2lo", C["expLn2Lo"]),
            ("one", 0x3f800000), ("c3", 0x3eaaaaab), ("c5", 0x3e4ccccd), ("c7", 0x3e124925), ("c9", 0x3de38e39)]
    SO = {}
    w("// Scalars of the scaling from c (flags&1) and of the log (flags&4).")
    for i, (name, bits) in enumerate(scal):
        SO[name] = 4 * i
        w("DATA expScaledSumMaxNEONScalars<>+%d(SB)/4, $0x%08x // %s" % (4 * i, bits, name))
    w("GLOBL expScaledSumMaxNEONScalars<>(SB), RODATA|NOPTR, $%d" % (4 * len(scal)))
    w("")
    w("#define STORE R6  // len(dst): nonzero if dst is written")
    w("#define FLAGS R7  // 1: compute the scaling, 2: normalize, 4: log-softmax")
    w("#define SCAL  R10 // the scalars")
    w("")
    w("// func ExpScaledSumMaxNEON(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)")
    w("TEXT ·ExpScaledSumMaxNEON(SB), NOSPLIT, $64-88")
    w("\tMOVD dst_base+0(FP), DST")
    w("\tMOVD dst_len+8(FP), STORE")
    w("\tMOVD src_base+24(FP), SRC")
    w("\tMOVD src_len+32(FP), N")
    w("\tMOVW flags+60(FP), FLAGS")
    w("\tTBZ  $2, FLAGS, 2(PC)")
    w("\tMOVD ZR, STORE // flags&4: pass 1 stores nothing")
    w("\tMOVW ZR, c+76(FP)")
    w("\tMOVD $expScaledSumMaxNEONScalars<>(SB), SCAL")
    w("\tMOVD $%s<>(SB), TAB" % sym)
    r = kfirst
    while r <= klast:
        cnt = min(4, klast + 1 - r)
        w("\tVLD1.P %d(TAB), [%s]" % (16 * cnt, ", ".join("V%d.S4" % i for i in range(r, r + cnt))))
        r += cnt
    sh, lo, hi, acc, mx = regs["k_shifter"], regs["k_lo"], regs["k_hi"], regs["acc"], regs["mx"]

    def sc(go, arm):
        w("\t%-40s // %s" % (go, arm))
    w("\tTBNZ $0, FLAGS, auto")
    w("\tMOVW k+48(FP), R4")
    w("\tMOVW $0x4b400000, R5")
    w("\tADDW R4, R5, R5 // 1.5·2^23 + k: k added to the mantissa")
    w("\tVDUP R5, V%d.S4" % sh)
    w("\tFMOVS lo+52(FP), F%d" % lo)
    w("\tVDUP V%d.S[0], V%d.S4 // lo in every lane" % (lo, lo))
    w("\tFMOVS hi+56(FP), F%d" % hi)
    w("\tVDUP V%d.S[0], V%d.S4 // hi in every lane" % (hi, hi))
    w("\tB    start")
    w("")
    w("\t// flags&1: the scaling from the first min(n, 16) elements, as")
    w("\t// kernel.scalingFor computes it: c = their maximum (FMAX keeps a NaN,")
    w("\t// as Go's max does), j = ⌊c·log2e⌋, shifter 1.5·2^23 + 26 − j,")
    w("\t// lo = j·ln2 − 104 and hi = j·ln2 + 46, each rounded once; done = −1")
    w("\t// if c is not within ±2^15. Fewer than 16 go through a buffer of")
    w("\t// −Inf on the stack, copied in one element at a time.")
    w("auto:")
    w("\tCMP  $16, N")
    w("\tBLT  fewer")
    w("\tVLD1 (SRC), [V25.S4, V26.S4, V27.S4, V28.S4]")
    w("\tB    prefix")
    w("")
    w("fewer:")
    w("\tCBZ  N, unusable")
    w("\tMOVW $0xff800000, R4")
    w("\tVDUP R4, V25.S4")
    w("\tVDUP R4, V26.S4")
    w("\tVDUP R4, V27.S4")
    w("\tVDUP R4, V28.S4")
    w("\tMOVD $buf-64(SP), R9")
    w("\tVST1 [V25.S4, V26.S4, V27.S4, V28.S4], (R9)")
    w("\tMOVD ZR, R4")
    w("")
    w("precopy:")
    w("\tMOVWU (SRC)(R4<<2), R5")
    w("\tMOVW  R5, (R9)(R4<<2)")
    w("\tADD   $1, R4")
    w("\tCMP   N, R4")
    w("\tBLT   precopy")
    w("\tVLD1  (R9), [V25.S4, V26.S4, V27.S4, V28.S4]")
    w("")
    w("prefix:")
    one("fmax v25.4s, v25.4s, v26.4s")
    one("fmax v27.4s, v27.4s, v28.4s")
    one("fmax v25.4s, v25.4s, v27.4s")
    one("fmaxv s25, v25.4s")
    w("\tFMOVS F25, c+76(FP)")
    w("\tFMOVS %d(SCAL), F26 // 2^15" % SO["limit"])
    sc("FCMPS F26, F25", "fcmp s25, s26")
    w("\tBHI   unusable // above 2^15, or NaN")
    w("\tFMOVS %d(SCAL), F26 // −2^15" % SO["nlimit"])
    sc("FCMPS F26, F25", "fcmp s25, s26")
    w("\tBLT   unusable")
    w("\tFMOVS %d(SCAL), F26 // log2e" % SO["log2e"])
    sc("FMULS F26, F25, F26", "fmul s26, s25, s26")
    sc("FRINTMS F26, F26", "frintm s26, s26")
    w("\tFMOVS %d(SCAL), F27 // 1.5·2^23 + 26" % SO["shift26"])
    sc("FSUBS F26, F27, F27", "fsub s27, s27, s26")
    w("\tFMOVS %d(SCAL), F30 // ln2, rounded" % SO["ln2hi"])
    w("\tFMOVS %d(SCAL), F28 // −104" % SO["m104"])
    sc("FMADDS F30, F28, F26, F28", "fmadd s28, s26, s30, s28")
    w("\tFMOVS %d(SCAL), F29 // 46" % SO["p46"])
    sc("FMADDS F30, F29, F26, F29", "fmadd s29, s26, s30, s29")
    w("\tVDUP V27.S[0], V%d.S4 // the shifter" % sh)
    w("\tVDUP V28.S[0], V%d.S4 // lo" % lo)
    w("\tVDUP V29.S[0], V%d.S4 // hi" % hi)
    w("")
    w("start:")
    w("\tVEOR V%d.B16, V%d.B16, V%d.B16 // the sums, one per lane" % (acc, acc, acc))
    w("\tMOVW $0xff800000, R4")
    w("\tVDUP R4, V%d.S4 // the maxima, one per lane: −Inf" % mx)
    w("")
    w("\t// Main loop: 8 elements per iteration, as 2 interleaved vectors.")
    w("\t// N is kept 8 below the true count so SUBS sets the flag.")
    w("\tSUBS $8, N")
    w("\tBLT  vectors")
    w("")
    w("loop:")
    w("\tVLD1 (SRC), [V0.S4, V1.S4]")
    a = streams[0]

    def check_one():
        """Stop unless every lane of V0 is ≤ hi (not NaN); then the maximum."""
        one("fcmge {t1}.4s, {k_hi}.4s, {x}.4s")
        one("uminv s%d, {t1}.4s" % a["t1"])
        w("\tFMOVS  F%d, R5" % a["t1"])
        w("\tCBZ    R5, stop")
        one("fmax {mx}.4s, {mx}.4s, {x}.4s")

    def compute_one():
        """y = e^x·2^k for V0, added to the sums."""
        code(streams[:1], body)
        code(streams[:1], ["fadd {acc}.4s, {acc}.4s, {x}.4s"])
    one("fmax {t0}.4s, v0.4s, v1.4s")
    one("fcmge {t1}.4s, {k_hi}.4s, {t0}.4s")
    one("uminv s%d, {t1}.4s" % a["t1"])
    w("\tFMOVS  F%d, R5" % a["t1"])
    w("\tCBZ    R5, stop8 // some lane above hi, or NaN")
    one("fmax {mx}.4s, {mx}.4s, {t0}.4s")
    w("\tADD    $32, SRC")
    code(streams, body)
    code(streams, ["fadd {acc}.4s, {acc}.4s, {x}.4s"])
    w("\tCBZ    STORE, nostore")
    w("\tVST1.P [V0.S4, V1.S4], 32(DST)")
    w("")
    w("nostore:")
    w("\tSUBS   $8, N")
    w("\tBGE    loop")
    w("")
    w("vectors:")
    w("\tADD $8, N")
    w("")
    w("\t// Whole vectors left, four elements at a time.")
    w("vector:")
    w("\tCMP    $4, N")
    w("\tBLT    tail")
    w("\tVLD1   (SRC), [V0.S4]")
    check_one()
    w("\tADD    $16, SRC")
    compute_one()
    w("\tSUB    $4, N")
    w("\tCBZ    STORE, vector")
    w("\tVST1.P [V0.S4], 16(DST)")
    w("\tB      vector")
    w("")
    w("\t// 1..3 elements: loaded and stored lane by lane, never touching")
    w("\t// memory past the slices; the unused lanes hold −Inf, which is not")
    w("\t// above hi and adds e^lo·2^k < 2^-126, nothing next to the sum.")
    w("tail:")
    w("\tCBZ    N, stop")
    w("\tMOVW   $0xff800000, R4")
    w("\tVDUP   R4, V0.S4")
    w("\tVLD1   (SRC), V0.S[0]")
    w("\tCMP    $2, N")
    w("\tBLT    tailcheck")
    w("\tADD    $4, SRC, R4")
    w("\tVLD1   (R4), V0.S[1]")
    w("\tCMP    $3, N")
    w("\tBLT    tailcheck")
    w("\tADD    $8, SRC, R4")
    w("\tVLD1   (R4), V0.S[2]")
    w("")
    w("tailcheck:")
    check_one()
    compute_one()
    w("\tCBZ    STORE, tailed")
    w("\tVST1.P V0.S[0], 4(DST)")
    w("\tCMP    $2, N")
    w("\tBLT    tailed")
    w("\tVST1.P V0.S[1], 4(DST)")
    w("\tCMP    $3, N")
    w("\tBLT    tailed")
    w("\tVST1   V0.S[2], (DST)")
    w("")
    w("tailed:")
    w("\tMOVD   ZR, N")
    w("\tB      stop")
    w("")
    w("\t// Stopped in the main loop, where N is 8 below the count left.")
    w("stop8:")
    w("\tADD    $8, N")
    w("")
    w("\t// done = len(src) − N; the sum (s0 + s1) + (s2 + s3); the maximum.")
    w("stop:")
    w("\tMOVD   src_len+32(FP), R4")
    w("\tSUB    N, R4, R4")
    w("\tMOVD   R4, done+80(FP)")
    one("faddp {acc}.4s, {acc}.4s, {acc}.4s")
    one("faddp s%d, {acc}.2s" % acc)
    w("\tFMOVS  F%d, sum+64(FP)" % acc)
    one("fmaxv s%d, {mx}.4s" % mx)
    w("\tFMOVS  F%d, max+68(FP)" % mx)
    w("\tMOVW   ZR, ymax+72(FP)")
    w("\tCBNZ   STORE, normalize")
    w("")
    w("\t// Without stores (LogSoftmax, LogSumExp), ymax = e^max·2^k as")
    w("\t// computed for an element equal to max.")
    w("\tVDUP   V%d.S[0], V0.S4" % mx)
    code(streams[:1], body)
    w("\tFMOVS  F0, ymax+72(FP)")
    w("\tTBZ    $2, FLAGS, done")
    w("\tCBNZ   N, done")
    w("")
    w("\t// flags&4, no stop: dst = (src − max) − ls with ls = log(sum/ymax),")
    w("\t// step for step as kernel.logRatio computes it in float32.")
    sc("FDIVS F0, F%d, F25" % acc, "fdiv s25, s%d, s0" % acc)
    w("\tFMOVS  F25, R11 // q = sum/ymax")
    w("\tLSRW   $23, R11, R12")
    w("\tSUBW   $127, R12, R12 // e")
    w("\tANDW   $0x7fffff, R11, R11")
    w("\tORRW   $0x3f800000, R11, R11 // f in [1, 2)")
    w("\tSUBW   $0x00800000, R11, R14 // f/2")
    w("\tADDW   $1, R12, R15")
    w("\tMOVW   $0x3fb504f3, R13")
    w("\tCMPW   R13, R11")
    w("\tCSELW  HI, R14, R11, R11 // f > √2: f/2 ...")
    w("\tCSELW  HI, R15, R12, R12 // ... and e+1")
    w("\tFMOVS  R11, F26 // f")
    w("\tFMOVS  %d(SCAL), F31 // 1" % SO["one"])
    sc("FSUBS F31, F26, F27", "fsub s27, s26, s31")
    sc("FADDS F31, F26, F28", "fadd s28, s26, s31")
    sc("FDIVS F28, F27, F27", "fdiv s27, s27, s28")
    sc("FMULS F27, F27, F28", "fmul s28, s27, s27")
    w("\tFMOVS  %d(SCAL), F29 // c9" % SO["c9"])
    for cname in ("c7", "c5", "c3"):
        w("\tFMOVS  %d(SCAL), F30 // %s" % (SO[cname], cname))
        sc("FMADDS F28, F30, F29, F29", "fmadd s29, s29, s28, s30")
    sc("FMULS F28, F29, F29", "fmul s29, s29, s28")
    sc("FADDS F27, F27, F27", "fadd s27, s27, s27")
    sc("FMADDS F29, F27, F27, F27", "fmadd s27, s27, s29, s27")
    w("\tSCVTFWS R12, F28 // e")
    w("\tFMOVS  %d(SCAL), F30 // ln2lo" % SO["ln2lo"])
    sc("FMADDS F30, F27, F28, F27", "fmadd s27, s28, s30, s27")
    w("\tFMOVS  %d(SCAL), F30 // ln2hi" % SO["ln2hi"])
    sc("FMADDS F30, F27, F28, F27", "fmadd s27, s28, s30, s27")
    w("\tVDUP   V%d.S[0], V26.S4 // max" % mx)
    w("\tVDUP   V27.S[0], V27.S4 // ls")
    w("\tMOVD   dst_base+0(FP), DST")
    w("\tMOVD   src_base+24(FP), SRC")
    w("\tMOVD   src_len+32(FP), N")
    w("")
    w("lsm4:")
    w("\tCMP    $4, N")
    w("\tBLT    lsm1")
    w("\tVLD1.P 16(SRC), [V0.S4]")
    one("fsub v0.4s, v0.4s, v26.4s")
    one("fsub v0.4s, v0.4s, v27.4s")
    w("\tVST1.P [V0.S4], 16(DST)")
    w("\tSUB    $4, N")
    w("\tB      lsm4")
    w("")
    w("lsm1:")
    w("\tCBZ    N, done")
    w("\tFMOVS.P 4(SRC), F0")
    sc("FSUBS F26, F0, F0", "fsub s0, s0, s26")
    sc("FSUBS F27, F0, F0", "fsub s0, s0, s27")
    w("\tFMOVS.P F0, 4(DST)")
    w("\tSUB    $1, N")
    w("\tB      lsm1")
    w("")
    w("\t// flags&2, with stores, and no stop: dst ·= 1/sum, as kernel.Scale.")
    w("normalize:")
    w("\tTBZ    $1, FLAGS, done")
    w("\tCBNZ   N, done")
    w("\tFMOVS  %d(SCAL), F28 // 1" % SO["one"])
    sc("FDIVS F%d, F28, F28" % acc, "fdiv s28, s28, s%d" % acc)
    w("\tVDUP   V28.S[0], V28.S4 // 1/sum")
    w("\tMOVD   dst_base+0(FP), DST")
    w("\tMOVD   src_len+32(FP), N")
    w("")
    w("scale4:")
    w("\tCMP    $4, N")
    w("\tBLT    scale1")
    w("\tVLD1   (DST), [V0.S4]")
    one("fmul v0.4s, v0.4s, v28.4s")
    w("\tVST1.P [V0.S4], 16(DST)")
    w("\tSUB    $4, N")
    w("\tB      scale4")
    w("")
    w("scale1:")
    w("\tCBZ    N, done")
    w("\tFMOVS  (DST), F0")
    sc("FMULS F28, F0, F0", "fmul s0, s0, s28")
    w("\tFMOVS.P F0, 4(DST)")
    w("\tSUB    $1, N")
    w("\tB      scale1")
    w("")
    w("done:")
    w("\tRET")
    w("")
    w("\t// flags&1 and the first elements give no scaling: done = −1.")
    w("unusable:")
    w("\tMOVD   $-1, R4")
    w("\tMOVD   R4, done+80(FP)")
    w("\tMOVW   ZR, sum+64(FP)")
    w("\tMOVW   ZR, max+68(FP)")
    w("\tMOVW   ZR, ymax+72(FP)")
    w("\tRET")


files = {
    "asm/exp_neon_arm64.s": ("ExpNEON", [exp]),
    "asm/tanh_neon_arm64.s": ("TanhNEON", [tanh]),
    "asm/sigmoid_neon_arm64.s": ("SigmoidNEON", [sigmoid]),
    "asm/softmax_neon_arm64.s": ("ExpShiftSumNEON, SumExpShiftNEON and ShiftSubNEON", [expshiftsum, sumexpshift, shiftsub]),
    "asm/expscaledsummax_neon_arm64.s": ("ExpScaledSumMaxNEON", ["expscaled"]),
}
for path, (what, ks) in files.items():
    L = []
    header(L, what)
    for k in ks:
        if k == "expscaled":
            emit_expscaled(L)
        else:
            emit(k, L)
    text = "\n".join(L) + "\n"
    # Labels must be unique per file: prefix them with the kernel's name.
    if len(ks) > 1:
        parts = text.split("// func ")
        for i in range(1, len(parts)):
            name = parts[i].split("NEON(")[0].lower()
            labels = r"(loop|slow|vectors|vector|tail|tailcompute|done)"
            parts[i] = re.sub(r"^" + labels + ":", name + r"_\1:", parts[i], flags=re.M)
            parts[i] = re.sub(r"^(\t(?:B\w*|CBZ\s+N,|CBNZ\s+R5,)\s+)" + labels + "$", r"\1" + name + r"_\2", parts[i], flags=re.M)
        text = "// func ".join(parts)
    open(path, "w").write(text)
subprocess.run(["go", "run", "./internal/neonasm/cmd/neonword", "-fix"] + list(files), check=True)
