package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// tanh: dst[i] = tanh(src[i]), within 2 ulp. With a = |x| and
// e = e^(−2a) = 2^n·(1+w),
//
//	tanh(a) = ((1−2^n) − 2^n·w) / ((1+2^n) + 2^n·w)
//
// −2a is clamped at −40 and reduced as in Exp, w = expm1(r) = r + r²·q(r)
// (q of degree 5, Horner), and the quotient is compensated: q0 = num/den
// (AVX2: VDIVPS) or num·y (AVX-512: y = VRCP14PS(den)), y = 1/den to 12
// or 14 bits, ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w (the exact
// num − q0·den), t = q0 + ρ·y. Inputs with |x| < 2^-13 (and NaN) are
// returned as they are, and t takes the sign of x (so tanh is odd to the
// bit). Those lanes are set to 0 before the reduction, whose result they
// do not use: a subnormal x (a cell state that decayed) would otherwise
// flow through some twenty operations, each a microcode assist on
// Intel's cores (16 times slower LSTMCell on a Sapphire Rapids class
// Xeon); the bits are the same.
const (
	bitsTanhM7    = 0x394e3300 // q(r) coefficients, r^5 down to r^0
	bitsTanhM6    = 0x3ab6a607
	bitsTanhM5    = 0x3c0889d6
	bitsTanhM4    = 0x3d2aaa75
	bitsTanhM3    = 0x3e2aaaaa
	bitsTanhM2    = 0x3f000000
	bitsTanhClamp = 0xc2200000 // −40
	bitsTanhNtiny = 0xb9000000 // −2^-13
)

// tanhConsts are the reduction's operands (c6..c2 unused) and q's
// coefficients.
type tanhConsts struct {
	expConsts
	m7, m6, m5, m4, m3, m2 Op
	clamp, ntiny, sign     Op
}

// tanhAVX512 are Tanh's constants at AVX-512, in Z17..Z30.
var tanhAVX512 = tanhConsts{
	expConsts: expConsts{log2e: Z17, shift: Z18, nln2hi: Z19, nln2lo: Z20, one: Z27},
	m7:        Z21, m6: Z22, m5: Z23, m4: Z24, m3: Z25, m2: Z26,
	clamp: Z28, ntiny: Z29, sign: Z30,
}

// tanhAVX2 are Tanh's constants at AVX2, all memory operands: three
// vectors in flight need all sixteen registers.
func (g *gen) tanhAVX2() tanhConsts {
	return tanhConsts{
		expConsts: expConsts{
			log2e: g.splat("expLog2e", bitsLog2e), shift: g.splat("expShift", bitsShift),
			nln2hi: g.splat("expNln2hi", bitsNln2hi), nln2lo: g.splat("expNln2lo", bitsNln2lo),
			one: g.splat("expOne", bitsOne),
		},
		m7: g.splat("tanhM7", bitsTanhM7), m6: g.splat("tanhM6", bitsTanhM6),
		m5: g.splat("tanhM5", bitsTanhM5), m4: g.splat("tanhM4", bitsTanhM4),
		m3: g.splat("tanhM3", bitsTanhM3), m2: g.splat("tanhM2", bitsTanhM2),
		clamp: g.splat("tanhClamp", bitsTanhClamp), ntiny: g.splat("tanhNtiny", bitsTanhNtiny),
		sign: g.splat("expSign", bitsSign),
	}
}

// tanhAt is tanh with the loop shape of s: at AVX2 three vectors per
// iteration, interleaved step by step (A in Y0..Y4, B in Y5..Y9, C in
// Y10..Y14, Y15 scratch; x is read from src again at the end rather than
// kept), and a 24-element buffer tail; at AVX-512 two pairs, then one
// pair, then one pair under K1 and K4.
func tanhAt(s isa) activation {
	k := activation{name: "Tanh", consts: tanhConsts512, body: tanhBody}
	if s.masked {
		k.main, k.group, k.step, k.stepOnce, k.tail = 4, 2, 2, true, 2
	} else {
		k.main, k.group, k.tail, k.srcInBuf = 3, 3, 3, true
	}
	return k
}

// tanhConsts512 broadcasts Tanh's constants at AVX-512 (at AVX2 they
// are memory operands).
func tanhConsts512(g *gen, s isa) {
	if !s.masked {
		return
	}
	c := tanhAVX512
	g.bcastExp(c.expConsts, false)
	regs := []Op{c.m7, c.m6, c.m5, c.m4, c.m3, c.m2, c.one, c.clamp, c.ntiny, c.sign}
	for i, bits := range []uint32{bitsTanhM7, bitsTanhM6, bitsTanhM5, bitsTanhM4, bitsTanhM3, bitsTanhM2,
		bitsOne, bitsTanhClamp, bitsTanhNtiny, bitsSign} {
		g.bcast(bits, regs[i].(VecPhysical))
	}
}

// tanhBody computes the vectors of one group: two at AVX-512, three at
// AVX2, interleaved step by step.
func tanhBody(g *gen, s isa, st stage, io *vio) func() {
	if s.masked {
		c := tanhAVX512
		io.load(0, Z0)
		io.load(1, Z8)
		g.tanhReduce512(c, Z0, Z2, Z3, Z4, K2)
		g.tanhReduce512(c, Z8, Z10, Z11, Z12, K3)
		g.tanhPoly(c, Z2, Z4, Z5, g.VMOVAPS)
		g.tanhPoly(c, Z10, Z12, Z13, g.VMOVAPS)
		g.tanhQuot512(c, Z3, Z4, Z6, Z7, Z1, Z2, Z5)
		g.tanhQuot512(c, Z11, Z12, Z14, Z15, Z9, Z10, Z13)
		for _, f := range []struct {
			x, t VecPhysical
			k    OpmaskPhysical
		}{{Z0, Z5, K2}, {Z8, Z13, K3}} {
			g.VPTERNLOGD(imm8(0xf8), c.sign, f.x, f.t) // t |= x & sign
			g.VMOVAPS(f.x, f.k, f.t)                   // x itself where tiny
		}
		io.store(Z5, 0)
		io.store(Z13, 1)
		return nil
	}
	c := g.tanhAVX2()
	// Vector i uses Y(5i)..Y(5i+4).
	y := func(i, j int) VecPhysical { return s.v(5*i + j) }
	for i := 0; i < 3; i++ { // r, zb, n
		g.VMOVUPS(io.mem(i), y(i, 0))
		g.VORPS(c.sign, y(i, 0), y(i, 0))           // −|x|
		g.VCMPPS(imm8(0x06), c.ntiny, y(i, 0), Y15) // !(−|x| ≤ −2^-13): tiny, or NaN
		g.VANDNPS(y(i, 0), Y15, y(i, 0))            // 0 there (x itself is the result): no subnormals below
		g.VADDPS(y(i, 0), y(i, 0), y(i, 0))         // −2|x|, exact
		g.VMAXPS(c.clamp, y(i, 0), y(i, 0))         // clamp at −40
		g.expShift(c.expConsts, y(i, 0), y(i, 1), y(i, 2), g.VMOVUPS)
	}
	for i := 0; i < 3; i++ { // w = expm1(r) in y2, r² in y3
		g.tanhPoly(c, y(i, 0), y(i, 2), y(i, 3), g.VMOVUPS)
	}
	for i := 0; i < 3; i++ { // s = 2^n in y1, 1−s in y0, q0 in y3, y ≈ 1/den in y4
		zb, w, oms, q0, yr := y(i, 1), y(i, 2), y(i, 0), y(i, 3), y(i, 4)
		g.VPSLLD(imm8(23), zb, zb) // s = 2^n, n in [−58, 0]
		g.VMOVUPS(c.one, oms)
		g.VSUBPS(zb, oms, oms) // 1 − s, exact
		g.VMOVAPS(w, q0)
		g.VFNMADD213PS(oms, zb, q0) // num = (1−s) − s·w
		g.VADDPS(c.one, zb, yr)     // 1 + s
		g.VFMADD231PS(w, zb, yr)    // den = (1+s) + s·w
		g.VDIVPS(yr, q0, q0)        // q0 = num/den
		g.VRCPPS(yr, yr)            // y ≈ 1/den
	}
	for i := 0; i < 3; i++ { // t = q0 + ρ·y in y3
		sr, w, oms, q0, yr := y(i, 1), y(i, 2), y(i, 0), y(i, 3), y(i, 4)
		g.VADDPS(c.one, sr, Y15)     // 1 + s, again
		g.VFNMADD231PS(Y15, q0, oms) // ρ = (1−s) − q0·(1+s)
		g.VFNMADD231PS(w, sr, oms)   // ρ −= s·w
		g.VMULPS(q0, sr, sr)         // q0·s, exact
		g.VFNMADD231PS(w, sr, oms)   // ρ −= (q0·s)·w
		g.VFMADD231PS(oms, yr, q0)   // t = q0 + ρ·y
	}
	for i := 0; i < 3; i++ { // the sign of x, and x itself where |x| < 2^-13 or NaN
		t, x, t1, t2 := y(i, 3), y(i, 1), y(i, 2), y(i, 0)
		g.VMOVUPS(io.mem(i), x)
		g.VANDPS(c.sign, x, t1)
		g.VORPS(t1, t, t)
		g.VORPS(c.sign, x, t2)                // −|x|
		g.VCMPPS(imm8(0x06), c.ntiny, t2, t2) // !(−|x| ≤ −2^-13): tiny, or NaN
		g.VBLENDVPS(t2, x, t, t)
	}
	for i := 0; i < 3; i++ {
		io.store(y(i, 3), i)
	}
	return nil
}

// tanhReduce512: r = the reduced −2|x|, zb = the shifter sum, nf = n, and
// k = (−|x| > −2^-13), false for NaN.
func (g *gen) tanhReduce512(c tanhConsts, x, r, zb, nf VecPhysical, k OpmaskPhysical) {
	g.VORPS(c.sign, x, r)             // −|x|
	g.VCMPPS(imm8(14), c.ntiny, r, k) // k = (−|x| > −2^-13)
	g.VXORPS(r, r, k, r)              // 0 where tiny (x itself is the result there): no subnormals below
	g.VADDPS(r, r, r)                 // −2|x|, exact
	g.VMAXPS(r, c.clamp, r)           // clamp at −40; NaN passes (second source)
	g.expShift(c.expConsts, r, zb, nf, g.VMOVAPS)
}

// tanhPoly: w = expm1(r) = r + r²·q(r), with r2 = r².
func (g *gen) tanhPoly(c tanhConsts, r, w, r2 VecPhysical, mov func(...Op)) {
	mov(c.m7, w)
	g.VFMADD213PS(c.m6, r, w)
	g.VFMADD213PS(c.m5, r, w)
	g.VFMADD213PS(c.m4, r, w)
	g.VFMADD213PS(c.m3, r, w)
	g.VFMADD213PS(c.m2, r, w)
	g.VMULPS(r, r, r2)
	g.VFMADD213PS(r, r2, w) // w = r²·q + r
}

// tanhQuot512: q0 = t = |tanh x| from zb (the shifter sum) and w, the
// compensated quotient started from VRCP14PS.
func (g *gen) tanhQuot512(c tanhConsts, zb, w, oms, ops, num, y, q0 VecPhysical) {
	g.VPSLLD(imm8(23), zb, zb) // s = 2^n (n in [−58, 0])
	g.VSUBPS(zb, c.one, oms)   // 1 − s, exact
	g.VADDPS(zb, c.one, ops)   // 1 + s (exact for n ≥ −23)
	g.VMOVAPS(w, num)
	g.VFNMADD213PS(oms, zb, num) // num = (1−s) − s·w
	g.VMOVAPS(w, q0)
	g.VFMADD213PS(ops, zb, q0)   // den = (1+s) + s·w
	g.VRCP14PS(q0, y)            // y ≈ 1/den to 2^-14
	g.VMULPS(y, num, q0)         // q0 = num·y
	g.VFNMADD231PS(ops, q0, oms) // ρ = (1−s) − q0·(1+s)
	g.VFNMADD231PS(w, zb, oms)   // ρ −= s·w
	g.VMULPS(q0, zb, zb)         // q0·s, exact
	g.VFNMADD231PS(w, zb, oms)   // ρ −= (q0·s)·w
	g.VFMADD231PS(oms, y, q0)    // t = q0 + ρ·y
}
