package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The exp family's range reduction, shared by Exp, Sigmoid and Tanh (and
// by any activation built on e^x): n = round(x·log2e) by adding the
// shifter 1.5·2^23+127 (n+127 lands in the sum's low bits),
// r = x − n·ln2hi − n·ln2lo (two FMAs, the first exact), and
// e^r ≈ 1 + r·(1 + r·(1/2 + r·(c3 + r·(c4 + r·(c5 + r·c6))))) by Horner.
// kernel/activation.go documents the algorithm and its error;
// kernel/activation_generic.go is the same in Go.
const (
	bitsLog2e  = 0x3fb8aa3b
	bitsShift  = 0x4b40007f // 1.5·2^23 + 127
	bitsNln2hi = 0xbf317218
	bitsNln2lo = 0x3102e308
	bitsC6     = 0x3ab7f92a
	bitsC5     = 0x3c092be9
	bitsC4     = 0x3d2aa97f
	bitsC3     = 0x3e2aaa33
	bitsC2     = 0x3f000000
	bitsOne    = 0x3f800000
	bitsXmin   = 0xc2d00000 // −104: e^x is +0 below −103.97
	bitsXmax   = 0x42b20000 // 89: e^x is +Inf above 88.72
	bitsAbs    = 0x7fffffff
	bitsSign   = 0x80000000
	bitsFast   = 0x42af0000 // 87.5: |x| ≤ this keeps 2^n normal
	bitsMagic  = 0x4b400000 // the shifter's bits without the bias
)

// expConsts are the operands of the reduction and the polynomial: a
// register or a memory operand each.
type expConsts struct {
	log2e, shift, nln2hi, nln2lo Op
	c6, c5, c4, c3, c2, one      Op
	xmin, xmax                   Op
	// bcst: the memory operands are 4-byte scalars, read by the FMAs
	// with an embedded broadcast (AVX-512's .BCST) and by VBROADCASTSS.
	bcst bool
}

// fma231 is VFMADD231PS, with an embedded broadcast of a memory operand
// if c.bcst.
func (g *gen) fma231(c expConsts, a, b, acc Op) {
	if _, mem := a.(Mem); mem && c.bcst {
		g.VFMADD231PS_BCST(a, b, acc)
		return
	}
	g.VFMADD231PS(a, b, acc)
}

// fma213 is VFMADD213PS, with an embedded broadcast of a memory operand
// if c.bcst.
func (g *gen) fma213(c expConsts, a, b, acc Op) {
	if _, mem := a.(Mem); mem && c.bcst {
		g.VFMADD213PS_BCST(a, b, acc)
		return
	}
	g.VFMADD213PS(a, b, acc)
}

// splat is a 32-byte constant of eight copies of bits, defined once per
// file.
func (g *gen) splat(name string, bits uint32) Mem {
	if m, ok := g.data[name]; ok {
		return m
	}
	m := g.StaticGlobal(name)
	g.DataAttributes(attrRODATA)
	for i := 0; i < 8; i++ {
		g.AddDatum(4*i, U32(bits))
	}
	g.data[name] = m
	return m
}

// bcastExp broadcasts the reduction's constants (log2e, the shifter,
// −ln2hi, −ln2lo) and, with poly, the polynomial's (c6 down to c2, and
// one) to their registers in c, in that order.
func (g *gen) bcastExp(c expConsts, poly bool) {
	ops := []Op{c.log2e, c.shift, c.nln2hi, c.nln2lo}
	bits := []uint32{bitsLog2e, bitsShift, bitsNln2hi, bitsNln2lo}
	if poly {
		ops = append(ops, c.c6, c.c5, c.c4, c.c3, c.c2, c.one)
		bits = append(bits, bitsC6, bitsC5, bitsC4, bitsC3, bitsC2, bitsOne)
	}
	for i, op := range ops {
		g.bcast(bits[i], op.(VecPhysical))
	}
}

// bcast sets all lanes of z to the float32 with the given bits (AX is
// scratch).
func (g *gen) bcast(bits uint32, z VecPhysical) {
	g.MOVL(U32(bits), EAX)
	g.VPBROADCASTD(EAX, z)
}

// expReduce clamps x to [xmin, xmax] (VMAXPS/VMINPS return their second
// source, Go's first operand, when either is NaN, so NaN passes) and
// reduces it: zb = x·log2e + shifter (n+127 in its low bits), nf = n,
// x = r. zb may be nf.
func (g *gen) expReduce(c expConsts, x, zb, nf VecPhysical) {
	g.VMAXPS(x, c.xmin, x)
	g.VMINPS(x, c.xmax, x)
	g.expShift(c, x, zb, nf, g.VMOVAPS)
}

// expShift reduces x, already clamped: zb = x·log2e + shifter, nf = n,
// x = r; mov loads the shifter into zb.
func (g *gen) expShift(c expConsts, x, zb, nf VecPhysical, mov func(...Op)) {
	mov(c.shift, zb)
	g.VFMADD231PS(c.log2e, x, zb)
	g.VSUBPS(c.shift, zb, nf)
	g.fma231(c, c.nln2hi, nf, x) // x − n·ln2hi, exact
	g.fma231(c, c.nln2lo, nf, x) // r
}

// expPoly sets p = e^r ≈ 1 + r·p(r) for r in x, by Horner's rule.
func (g *gen) expPoly(c expConsts, x, p VecPhysical, mov func(...Op)) {
	mov(c.c6, p)
	for _, k := range []Op{c.c5, c.c4, c.c3, c.c2, c.one, c.one} {
		g.fma213(c, k, x, p)
	}
}

// expScale1 sets p ·= 2^n for n in [−126, 127] (AVX2): the biased
// exponent n+127 in zb's low bits, shifted left by 23, drops the
// shifter's bits.
func (g *gen) expScale1(zb, p VecPhysical) {
	g.VPSLLD(imm8(23), zb, zb)
	g.VMULPS(zb, p, p)
}

// expScale2 sets p ·= 2^n for any n in [−150, 128] (AVX2), as
// (p·2^(a−63))·2^(b−64) where m = n+127, a = m>>1, b = m−a: both factors
// normal, the first product exact, the second rounded once, which gives
// gradual underflow and overflow to +Inf exactly as float32 does. t is
// scratch.
func (g *gen) expScale2(pre string, zb, p, t VecPhysical) {
	g.VPSUBD(g.splat(pre+"Magic", bitsMagic), zb, zb) // m = n + 127
	g.VPSRAD(imm8(1), zb, t)                          // a
	g.VPSUBD(t, zb, zb)                               // b = m − a
	g.VPADDD(g.splat(pre+"64", 64), t, t)             // biased exponent of 2^(a−63)
	g.VPADDD(g.splat(pre+"63", 63), zb, zb)           // biased exponent of 2^(b−64)
	g.VPSLLD(imm8(23), t, t)
	g.VPSLLD(imm8(23), zb, zb)
	g.VMULPS(t, p, p)  // exact
	g.VMULPS(zb, p, p) // rounded once
}

// bigLanes sets flag to the lanes where max |x| over xs is above 87.5
// (or NaN), on the integer bits: a float maximum would let a NaN in one
// vector hide a large |x| in another. t0 and t1 are scratch.
func (g *gen) bigLanes(pre string, xs []VecPhysical, t0, t1 VecPhysical, flag GPPhysical) {
	abs := g.splat(pre+"Abs", bitsAbs)
	g.VPAND(abs, xs[0], t0)
	for _, x := range xs[1:] {
		g.VPAND(abs, x, t1)
		g.VPMAXSD(t1, t0, t0)
	}
	g.VPCMPGTD(g.splat(pre+"Fast", bitsFast), t0, t0)
	g.VMOVMSKPS(t0, flag)
}

// expAVX2Consts are Exp's constants at AVX2: one, the shifter and the clamp
// bounds in Y12..Y15, the rest memory operands.
func (g *gen) expAVX2Consts() expConsts {
	return expConsts{
		log2e: g.splat("expLog2e", bitsLog2e), shift: Y13,
		nln2hi: g.splat("expNln2hi", bitsNln2hi), nln2lo: g.splat("expNln2lo", bitsNln2lo),
		c6: g.splat("expC6", bitsC6), c5: g.splat("expC5", bitsC5), c4: g.splat("expC4", bitsC4),
		c3: g.splat("expC3", bitsC3), c2: g.splat("expC2", bitsC2), one: Y12,
		xmin: Y14, xmax: Y15,
	}
}

// expAVX512 are Exp's constants at AVX-512, all in Z16..Z27.
var expAVX512 = expConsts{
	log2e: Z16, shift: Z17, nln2hi: Z18, nln2lo: Z19,
	c6: Z20, c5: Z21, c4: Z22, c3: Z23, c2: Z24, one: Z25,
	xmin: Z26, xmax: Z27,
}

// exp: dst[i] = e^src[i], within 1 ulp. At AVX-512, VSCALEFPS(p, n) =
// p·2^n rounded once. At AVX2, 2^n is built in the exponent bits: when
// every |x| of the four vectors of an iteration is ≤ 87.5, n is in
// [−126, 126] and one multiply does (expScale1); otherwise, and always
// for the last vectors, expScale2.
var exp = activation{
	name: "Exp",
	consts: func(g *gen, s isa) {
		if s.masked {
			g.bcastExp(expAVX512, true)
			g.bcast(bitsXmin, expAVX512.xmin.(VecPhysical))
			g.bcast(bitsXmax, expAVX512.xmax.(VecPhysical))
			return
		}
		g.VMOVUPS(g.splat("expOne", bitsOne), Y12)
		g.VMOVUPS(g.splat("expShift", bitsShift), Y13)
		g.VMOVUPS(g.splat("expXmin", bitsXmin), Y14)
		g.VMOVUPS(g.splat("expXmax", bitsXmax), Y15)
	},
	main: 4, group: 4, step: 1, tail: 1,
	body: func(g *gen, s isa, st stage, io *vio) func() {
		n, v := io.n, s.v
		for i := 0; i < n; i++ {
			io.load(i, v(i))
		}
		if s.masked {
			c := expAVX512
			for i := 0; i < n; i++ {
				g.expReduce(c, v(i), v(4+i), v(4+i))
			}
			for i := 0; i < n; i++ {
				g.expPoly(c, v(i), v(8+i), g.VMOVAPS)
			}
			for i := 0; i < n; i++ {
				g.VSCALEFPS(v(4+i), v(8+i), v(8+i)) // p·2^n, rounded once
			}
			for i := 0; i < n; i++ {
				io.store(v(8+i), i)
			}
			return nil
		}
		c := g.expAVX2Consts()
		if st == mainStage {
			g.bigLanes("exp", []VecPhysical{Y0, Y1, Y2, Y3}, Y8, Y9, EBX)
		}
		for i := 0; i < n; i++ {
			g.expReduce(c, v(i), v(4+i), v(8+i))
		}
		for i := 0; i < n; i++ {
			g.expPoly(c, v(i), v(8+i), g.VMOVAPS)
		}
		if st != mainStage {
			g.expScale2("exp", Y4, Y8, Y0)
			io.store(Y8, 0)
			return nil
		}
		g.TESTL(EBX, EBX)
		g.JNZ(LabelRef("wide32"))
		for i := 0; i < n; i++ {
			g.expScale1(v(4+i), v(8+i))
		}
		g.Label("store32")
		for i := 0; i < n; i++ {
			io.store(v(8+i), i)
		}
		return func() {
			g.Comment("Some lane may under- or overflow 2^n: scale all four in two steps.")
			g.Label("wide32")
			for i := 0; i < n; i++ {
				g.expScale2("exp", v(4+i), v(8+i), v(i))
			}
			g.JMP(LabelRef("store32"))
		}
	},
}
