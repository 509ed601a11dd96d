package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// An expSum kernel is pass 2 of the softmax family: e^(x[i] − m) for
// every element by Exp's algorithm, their sum returned, and (if store)
// each written to dst. Since x[i] − m ≤ 0 the upper clamp is dropped and
// n is in [−150, 0]. At AVX-512, VSCALEFPS applies 2^n; at AVX2, 2^n is
// applied as 2^(n+24)·2^-24: the shifter carries the bias 127+24, so its
// bits shifted left by 23 are 2^(n+24), always normal; the first product
// is exact and the multiply by 2^-24 rounds once, the same single
// rounding as Exp's two-step scaling, without a branch.
//
// Four vectors per iteration, then one, then the tail: at AVX-512 under
// K1 (added merge-masked); at AVX2 through a stack buffer padded with
// −Inf, whose exponentials add exactly 0.
type expSum struct {
	name  string
	sig   string
	store bool // write e^(x[i] − m) to dst
}

var (
	expShiftSum = expSum{"ExpShiftSum", "func(dst, src []float32, m float32) float32", true}
	sumExpShift = expSum{"SumExpShift", "func(x []float32, m float32) float32", false}
)

const (
	bitsShift151 = 0x4b400097 // 1.5·2^23 + 151
	bitsTwoM24   = 0x33800000 // 2^-24
	bitsNegInf   = 0xff800000
)

// expSumAVX512 are the constants at AVX-512, in Z16..Z26.
var expSumAVX512 = expConsts{
	log2e: Z16, shift: Z17, nln2hi: Z18, nln2lo: Z19,
	c6: Z20, c5: Z21, c4: Z22, c3: Z23, c2: Z24, one: Z25, xmin: Z26,
}

// expSum emits k's kernel for s.
func (g *gen) expSum(k expSum, s isa) {
	name := k.name + s.suffix
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(k.sig)
	var buf Mem
	if !s.masked {
		buf = g.AllocLocal(s.bytes)
	}
	src := "x"
	if k.store {
		g.Load(g.Param("dst").Base(), RDI)
		src = "src"
	}
	g.Load(g.Param(src).Base(), RSI)
	g.Load(g.Param(src).Len(), RCX)

	var (
		m    VecPhysical
		accs []VecPhysical
		c    expConsts
		// exp sets p = e^(x − m) for x in x; x and zb are scratch.
		exp func(x, zb, p VecPhysical)
	)
	if s.masked {
		m, c, accs = Z15, expSumAVX512, []VecPhysical{Z27, Z28, Z29, Z30}
		g.VBROADCASTSS(g.addr(g.Param("m")), m)
		g.bcastExp(c, true)
		g.bcast(bitsXmin, c.xmin.(VecPhysical))
		for _, a := range accs {
			g.VPXORD(a, a, a)
		}
		exp = func(x, nf, p VecPhysical) {
			g.VSUBPS(m, x, x)      // x − m ≤ 0
			g.VMAXPS(x, c.xmin, x) // clamp at −104
			g.expShift(c, x, nf, nf, g.VMOVAPS)
			g.expPoly(c, x, p, g.VMOVAPS)
			g.VSCALEFPS(nf, p, p) // p·2^n, rounded once
		}
	} else {
		m, accs = Y13, []VecPhysical{Y12}
		c = expConsts{
			log2e: g.splat("expLog2e", bitsLog2e), shift: Y15,
			nln2hi: g.splat("expNln2hi", bitsNln2hi), nln2lo: g.splat("expNln2lo", bitsNln2lo),
			c6: g.splat("expC6", bitsC6), c5: g.splat("expC5", bitsC5), c4: g.splat("expC4", bitsC4),
			c3: g.splat("expC3", bitsC3), c2: g.splat("expC2", bitsC2), one: Y14,
			xmin: g.splat("expXmin", bitsXmin), // a memory operand: no NaN reaches the clamp
		}
		g.VBROADCASTSS(g.addr(g.Param("m")), m)
		g.VMOVUPS(g.splat("expOne", bitsOne), Y14)
		g.VMOVUPS(g.splat("expShift151", bitsShift151), Y15)
		g.VXORPS(Y12, Y12, Y12)
		exp = func(x, zb, p VecPhysical) {
			g.VSUBPS(m, x, x)      // x − m ≤ 0
			g.VMAXPS(c.xmin, x, x) // clamp at −104
			g.expShift(c, x, zb, p, g.VMOVAPS)
			g.expPoly(c, x, p, g.VMOVUPS)
			g.VPSLLD(imm8(23), zb, zb)                       // 2^(n+24)
			g.VMULPS(zb, p, p)                               // exact
			g.VMULPS(g.splat("expTwoM24", bitsTwoM24), p, p) // ·2^-24, rounded once
		}
	}

	lanes := s.lanes()
	advance := func(vecs int) {
		g.ADDQ(imm(vecs*s.bytes), RSI)
		if k.store {
			g.ADDQ(imm(vecs*s.bytes), RDI)
		}
		g.SUBQ(imm(vecs*lanes), RCX)
	}
	// Register triples (x, scratch, e^(x−m)) of the four vectors.
	var xs, zs, ps [4]VecPhysical
	for i := range xs {
		if s.masked {
			xs[i], zs[i], ps[i] = s.v(i), s.v(4+i), s.v(8+i)
		} else {
			xs[i], zs[i], ps[i] = s.v(3*i), s.v(3*i+1), s.v(3*i+2)
		}
	}

	lmain, lone := fmt.Sprintf("loop%d", 4*lanes), fmt.Sprintf("loop%d", lanes)
	g.Comment(fmt.Sprintf("Main loop: %d elements (four vectors) per iteration, interleaved.", 4*lanes))
	g.Label(lmain)
	g.CMPQ(RCX, imm(4*lanes))
	g.JB(LabelRef(lone))
	for i := range xs {
		g.VMOVUPS(at(RSI, i*s.bytes), xs[i])
	}
	for i := range xs {
		exp(xs[i], zs[i], ps[i])
	}
	for i := range xs {
		if k.store {
			g.VMOVUPS(ps[i], at(RDI, i*s.bytes))
		}
	}
	if s.masked {
		for i := range xs {
			g.VADDPS(ps[i], accs[i], accs[i])
		}
	} else {
		g.VADDPS(ps[1], ps[0], ps[0])
		g.VADDPS(ps[3], ps[2], ps[2])
		g.VADDPS(ps[2], ps[0], ps[0])
		g.VADDPS(ps[0], accs[0], accs[0])
	}
	advance(4)
	g.JMP(LabelRef(lmain))

	g.Comment(fmt.Sprintf("One vector at a time while %d or more are left.", lanes))
	g.Label(lone)
	g.CMPQ(RCX, imm(lanes))
	g.JB(LabelRef("tail"))
	g.VMOVUPS(at(RSI, 0), xs[0])
	exp(xs[0], zs[0], ps[0])
	if k.store {
		g.VMOVUPS(ps[0], at(RDI, 0))
	}
	g.VADDPS(ps[0], accs[0], accs[0])
	advance(1)
	g.JMP(LabelRef(lone))

	g.tailIfAny("tail", "reduce")
	if s.masked {
		g.loadMask()
		g.VMOVUPS_Z(at(RSI, 0), K1, xs[0])
		exp(xs[0], zs[0], ps[0])
		if k.store {
			g.VMOVUPS(ps[0], K1, at(RDI, 0))
		}
		g.VADDPS(ps[0], accs[1], K1, accs[1]) // merge-masked: other lanes keep the sum
	} else {
		g.VMOVUPS(g.splat("expNegInf", bitsNegInf), Y0)
		g.VMOVUPS(Y0, buf)
		bufElem := buf.Idx(RAX, 4)
		g.XORQ(RAX, RAX)
		g.Label("copyin")
		g.MOVL(Mem{Base: RSI, Index: RAX, Scale: 4}, EDX)
		g.MOVL(EDX, bufElem)
		g.INCQ(RAX)
		g.CMPQ(RAX, RCX)
		g.JB(LabelRef("copyin"))
		g.VMOVUPS(buf, xs[0])
		exp(xs[0], zs[0], ps[0])
		g.VADDPS(ps[0], accs[0], accs[0])
		if k.store {
			g.VMOVUPS(ps[0], buf)
			g.XORQ(RAX, RAX)
			g.Label("copyout")
			g.MOVL(bufElem, EDX)
			g.MOVL(EDX, Mem{Base: RDI, Index: RAX, Scale: 4})
			g.INCQ(RAX)
			g.CMPQ(RAX, RCX)
			g.JB(LabelRef("copyout"))
		}
	}

	g.Comment("The sum of the partial sums.")
	g.Label("reduce")
	if s.masked {
		g.VADDPS(accs[1], accs[0], accs[0])
		g.VADDPS(accs[3], accs[2], accs[2])
		g.VADDPS(accs[2], accs[0], accs[0])
		g.halve(g.VADDPS, accs[0])
	} else {
		g.VMOVAPS(accs[0], Y0)
		g.halve(g.VADDPS, Y0)
	}
	g.hadd4()
	g.VMOVSS(X0, g.addr(g.ReturnIndex(0)))
	g.VZEROUPPER()
	g.RET()
}
