package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// GELU (erf form) and GELUTanh: each lane runs exactly the float32 steps
// of gelu32 and geluTanh32 in kernel/gelu.go, in the same order and with
// the same fused multiply-adds and true divisions, so the results are the
// generic level's to the bit (kernel/gelu.go documents the algorithms and
// their error). One vector per iteration at AVX2 (each needs all sixteen
// registers), two at AVX-512 (vl widens the same steps to Z0..Z15 and
// Z16..Z31, constants read by embedded broadcast). Go's
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
func (l vl) geluExpm1(r, w, q VecPhysical) {
	l.VMOVUPS(l.c("gM7", bitsTanhM7), q)
	for _, c := range []struct {
		name string
		bits uint32
	}{{"gM6", bitsTanhM6}, {"gM5", bitsTanhM5}, {"gM4", bitsTanhM4}, {"gM3", bitsTanhM3}, {"gM2", bitsTanhM2}} {
		l.VFMADD213PS(l.c(c.name, c.bits), r, q)
	}
	l.VMULPS(r, r, w)      // r² (rounded, as r*r in Go)
	l.VFMADD213PS(r, q, w) // w = r²·q + r
}

// geluPow2 sets f1·f2 = 2^(n−k) for the shifter sum z (n + 127 in its low
// bits) and magic = bitsMagic (k = 0) or bitsGeluMagic1 (k = 1), n − k in
// [−252, 0]: 2^(a−63)·2^(b−64) with a = m>>1, b = m − a, m = n − k + 127,
// two normal factors; the first product is exact wherever the kernels use
// them and the second rounds once, as kernel's scale2n does.
func (l vl) geluPow2(magic Mem, z, f1, f2 VecPhysical) {
	l.VPSUBD(magic, z, f2)  // m
	l.VPSRAD(U8(1), f2, f1) // a
	l.VPSUBD(f1, f2, f2)    // b
	l.VPADDD(l.c("g64", bitsGelu64), f1, f1)
	l.VPADDD(l.c("g63", bitsGelu63), f2, f2)
	l.VPSLLD(U8(23), f1, f1)
	l.VPSLLD(U8(23), f2, f2)
}

// geluTanh: gelu_tanh(x) = x·σ(w), w = 2√(2/π)(x + 0.044715x³), with |w|
// as a double-float, e^−|w| by Exp's reduction and the expm1 polynomial,
// and a compensated quotient (two VDIVPS).
var geluTanh = activation{
	name:   "GELUTanh",
	consts: func(g *gen, s isa) {},
	body: func(g *gen, s isa, st stage, io *vio) func() {
		for i, l := range g.lanesOf(s, io.n) {
			l.geluTanh(io, i)
		}
		return nil
	},
}

// geluTanh computes vector i of io in lane l.
func (l vl) geluTanh(io *vio, i int) {
	io.load(i, l.r(Y0))                           // x
	l.absClampSign("gtClamp", bitsGeluTClamp, Y1) // t = min(|x|, 12) in Y1

	l.Comment("|w| = c1·t + c2·t³ as wh + wl")
	l.VMULPS(Y1, Y1, Y2) // sh
	l.VMOVAPS(Y2, Y3)
	l.VFMSUB231PS(Y1, Y1, Y3) // sl = t·t − sh
	l.VMULPS(Y1, Y2, Y4)      // ch = sh·t
	l.VMOVAPS(Y4, Y5)
	l.VFMSUB231PS(Y1, Y2, Y5)                      // cl = sh·t − ch
	l.VFMADD231PS(Y1, Y3, Y5)                      // cl += sl·t
	l.VMULPS(l.c("gtC1hi", bitsGeluTC1hi), Y1, Y6) // ah
	l.VMOVAPS(Y6, Y7)
	l.VFMSUB231PS(l.c("gtC1hi", bitsGeluTC1hi), Y1, Y7) // al = t·c1hi − ah
	l.VFMADD231PS(l.c("gtC1lo", bitsGeluTC1lo), Y1, Y7) // al += t·c1lo
	l.VMULPS(l.c("gtC2hi", bitsGeluTC2hi), Y4, Y8)      // bh = c2hi·ch
	l.VMOVAPS(Y8, Y9)
	l.VFMSUB231PS(l.c("gtC2hi", bitsGeluTC2hi), Y4, Y9) // bl = ch·c2hi − bh
	l.VFMADD231PS(l.c("gtC2hi", bitsGeluTC2hi), Y5, Y9) // bl += cl·c2hi
	l.VFMADD231PS(l.c("gtC2lo", bitsGeluTC2lo), Y4, Y9) // bl += ch·c2lo
	l.VMAXPS(Y8, Y6, Y2)                                // big
	l.VMINPS(Y8, Y6, Y3)                                // small
	l.VADDPS(Y3, Y2, Y4)                                // wh
	l.VSUBPS(Y4, Y2, Y5)                                // big − wh
	l.VADDPS(Y3, Y5, Y5)                                // wl = (big − wh) + small
	l.VADDPS(Y9, Y7, Y7)                                // al + bl
	l.VADDPS(Y7, Y5, Y5)                                // wl += al + bl

	l.xSigmoid(true)
	io.store(l.r(Y9), i)
}

// absClampSign sets t = min(|x|, clamp) in t (NaN passes), Y15 = the sign
// of x and Y14 = xc, t with that sign, from x in Y0 (Y1 and Y2 scratch).
func (l vl) absClampSign(name string, clamp uint32, t VecPhysical) {
	l.VANDPS(l.c("gAbs", bitsAbs), Y0, Y1)
	l.VMOVUPS(l.c(name, clamp), Y2)
	l.VMINPS(Y1, Y2, t)                       // t = min(|x|, clamp), NaN passes
	l.VANDPS(l.c("gSign", bitsSign), Y0, Y15) // sign of x
	l.VORPS(Y15, t, Y14)                      // xc
}

// xSigmoid emits geluTanh32's steps 2 to 5 (kernel's xSigmoid), x·σ(w),
// from Y0 = x, Y4 = wh, Y5 = wl (when hasWl; SiLU's wl is 0), Y14 = xc,
// Y15 = the sign of x, leaving the result in Y9 with x's sign.
func (l vl) xSigmoid(hasWl bool) {
	l.Comment("reduce −|w|")
	l.VMOVUPS(l.c("gShift", bitsShift), Y6)
	l.VFNMADD231PS(l.c("gLog2e", bitsLog2e), Y4, Y6) // z = −wh·log2e + shifter
	l.VSUBPS(l.c("gShift", bitsShift), Y6, Y7)       // nf
	l.VMOVAPS(Y4, Y8)
	l.VFNMSUB231PS(l.c("gLn2hi", bitsGeluLn2hi), Y7, Y8) // r = −nf·ln2hi − wh
	l.VFNMADD231PS(l.c("gLn2lo", bitsGeluLn2lo), Y7, Y8) // r −= nf·ln2lo
	if hasWl {
		l.VSUBPS(Y5, Y8, Y8) // r −= wl
	}
	l.geluExpm1(Y8, Y9, Y10)                           // w' in Y9
	l.geluPow2(l.c("gMagic", bitsMagic), Y6, Y10, Y11) // 2^n = Y10·Y11
	l.VMOVUPS(l.c("gOne", bitsOne), Y12)
	l.VADDPS(Y12, Y9, Y2) // 1 + w'
	l.VMULPS(Y10, Y2, Y2)
	l.VMULPS(Y11, Y2, Y2) // e = e^−|w|

	l.Comment("numerator a·(1+v): (xc, w') for x < 0, (1, 0) for x ≥ 0")
	l.VBLENDVPS(Y0, Y14, Y12, Y3) // a
	l.VPSRAD(U8(31), Y0, Y4)
	l.VANDPS(Y4, Y9, Y4)  // v
	l.VADDPS(Y2, Y12, Y5) // dh = 1 + e
	l.VSUBPS(Y5, Y12, Y6) // 1 − dh
	l.VADDPS(Y2, Y6, Y6)  // dl
	l.VMOVAPS(Y3, Y7)
	l.VFMADD231PS(Y4, Y3, Y7) // a·v + a
	l.VDIVPS(Y5, Y7, Y7)      // q0
	l.VMOVAPS(Y3, Y8)
	l.VFNMADD231PS(Y5, Y7, Y8) // ρ = a − q0·dh
	l.VFMADD231PS(Y4, Y3, Y8)  // ρ += a·v
	l.VFNMADD231PS(Y6, Y7, Y8) // ρ −= q0·dl
	l.VDIVPS(Y5, Y8, Y8)       // c = ρ/dh
	l.VADDPS(Y8, Y7, Y9)       // x < 0: (q0 + c)·2^n
	l.VMULPS(Y10, Y9, Y9)
	l.VMULPS(Y11, Y9, Y9)
	l.VMULPS(Y8, Y14, Y8)     // x ≥ 0: xc·c
	l.VFMADD231PS(Y7, Y0, Y8) // x·q0 + xc·c
	l.VBLENDVPS(Y0, Y9, Y8, Y9)
	l.VORPS(Y15, Y9, Y9) // the sign of x
}

// gelu: x·Φ(x) with Φ(−t) = ½·s·e^(−t²/2 + H(s)), s = 4/(4+t), t = |x|,
// the roundings of s and s − 1 recovered exactly and corrected in the
// exponent. Y13 holds 1 throughout.
var gelu = activation{
	name: "GELU",
	consts: func(g *gen, s isa) {
		for _, l := range g.lanesOf(s, lanesPer(s)) {
			l.VMOVUPS(l.c("gOne", bitsOne), Y13)
		}
	},
	body: func(g *gen, s isa, st stage, io *vio) func() {
		for i, l := range g.lanesOf(s, io.n) {
			l.gelu(io, i)
		}
		return nil
	},
}

// gelu computes vector i of io in lane l.
func (l vl) gelu(io *vio, i int) {
	io.load(i, l.r(Y0)) // x
	l.VANDPS(l.c("gAbs", bitsAbs), Y0, Y1)
	l.VMOVUPS(l.c("geClamp", bitsGeluClamp), Y2)
	l.VMINPS(Y1, Y2, Y1)                      // t = min(|x|, 15), NaN passes
	l.VANDPS(l.c("gSign", bitsSign), Y0, Y15) // sign of x
	l.VORPS(Y15, Y1, Y14)                     // xc

	l.Comment("s = 4/d, d = 4 + t, with their errors")
	l.VMOVUPS(l.c("geK", bitsGeluK), Y8)
	l.VADDPS(Y1, Y8, Y2)       // d = 4 + t
	l.VMAXPS(Y1, Y8, Y7)       // big = max(t, 4), NaN passes
	l.VMINPS(Y1, Y8, Y9)       // small = min(t, 4)
	l.VSUBPS(Y2, Y7, Y7)       // big − d
	l.VADDPS(Y9, Y7, Y7)       // ed = (big − d) + small
	l.VDIVPS(Y2, Y8, Y3)       // s = 4/d
	l.VFNMADD231PS(Y2, Y3, Y8) // ρ = 4 − s·d
	l.VMOVAPS(Y8, Y4)
	l.VFMSUB231PS(Y7, Y3, Y4) // sd = s·ed − ρ
	l.VSUBPS(Y13, Y3, Y5)     // u = s − 1
	l.VADDPS(Y13, Y5, Y6)
	l.VSUBPS(Y6, Y3, Y6) // eu = s − (u + 1)

	l.Comment("H = h1·u + u²·q(u)")
	l.VMOVUPS(l.c("geH11", bitsGeluH11), Y7)
	l.VFMADD213PS(l.c("geH10", bitsGeluH10), Y5, Y7)
	l.VFMADD213PS(l.c("geH9", bitsGeluH9), Y5, Y7)
	l.VFMADD213PS(l.c("geH8", bitsGeluH8), Y5, Y7)
	l.VFMADD213PS(l.c("geH7", bitsGeluH7), Y5, Y7)
	l.VFMADD213PS(l.c("geH6", bitsGeluH6), Y5, Y7)
	l.VFMADD213PS(l.c("geH5", bitsGeluH5), Y5, Y7)
	l.VFMADD213PS(l.c("geH4", bitsGeluH4), Y5, Y7)
	l.VFMADD213PS(l.c("geH3", bitsGeluH3), Y5, Y7)
	l.VFMADD213PS(l.c("geH2", bitsGeluH2), Y5, Y7) // q
	l.VMULPS(l.c("geH1", bitsGeluH1), Y5, Y8)      // ph
	l.VMOVAPS(Y8, Y9)
	l.VFMSUB231PS(l.c("geH1", bitsGeluH1), Y5, Y9) // pl = u·h1 − ph
	l.VMULPS(Y5, Y7, Y7)                           // u·q
	l.VMULPS(Y5, Y7, Y10)                          // rh = u·(u·q)

	l.Comment("−t²/2 = hs + hl")
	l.VMULPS(Y1, Y1, Y7) // sh
	l.VMOVAPS(Y7, Y11)
	l.VFMSUB231PS(Y1, Y1, Y11)                        // sl = t·t − sh
	l.VMULPS(l.c("geMHalf", bitsGeluMHalf), Y7, Y7)   // hs
	l.VMULPS(l.c("geMHalf", bitsGeluMHalf), Y11, Y11) // hl

	l.Comment("reduce")
	l.VADDPS(Y10, Y8, Y1) // ph + rh
	l.VADDPS(Y1, Y7, Y1)  // hs + (ph + rh)
	l.VMOVUPS(l.c("gShift", bitsShift), Y12)
	l.VFMADD231PS(l.c("gLog2e", bitsLog2e), Y1, Y12)     // z
	l.VSUBPS(l.c("gShift", bitsShift), Y12, Y1)          // nf
	l.VFNMADD231PS(l.c("gLn2hi", bitsGeluLn2hi), Y1, Y7) // r = hs − nf·ln2hi
	l.VADDPS(Y8, Y7, Y7)                                 // r += ph
	l.VFNMADD231PS(l.c("gLn2lo", bitsGeluLn2lo), Y1, Y7) // r −= nf·ln2lo
	l.VMOVUPS(l.c("geG3", bitsGeluG3), Y1)
	l.VFMADD213PS(l.c("geG2", bitsGeluG2), Y5, Y1)
	l.VFMADD213PS(l.c("geG1", bitsGeluG1), Y5, Y1)
	l.VFMADD213PS(l.c("geG0", bitsGeluG0), Y5, Y1) // g = G/4
	l.VSUBPS(l.c("geQuarter", bitsGeluQuarter), Y1, Y8)
	l.VMULPS(Y2, Y8, Y8)                                      // (g − ¼)·d
	l.VADDPS(Y11, Y9, Y9)                                     // pl + hl
	l.VADDPS(Y10, Y9, Y9)                                     // + rh
	l.VFMADD231PS(Y8, Y6, Y9)                                 // corr = eu·(g − ¼)·d + …
	l.VFNMADD231PS(Y1, Y4, Y9)                                // corr − sd·g
	l.VADDPS(Y9, Y7, Y7)                                      // r
	l.geluExpm1(Y7, Y8, Y9)                                   // w in Y8
	l.geluPow2(l.c("gMagic1", bitsGeluMagic1), Y12, Y10, Y11) // 2^(n−1) = Y10·Y11

	l.Comment("x < 0: (mh + (mh·w + (ml·w + ml)))·2^(n−1), mh + ml = xc·s")
	l.VMULPS(Y3, Y14, Y1) // mh
	l.VMOVAPS(Y1, Y2)
	l.VFMSUB231PS(Y3, Y14, Y2) // ml = xc·s − mh
	l.VMOVAPS(Y2, Y4)
	l.VFMADD231PS(Y8, Y2, Y4) // ml·w + ml
	l.VFMADD231PS(Y8, Y1, Y4) // mh·w + …
	l.VADDPS(Y4, Y1, Y4)
	l.VMULPS(Y10, Y4, Y4)
	l.VMULPS(Y11, Y4, Y4)
	l.Comment("x ≥ 0: x − xc·(s·w + s)·2^(n−1)")
	l.VMOVAPS(Y3, Y5)
	l.VFMADD231PS(Y8, Y3, Y5) // s·w + s
	l.VMULPS(Y10, Y5, Y5)
	l.VMULPS(Y11, Y5, Y5) // Φ(−t)
	l.VMOVAPS(Y0, Y6)
	l.VFNMADD231PS(Y5, Y14, Y6) // x − xc·Φ(−t)
	l.VBLENDVPS(Y0, Y4, Y6, Y4)
	l.VORPS(Y15, Y4, Y4) // the sign of x
	io.store(l.r(Y4), i)
}

func init() {
	register(file{"gelutanh_avx2_amd64.s", func(g *gen) { g.activation(lanesAt(geluTanh, avx2), avx2) }},
		file{"gelutanh_avx512_amd64.s", func(g *gen) { g.activation(lanesAt(geluTanh, avx512), avx512) }},
		file{"gelu_avx2_amd64.s", func(g *gen) { g.activation(lanesAt(gelu, avx2), avx2) }},
		file{"gelu_avx512_amd64.s", func(g *gen) { g.activation(lanesAt(gelu, avx512), avx512) }})
}
