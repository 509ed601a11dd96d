package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// GELU (erf form) and GELUTanh: each lane runs exactly the float32 steps
// of gelu32 and geluTanh32 in kernel/gelu.go, in the same order and with
// the same fused multiply-adds and true divisions, so the results are the
// generic level's to the bit (kernel/gelu.go documents the algorithms and
// their error). One vector per iteration: each needs all sixteen
// registers. Written at AVX2 only; the AVX512 level runs these too. Go's
// operand order: VFMADD231PS a, b, c is c = b·a + c; VMINPS a, b, c is
// c = min(b, a), returning a (Intel's second source) when either is NaN;
// VBLENDVPS m, a, b, c is c = m's sign bit ? a : b.
const (
	bitsGeluMagic1  = 0x4b400001 // bitsMagic plus one: 2^(n−1)
	bitsGeluLn2hi   = 0x3f317218
	bitsGeluLn2lo   = 0xb102e308
	bitsGelu64      = 0x00000040
	bitsGelu63      = 0x0000003f
	bitsGeluTClamp  = 0x41400000 // 12, GELUTanh's clamp of |x|
	bitsGeluTC1hi   = 0x3fcc422a // c1 = 2√(2/π) as hi + lo
	bitsGeluTC1lo   = 0xb342bc9b
	bitsGeluTC2hi   = 0x3d922279 // c2 = 0.044715·c1 as hi + lo
	bitsGeluTC2lo   = 0x3124d8b5
	bitsGeluClamp   = 0x41700000 // 15, GELU's clamp of |x|
	bitsGeluK       = 0x40800000 // 4: s = 4/(4+t)
	bitsGeluMHalf   = 0xbf000000 // −0.5
	bitsGeluQuarter = 0x3e800000
	bitsGeluH1      = 0x400c422b // H(s) = u·(h1 + h2·u + … + h11·u^10), u = s − 1
	bitsGeluH2      = 0x3e5cb387
	bitsGeluH3      = 0xbf21369f
	bitsGeluH4      = 0x3d13abe9
	bitsGeluH5      = 0x3ee52126
	bitsGeluH6      = 0x3e072ba5
	bitsGeluH7      = 0x3f405bd2
	bitsGeluH8      = 0x400973ad
	bitsGeluH9      = 0x40132d42
	bitsGeluH10     = 0x3f91d651
	bitsGeluH11     = 0x3e63af7d
	bitsGeluG0      = 0x3f4c993b // g = G/4, a cubic in u
	bitsGeluG1      = 0x3f33286f
	bitsGeluG2      = 0xbe24f9ad
	bitsGeluG3      = 0xbeafcac8
)

// geluExpm1 sets w = e^r − 1 = r + r²·q(r) as kernel's expm1Poly (q by
// Horner in q, then r² rounded, then one FMA).
func (g *gen) geluExpm1(r, w, q VecPhysical) {
	g.VMOVUPS(g.splat("gM7", bitsTanhM7), q)
	for _, c := range []struct {
		name string
		bits uint32
	}{{"gM6", bitsTanhM6}, {"gM5", bitsTanhM5}, {"gM4", bitsTanhM4}, {"gM3", bitsTanhM3}, {"gM2", bitsTanhM2}} {
		g.VFMADD213PS(g.splat(c.name, c.bits), r, q)
	}
	g.VMULPS(r, r, w)      // r² (rounded, as r*r in Go)
	g.VFMADD213PS(r, q, w) // w = r²·q + r
}

// geluPow2 sets f1·f2 = 2^(n−k) for the shifter sum z (n + 127 in its low
// bits) and magic = bitsMagic (k = 0) or bitsGeluMagic1 (k = 1), n − k in
// [−252, 0]: 2^(a−63)·2^(b−64) with a = m>>1, b = m − a, m = n − k + 127,
// two normal factors; the first product is exact wherever the kernels use
// them and the second rounds once, as kernel's scale2n does.
func (g *gen) geluPow2(magic Mem, z, f1, f2 VecPhysical) {
	g.VPSUBD(magic, z, f2)  // m
	g.VPSRAD(U8(1), f2, f1) // a
	g.VPSUBD(f1, f2, f2)    // b
	g.VPADDD(g.splat("g64", bitsGelu64), f1, f1)
	g.VPADDD(g.splat("g63", bitsGelu63), f2, f2)
	g.VPSLLD(U8(23), f1, f1)
	g.VPSLLD(U8(23), f2, f2)
}

// geluTanh: gelu_tanh(x) = x·σ(w), w = 2√(2/π)(x + 0.044715x³), with |w|
// as a double-float, e^−|w| by Exp's reduction and the expm1 polynomial,
// and a compensated quotient (two VDIVPS).
var geluTanh = activation{
	name:   "GELUTanh",
	consts: func(g *gen, s isa) {},
	main:   1, group: 1, tail: 1,
	body: func(g *gen, s isa, st stage, io *vio) func() {
		io.load(0, Y0)                                // x
		g.absClampSign("gtClamp", bitsGeluTClamp, Y1) // t = min(|x|, 12) in Y1

		g.Comment("|w| = c1·t + c2·t³ as wh + wl")
		g.VMULPS(Y1, Y1, Y2) // sh
		g.VMOVAPS(Y2, Y3)
		g.VFMSUB231PS(Y1, Y1, Y3) // sl = t·t − sh
		g.VMULPS(Y1, Y2, Y4)      // ch = sh·t
		g.VMOVAPS(Y4, Y5)
		g.VFMSUB231PS(Y1, Y2, Y5)                          // cl = sh·t − ch
		g.VFMADD231PS(Y1, Y3, Y5)                          // cl += sl·t
		g.VMULPS(g.splat("gtC1hi", bitsGeluTC1hi), Y1, Y6) // ah
		g.VMOVAPS(Y6, Y7)
		g.VFMSUB231PS(g.splat("gtC1hi", bitsGeluTC1hi), Y1, Y7) // al = t·c1hi − ah
		g.VFMADD231PS(g.splat("gtC1lo", bitsGeluTC1lo), Y1, Y7) // al += t·c1lo
		g.VMULPS(g.splat("gtC2hi", bitsGeluTC2hi), Y4, Y8)      // bh = c2hi·ch
		g.VMOVAPS(Y8, Y9)
		g.VFMSUB231PS(g.splat("gtC2hi", bitsGeluTC2hi), Y4, Y9) // bl = ch·c2hi − bh
		g.VFMADD231PS(g.splat("gtC2hi", bitsGeluTC2hi), Y5, Y9) // bl += cl·c2hi
		g.VFMADD231PS(g.splat("gtC2lo", bitsGeluTC2lo), Y4, Y9) // bl += ch·c2lo
		g.VMAXPS(Y8, Y6, Y2)                                    // big
		g.VMINPS(Y8, Y6, Y3)                                    // small
		g.VADDPS(Y3, Y2, Y4)                                    // wh
		g.VSUBPS(Y4, Y2, Y5)                                    // big − wh
		g.VADDPS(Y3, Y5, Y5)                                    // wl = (big − wh) + small
		g.VADDPS(Y9, Y7, Y7)                                    // al + bl
		g.VADDPS(Y7, Y5, Y5)                                    // wl += al + bl

		g.xSigmoid(true)
		io.store(Y9, 0)
		return nil
	},
}

// absClampSign sets t = min(|x|, clamp) in t (NaN passes), Y15 = the sign
// of x and Y14 = xc, t with that sign, from x in Y0 (Y1 and Y2 scratch).
func (g *gen) absClampSign(name string, clamp uint32, t VecPhysical) {
	g.VANDPS(g.splat("gAbs", bitsAbs), Y0, Y1)
	g.VMOVUPS(g.splat(name, clamp), Y2)
	g.VMINPS(Y1, Y2, t)                           // t = min(|x|, clamp), NaN passes
	g.VANDPS(g.splat("gSign", bitsSign), Y0, Y15) // sign of x
	g.VORPS(Y15, t, Y14)                          // xc
}

// xSigmoid emits geluTanh32's steps 2 to 5 (kernel's xSigmoid), x·σ(w),
// from Y0 = x, Y4 = wh, Y5 = wl (when hasWl; SiLU's wl is 0), Y14 = xc,
// Y15 = the sign of x, leaving the result in Y9 with x's sign.
func (g *gen) xSigmoid(hasWl bool) {
	g.Comment("reduce −|w|")
	g.VMOVUPS(g.splat("gShift", bitsShift), Y6)
	g.VFNMADD231PS(g.splat("gLog2e", bitsLog2e), Y4, Y6) // z = −wh·log2e + shifter
	g.VSUBPS(g.splat("gShift", bitsShift), Y6, Y7)       // nf
	g.VMOVAPS(Y4, Y8)
	g.VFNMSUB231PS(g.splat("gLn2hi", bitsGeluLn2hi), Y7, Y8) // r = −nf·ln2hi − wh
	g.VFNMADD231PS(g.splat("gLn2lo", bitsGeluLn2lo), Y7, Y8) // r −= nf·ln2lo
	if hasWl {
		g.VSUBPS(Y5, Y8, Y8) // r −= wl
	}
	g.geluExpm1(Y8, Y9, Y10)                               // w' in Y9
	g.geluPow2(g.splat("gMagic", bitsMagic), Y6, Y10, Y11) // 2^n = Y10·Y11
	g.VMOVUPS(g.splat("gOne", bitsOne), Y12)
	g.VADDPS(Y12, Y9, Y2) // 1 + w'
	g.VMULPS(Y10, Y2, Y2)
	g.VMULPS(Y11, Y2, Y2) // e = e^−|w|

	g.Comment("numerator a·(1+v): (xc, w') for x < 0, (1, 0) for x ≥ 0")
	g.VBLENDVPS(Y0, Y14, Y12, Y3) // a
	g.VPSRAD(U8(31), Y0, Y4)
	g.VANDPS(Y4, Y9, Y4)  // v
	g.VADDPS(Y2, Y12, Y5) // dh = 1 + e
	g.VSUBPS(Y5, Y12, Y6) // 1 − dh
	g.VADDPS(Y2, Y6, Y6)  // dl
	g.VMOVAPS(Y3, Y7)
	g.VFMADD231PS(Y4, Y3, Y7) // a·v + a
	g.VDIVPS(Y5, Y7, Y7)      // q0
	g.VMOVAPS(Y3, Y8)
	g.VFNMADD231PS(Y5, Y7, Y8) // ρ = a − q0·dh
	g.VFMADD231PS(Y4, Y3, Y8)  // ρ += a·v
	g.VFNMADD231PS(Y6, Y7, Y8) // ρ −= q0·dl
	g.VDIVPS(Y5, Y8, Y8)       // c = ρ/dh
	g.VADDPS(Y8, Y7, Y9)       // x < 0: (q0 + c)·2^n
	g.VMULPS(Y10, Y9, Y9)
	g.VMULPS(Y11, Y9, Y9)
	g.VMULPS(Y8, Y14, Y8)     // x ≥ 0: xc·c
	g.VFMADD231PS(Y7, Y0, Y8) // x·q0 + xc·c
	g.VBLENDVPS(Y0, Y9, Y8, Y9)
	g.VORPS(Y15, Y9, Y9) // the sign of x
}

// gelu: x·Φ(x) with Φ(−t) = ½·s·e^(−t²/2 + H(s)), s = 4/(4+t), t = |x|,
// the roundings of s and s − 1 recovered exactly and corrected in the
// exponent. Y13 holds 1 throughout.
var gelu = activation{
	name: "GELU",
	consts: func(g *gen, s isa) {
		g.VMOVUPS(g.splat("gOne", bitsOne), Y13)
	},
	main: 1, group: 1, tail: 1,
	body: func(g *gen, s isa, st stage, io *vio) func() {
		io.load(0, Y0) // x
		g.VANDPS(g.splat("gAbs", bitsAbs), Y0, Y1)
		g.VMOVUPS(g.splat("geClamp", bitsGeluClamp), Y2)
		g.VMINPS(Y1, Y2, Y1)                          // t = min(|x|, 15), NaN passes
		g.VANDPS(g.splat("gSign", bitsSign), Y0, Y15) // sign of x
		g.VORPS(Y15, Y1, Y14)                         // xc

		g.Comment("s = 4/d, d = 4 + t, with their errors")
		g.VMOVUPS(g.splat("geK", bitsGeluK), Y8)
		g.VADDPS(Y1, Y8, Y2)       // d = 4 + t
		g.VMAXPS(Y1, Y8, Y7)       // big = max(t, 4), NaN passes
		g.VMINPS(Y1, Y8, Y9)       // small = min(t, 4)
		g.VSUBPS(Y2, Y7, Y7)       // big − d
		g.VADDPS(Y9, Y7, Y7)       // ed = (big − d) + small
		g.VDIVPS(Y2, Y8, Y3)       // s = 4/d
		g.VFNMADD231PS(Y2, Y3, Y8) // ρ = 4 − s·d
		g.VMOVAPS(Y8, Y4)
		g.VFMSUB231PS(Y7, Y3, Y4) // sd = s·ed − ρ
		g.VSUBPS(Y13, Y3, Y5)     // u = s − 1
		g.VADDPS(Y13, Y5, Y6)
		g.VSUBPS(Y6, Y3, Y6) // eu = s − (u + 1)

		g.Comment("H = h1·u + u²·q(u)")
		g.VMOVUPS(g.splat("geH11", bitsGeluH11), Y7)
		g.VFMADD213PS(g.splat("geH10", bitsGeluH10), Y5, Y7)
		g.VFMADD213PS(g.splat("geH9", bitsGeluH9), Y5, Y7)
		g.VFMADD213PS(g.splat("geH8", bitsGeluH8), Y5, Y7)
		g.VFMADD213PS(g.splat("geH7", bitsGeluH7), Y5, Y7)
		g.VFMADD213PS(g.splat("geH6", bitsGeluH6), Y5, Y7)
		g.VFMADD213PS(g.splat("geH5", bitsGeluH5), Y5, Y7)
		g.VFMADD213PS(g.splat("geH4", bitsGeluH4), Y5, Y7)
		g.VFMADD213PS(g.splat("geH3", bitsGeluH3), Y5, Y7)
		g.VFMADD213PS(g.splat("geH2", bitsGeluH2), Y5, Y7) // q
		g.VMULPS(g.splat("geH1", bitsGeluH1), Y5, Y8)      // ph
		g.VMOVAPS(Y8, Y9)
		g.VFMSUB231PS(g.splat("geH1", bitsGeluH1), Y5, Y9) // pl = u·h1 − ph
		g.VMULPS(Y5, Y7, Y7)                               // u·q
		g.VMULPS(Y5, Y7, Y10)                              // rh = u·(u·q)

		g.Comment("−t²/2 = hs + hl")
		g.VMULPS(Y1, Y1, Y7) // sh
		g.VMOVAPS(Y7, Y11)
		g.VFMSUB231PS(Y1, Y1, Y11)                            // sl = t·t − sh
		g.VMULPS(g.splat("geMHalf", bitsGeluMHalf), Y7, Y7)   // hs
		g.VMULPS(g.splat("geMHalf", bitsGeluMHalf), Y11, Y11) // hl

		g.Comment("reduce")
		g.VADDPS(Y10, Y8, Y1) // ph + rh
		g.VADDPS(Y1, Y7, Y1)  // hs + (ph + rh)
		g.VMOVUPS(g.splat("gShift", bitsShift), Y12)
		g.VFMADD231PS(g.splat("gLog2e", bitsLog2e), Y1, Y12)     // z
		g.VSUBPS(g.splat("gShift", bitsShift), Y12, Y1)          // nf
		g.VFNMADD231PS(g.splat("gLn2hi", bitsGeluLn2hi), Y1, Y7) // r = hs − nf·ln2hi
		g.VADDPS(Y8, Y7, Y7)                                     // r += ph
		g.VFNMADD231PS(g.splat("gLn2lo", bitsGeluLn2lo), Y1, Y7) // r −= nf·ln2lo
		g.VMOVUPS(g.splat("geG3", bitsGeluG3), Y1)
		g.VFMADD213PS(g.splat("geG2", bitsGeluG2), Y5, Y1)
		g.VFMADD213PS(g.splat("geG1", bitsGeluG1), Y5, Y1)
		g.VFMADD213PS(g.splat("geG0", bitsGeluG0), Y5, Y1) // g = G/4
		g.VSUBPS(g.splat("geQuarter", bitsGeluQuarter), Y1, Y8)
		g.VMULPS(Y2, Y8, Y8)                                          // (g − ¼)·d
		g.VADDPS(Y11, Y9, Y9)                                         // pl + hl
		g.VADDPS(Y10, Y9, Y9)                                         // + rh
		g.VFMADD231PS(Y8, Y6, Y9)                                     // corr = eu·(g − ¼)·d + …
		g.VFNMADD231PS(Y1, Y4, Y9)                                    // corr − sd·g
		g.VADDPS(Y9, Y7, Y7)                                          // r
		g.geluExpm1(Y7, Y8, Y9)                                       // w in Y8
		g.geluPow2(g.splat("gMagic1", bitsGeluMagic1), Y12, Y10, Y11) // 2^(n−1) = Y10·Y11

		g.Comment("x < 0: (mh + (mh·w + (ml·w + ml)))·2^(n−1), mh + ml = xc·s")
		g.VMULPS(Y3, Y14, Y1) // mh
		g.VMOVAPS(Y1, Y2)
		g.VFMSUB231PS(Y3, Y14, Y2) // ml = xc·s − mh
		g.VMOVAPS(Y2, Y4)
		g.VFMADD231PS(Y8, Y2, Y4) // ml·w + ml
		g.VFMADD231PS(Y8, Y1, Y4) // mh·w + …
		g.VADDPS(Y4, Y1, Y4)
		g.VMULPS(Y10, Y4, Y4)
		g.VMULPS(Y11, Y4, Y4)
		g.Comment("x ≥ 0: x − xc·(s·w + s)·2^(n−1)")
		g.VMOVAPS(Y3, Y5)
		g.VFMADD231PS(Y8, Y3, Y5) // s·w + s
		g.VMULPS(Y10, Y5, Y5)
		g.VMULPS(Y11, Y5, Y5) // Φ(−t)
		g.VMOVAPS(Y0, Y6)
		g.VFNMADD231PS(Y5, Y14, Y6) // x − xc·Φ(−t)
		g.VBLENDVPS(Y0, Y4, Y6, Y4)
		g.VORPS(Y15, Y4, Y4) // the sign of x
		io.store(Y4, 0)
		return nil
	},
}

func init() {
	register(file{"gelutanh_avx2_amd64.s", func(g *gen) { g.activation(geluTanh, avx2) }},
		file{"gelu_avx2_amd64.s", func(g *gen) { g.activation(gelu, avx2) }})
}
