package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// sigmoid: dst[i] = 1/(1+e^−src[i]), within 2 ulp. e = e^(−|x|) as Exp
// computes it (clamped at −104, so subnormal results underflow
// gradually), then σ = num/(1+e), num = 1 for x ≥ 0 and e for x < 0, as a
// compensated quotient: 1+e = dh + dl exactly (Fast2Sum), q0 = num/dh
// (AVX2: VDIVPS) or num·y (AVX-512: y = VRCP14PS(dh)), ρ = num − q0·dh −
// q0·dl (two FMAs), σ = q0 + ρ·y. Two vectors' chains are interleaved.
var sigmoid = activation{
	name: "Sigmoid",
	consts: func(g *gen, s isa) {
		if s.masked {
			g.bcastExp(sigmoidAVX512, true)
			g.bcast(bitsXmin, sigmoidAVX512.xmin.(VecPhysical))
			g.bcast(bitsSign, Z31)
			return
		}
		g.VMOVUPS(g.splat("expOne", bitsOne), Y14)
		g.VMOVUPS(g.splat("expXmin", bitsXmin), Y15)
	},
	body: func(g *gen, s isa, st stage, io *vio) func() {
		if s.masked {
			io.load(0, Z0)
			io.load(1, Z8)
			c := sigmoidAVX512
			g.sigmoidExp512(c, Z31, Z0, Z1, Z2, Z3)
			g.sigmoidExp512(c, Z31, Z8, Z9, Z10, Z11)
			g.sigmoidQuot512(c, Z0, Z3, Z4, Z2, Z1, Z6, Z5, K2)
			g.sigmoidQuot512(c, Z8, Z11, Z12, Z10, Z9, Z14, Z13, K3)
			io.store(Z5, 0)
			io.store(Z13, 1)
			return nil
		}
		if st != mainStage {
			io.load(0, Y0)
			g.sigmoidE2(Y0, Y4, Y5, Y6, Y7)
			g.expScale2("exp", Y5, Y7, Y6)
			g.sigmoidQuot2(Y0, Y4, Y5, Y6, Y7, Y8)
			io.store(Y5, 0)
			return nil
		}
		for i := 0; i < 4; i++ {
			io.load(i, s.v(i))
		}
		g.bigLanes("exp", []VecPhysical{Y0, Y1, Y2, Y3}, Y4, Y5, EBX)
		g.TESTL(EBX, EBX)
		g.JNZ(LabelRef("wide32"))
		pairs := func(scale func(zb, p, t VecPhysical)) {
			for _, xs := range [][2]VecPhysical{{Y0, Y1}, {Y2, Y3}} {
				g.sigmoidE2(xs[0], Y4, Y5, Y6, Y7)
				g.sigmoidE2(xs[1], Y9, Y10, Y11, Y12)
				scale(Y5, Y7, Y6)
				scale(Y10, Y12, Y11)
				g.sigmoidQuot2(xs[0], Y4, Y5, Y6, Y7, Y8)
				g.sigmoidQuot2(xs[1], Y9, Y10, Y11, Y12, Y13)
				i := int(xs[0].PhysicalIndex())
				io.store(Y5, i)
				io.store(Y10, i+1)
			}
		}
		pairs(func(zb, p, t VecPhysical) { g.expScale1(zb, p) })
		next := io.nextLabel()
		return func() {
			g.Comment("Some |x| exceeds 87.5 (or is NaN): scale in two steps.")
			g.Label("wide32")
			pairs(func(zb, p, t VecPhysical) { g.expScale2("exp", zb, p, t) })
			g.JMP(next)
		}
	},
}

// sigmoidAVX512 are Sigmoid's constants at AVX-512, in Z20..Z30 (the sign
// bit in Z31).
var sigmoidAVX512 = expConsts{
	log2e: Z20, shift: Z21, nln2hi: Z22, nln2lo: Z23,
	c6: Z24, c5: Z25, c4: Z26, c3: Z27, c2: Z28, one: Z29, xmin: Z30,
}

// sigmoidE2 (AVX2): p = e^r and zb = the shifter sum for −|x|, x in x; r
// and nf are scratch.
func (g *gen) sigmoidE2(x, r, zb, nf, p VecPhysical) {
	c := expConsts{
		log2e: g.splat("expLog2e", bitsLog2e), shift: g.splat("expShift", bitsShift),
		nln2hi: g.splat("expNln2hi", bitsNln2hi), nln2lo: g.splat("expNln2lo", bitsNln2lo),
		c6: g.splat("expC6", bitsC6), c5: g.splat("expC5", bitsC5), c4: g.splat("expC4", bitsC4),
		c3: g.splat("expC3", bitsC3), c2: g.splat("expC2", bitsC2), one: Y14, xmin: Y15,
	}
	g.VORPS(g.splat("expSign", bitsSign), x, r) // −|x|
	g.VMAXPS(r, c.xmin, r)                      // clamp at −104; NaN passes (second source)
	g.expShift(c, r, zb, nf, g.VMOVUPS)
	g.expPoly(c, r, p, g.VMOVUPS)
}

// sigmoidQuot2 (AVX2): q0 = σ from e in p and x in x; r, nf, dh are
// scratch, and p is reused for y.
func (g *gen) sigmoidQuot2(x, r, q0, nf, p, dh VecPhysical) {
	g.VADDPS(p, Y14, dh)      // dh = 1 + e
	g.VSUBPS(dh, Y14, nf)     // 1 − dh, exact
	g.VADDPS(p, nf, nf)       // dl = (1 − dh) + e, exact
	g.VBLENDVPS(x, p, Y14, r) // num = e where x's sign bit is set, else 1
	g.VDIVPS(dh, r, q0)       // q0 = num/dh
	g.VRCPPS(dh, p)           // y ≈ 1/dh
	g.VFNMADD231PS(dh, q0, r) // ρ = num − q0·dh (exact)
	g.VFNMADD231PS(nf, q0, r) // ρ −= q0·dl
	g.VFMADD231PS(r, p, q0)   // σ = q0 + ρ·y
}

// sigmoidExp512: e = e^(−|x|) = VSCALEFPS(e^r, n), with the constants
// c and the sign bit in sign; r and nf are scratch.
func (g *gen) sigmoidExp512(c expConsts, sign, x, r, nf, e VecPhysical) {
	g.VORPS(sign, x, r)    // −|x|
	g.VMAXPS(r, c.xmin, r) // clamp at −104; NaN passes (second source)
	g.expShift(c, r, nf, nf, g.VMOVAPS)
	g.expPoly(c, r, e, g.VMOVAPS)
	g.VSCALEFPS(nf, e, e) // e = e^r·2^n, rounded once
}

// sigmoidQuot512: t = num/(1+e), compensated, with 1 in c.one; k is
// scratch.
func (g *gen) sigmoidQuot512(c expConsts, x, e, dh, dl, num, y, t VecPhysical, k OpmaskPhysical) {
	one := c.one
	g.VADDPS(e, one, dh)        // dh = 1 + e, rounded
	g.VSUBPS(dh, one, dl)       // 1 − dh, exact
	g.VADDPS(e, dl, dl)         // dl = (1 − dh) + e, exact: 1+e = dh+dl
	g.VPMOVD2M(x, k)            // k = sign bits of x
	g.VBLENDMPS(e, one, k, num) // num = e where x < 0, else 1
	g.VRCP14PS(dh, y)           // y ≈ 1/dh to 2^-14
	g.VMULPS(y, num, t)         // q0 = num·y
	g.VFNMADD231PS(dh, t, num)  // ρ = num − q0·dh (exact)
	g.VFNMADD231PS(dl, t, num)  // ρ −= q0·dl
	g.VFMADD231PS(num, y, t)    // σ = q0 + ρ·y
}

// sigmoidAt is sigmoid with the loop shape of s: at AVX2 four vectors per
// iteration (two interleaved pairs, with Exp's test for the two-step
// scaling), then one at a time, and an eight-element buffer tail; at
// AVX-512 two pairs, then one pair, then one pair under K1 and K4.
func sigmoidAt(s isa) activation {
	k := sigmoid
	if s.masked {
		k.main, k.group, k.step, k.stepOnce, k.tail = 4, 2, 2, true, 2
	} else {
		k.main, k.group, k.step, k.tail = 4, 4, 1, 1
	}
	return k
}
