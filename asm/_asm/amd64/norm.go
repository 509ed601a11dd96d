package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The norms' passes (kernel/norm.go) in float64: VCVTPS2PD widens the
// floats. The sums keep sixteen lanes of doubles, four accumulators of
// four at AVX2 and two of eight at AVX-512 holding the same lanes (so both
// levels add every element in the same order and return the same bits),
// sixteen elements per iteration; then groups of four into the first
// accumulator, then a scalar tail that reads exactly the elements left,
// so no memory past the slices is touched. NormApply is elementwise: at
// AVX-512, sixteen elements per iteration and a K1-masked tail.

// normSumPass emits NormSum<ISA> (Σx) or, with dev, NormSumSqDev<ISA>
// (Σ(x−m)², one FMA per square). At AVX-512, Z0 holds AVX2's
// accumulators 0 and 1 (its low and high halves) and Z1 2 and 3: the
// sixteen-element loop adds the same lanes in the same order, and the
// halves are then split into Y0..Y3 for AVX2's tail.
func (g *gen) normSumPass(s isa, dev bool) {
	name, sig := "NormSum"+s.suffix, "func(x []float32) float64"
	if dev {
		name, sig = "NormSumSqDev"+s.suffix, "func(x []float32, m float64) float64"
	}
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(sig)
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("x").Len(), RCX)
	if dev {
		g.VBROADCASTSD(g.addr(g.Param("m")), s.v(15))
	}
	accs := 4
	if s.masked {
		accs = 2
	}
	for i := 0; i < accs; i++ {
		g.VXORPD(s.v(i), s.v(i), s.v(i))
	}
	// add folds the widened v into accumulator acc, m broadcast in
	// register 15 at v's width.
	add := func(v, acc VecPhysical) {
		if dev {
			m := VecPhysical(Y15)
			if v.Size() == 64 {
				m = Z15
			}
			g.VSUBPD(m, v, v)
			g.VFMADD231PD(v, v, acc)
		} else {
			g.VADDPD(v, acc, acc)
		}
	}
	if s.masked {
		g.Comment("Sixteen elements per iteration into two accumulators: AVX2's four's lanes.")
	} else {
		g.Comment("Sixteen elements per iteration into four accumulators.")
	}
	g.Label("loop16")
	g.CMPQ(RCX, imm(16))
	if s.masked {
		g.JB(LabelRef("split"))
	} else {
		g.JB(LabelRef("loop4"))
	}
	// step is the bytes of floats one accumulator widens.
	step := s.bytes / 2
	for j := 0; j < accs; j++ {
		g.VCVTPS2PD(at(RSI, step*j), s.v(4+j))
	}
	for j := 0; j < accs; j++ {
		add(s.v(4+j), s.v(j))
	}
	g.ADDQ(imm(64), RSI)
	g.SUBQ(imm(16), RCX)
	g.JMP(LabelRef("loop16"))

	if s.masked {
		g.Label("split")
		g.Comment("AVX2's four accumulators: Z0's halves into Y0 and Y1, Z1's into Y2 and Y3.")
		g.VEXTRACTF64X4(imm8(1), Z1, Y3)
		g.VMOVAPD(Y1, Y2)
		g.VEXTRACTF64X4(imm8(1), Z0, Y1) // Y0 is Z0's low half
	}

	g.Comment("Four at a time.")
	g.Label("loop4")
	g.CMPQ(RCX, imm(4))
	g.JB(LabelRef("reduce"))
	g.VCVTPS2PD(at(RSI, 0), Y4)
	add(Y4, Y0)
	g.ADDQ(imm(16), RSI)
	g.SUBQ(imm(4), RCX)
	g.JMP(LabelRef("loop4"))

	g.Comment("(Y0 + Y1) + (Y2 + Y3), then the lanes by halves, into X0.")
	g.Label("reduce")
	g.VADDPD(Y1, Y0, Y0)
	g.VADDPD(Y3, Y2, Y2)
	g.VADDPD(Y2, Y0, Y0)
	g.VEXTRACTF128(imm8(1), Y0, X1)
	g.VADDPD(X1, X0, X0)
	g.VPERMILPD(imm8(1), X0, X1)
	g.VADDSD(X1, X0, X0)

	g.Comment("The last 0..3 elements one at a time (VMOVSS reads exactly 4 bytes).")
	g.Label("scalar")
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("done"))
	g.VMOVSS(at(RSI, 0), X4)
	g.VCVTSS2SD(X4, X4, X4)
	if dev {
		g.VSUBSD(X15, X4, X4)
		g.VFMADD231SD(X4, X4, X0)
	} else {
		g.VADDSD(X4, X0, X0)
	}
	g.ADDQ(imm(4), RSI)
	g.DECQ(RCX)
	g.JMP(LabelRef("scalar"))

	g.Label("done")
	g.VZEROUPPER()
	g.MOVSD(X0, g.addr(g.ReturnIndex(0)))
	g.RET()
}

// vecY returns Y register i.
func vecY(i int) VecPhysical { return avx2.v(i) }

// NormApplyAVX2's variants, by which of γ and β are given.
var normVariants = []struct {
	label       string
	gamma, beta bool
}{{"affine", true, true}, {"gamma", true, false}, {"beta", false, true}, {"plain", false, false}}

// normApply emits NormApplyAVX2: dst = fma(float32((x−m)·r), γ, β), eight
// elements per iteration (two vectors of four), then four, then one at a
// time; a loop per variant, chosen by len(gamma) and len(beta) (zero:
// absent).
func (g *gen) normApply() { g.normApplyAt(avx2, g.normApplyLoop) }

// normApplyLoop emits one variant's loops, from label to a jump to done.
func (g *gen) normApplyLoop(label string, gamma, beta bool) {
	l := func(s string) string { return label + s }
	// finish applies γ and β to the four floats u in x (a vector at
	// byte offset off, or one element with scalar), γ and β loaded into
	// t first (at AVX2 a VEX memory operand of a scalar op reads 4 bytes;
	// the vector forms read 16).
	finish := func(u, t VecPhysical, off int, scalar bool) {
		ld := func(p GPPhysical, r VecPhysical) {
			if scalar {
				g.VMOVSS(at(p, off), r)
			} else {
				g.VMOVUPS(at(p, off), r)
			}
		}
		// op is the scalar or the vector form.
		op := func(ss, ps func(...Op)) func(...Op) {
			if scalar {
				return ss
			}
			return ps
		}
		switch {
		case gamma && beta:
			ld(R8, t)
			ld(R9, X13)
			op(g.VFMADD213SS, g.VFMADD213PS)(X13, t, u)
		case gamma:
			ld(R8, t)
			op(g.VMULSS, g.VMULPS)(t, u, u)
		case beta:
			ld(R9, t)
			op(g.VADDSS, g.VADDPS)(t, u, u)
		}
	}
	advance := func(elems int) {
		for _, p := range []GPPhysical{RDI, RSI} {
			g.ADDQ(imm(4*elems), p)
		}
		if gamma {
			g.ADDQ(imm(4*elems), R8)
		}
		if beta {
			g.ADDQ(imm(4*elems), R9)
		}
	}
	g.Comment(fmt.Sprintf("%s: γ %v, β %v. Eight elements per iteration.", label, gamma, beta))
	g.Label(label)
	g.CMPQ(RCX, imm(8))
	g.JB(LabelRef(l("4")))
	for j := 0; j < 2; j++ {
		g.VCVTPS2PD(at(RSI, 16*j), vecY(2*j))
	}
	for j := 0; j < 2; j++ {
		y := vecY(2 * j)
		g.VSUBPD(Y14, y, y)
		g.VMULPD(Y15, y, y)
		g.VCVTPD2PSY(y, xmm(y))
	}
	for j := 0; j < 2; j++ {
		finish(xmm(vecY(2*j)), xmm(vecY(2*j+1)), 16*j, false)
		g.VMOVUPS(xmm(vecY(2*j)), at(RDI, 16*j))
	}
	advance(8)
	g.SUBQ(imm(8), RCX)
	g.JMP(LabelRef(label))

	g.Label(l("4"))
	g.CMPQ(RCX, imm(4))
	g.JB(LabelRef(l("1")))
	g.VCVTPS2PD(at(RSI, 0), Y0)
	g.VSUBPD(Y14, Y0, Y0)
	g.VMULPD(Y15, Y0, Y0)
	g.VCVTPD2PSY(Y0, X0)
	finish(X0, X1, 0, false)
	g.VMOVUPS(X0, at(RDI, 0))
	advance(4)
	g.SUBQ(imm(4), RCX)

	g.Comment("The last 0..3 elements one at a time.")
	g.Label(l("1"))
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("done"))
	g.VMOVSS(at(RSI, 0), X0)
	g.VCVTSS2SD(X0, X0, X0)
	g.VSUBSD(X14, X0, X0)
	g.VMULSD(X15, X0, X0)
	g.VCVTSD2SS(X0, X0, X0)
	finish(X0, X1, 0, true)
	g.VMOVSS(X0, at(RDI, 0))
	advance(1)
	g.DECQ(RCX)
	g.JMP(LabelRef(l("1")))
}

func init() {
	register(file{"normsum_avx2_amd64.s", func(g *gen) { g.normSumPass(avx2, false) }},
		file{"normsumsqdev_avx2_amd64.s", func(g *gen) { g.normSumPass(avx2, true) }},
		file{"normapply_avx2_amd64.s", func(g *gen) { g.normApply() }},
		file{"normsum_avx512_amd64.s", func(g *gen) { g.normSumPass(avx512, false) }},
		file{"normsumsqdev_avx512_amd64.s", func(g *gen) { g.normSumPass(avx512, true) }},
		file{"normapply_avx512_amd64.s", func(g *gen) { g.normApplyAVX512() }})
}

// normApplyAVX512 emits NormApplyAVX512: NormApplyAVX2's steps on
// sixteen elements per iteration (two VCVTPS2PD of eight, joined by
// VINSERTF64X4 after VCVTPD2PS), then the last 0..15 under K1 =
// (1<<n)−1, masked-off lanes neither read nor written. Every element
// goes through the same instructions, operands in the same roles, as at
// AVX2, so the results are the same bits.
func (g *gen) normApplyAVX512() { g.normApplyAt(avx512, g.normApplyLoopAVX512) }

// normApplyAt emits NormApply at width s: m and r broadcast into
// registers 14 and 15, then a jump to the variant's loop (loop emits
// each) by len(gamma) and len(beta).
func (g *gen) normApplyAt(s isa, loop func(label string, gamma, beta bool)) {
	g.Function("NormApply" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, x, gamma, beta []float32, m, r float64)")
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("gamma").Base(), R8)
	g.Load(g.Param("beta").Base(), R9)
	g.Load(g.Param("x").Len(), RCX)
	g.VBROADCASTSD(g.addr(g.Param("m")), s.v(14))
	g.VBROADCASTSD(g.addr(g.Param("r")), s.v(15))
	g.Comment("The variant: by len(gamma) and len(beta), zero meaning absent.")
	g.CMPQ(g.addr(g.Param("gamma").Len()), imm(0))
	g.JE(LabelRef("nogamma"))
	g.CMPQ(g.addr(g.Param("beta").Len()), imm(0))
	g.JE(LabelRef("gamma"))
	g.JMP(LabelRef("affine"))
	g.Label("nogamma")
	g.CMPQ(g.addr(g.Param("beta").Len()), imm(0))
	g.JE(LabelRef("plain"))
	g.JMP(LabelRef("beta"))

	for _, v := range normVariants {
		loop(v.label, v.gamma, v.beta)
	}
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// normApplyLoopAVX512 emits one variant's loops, from label to a jump to
// done.
func (g *gen) normApplyLoopAVX512(label string, gamma, beta bool) {
	l := func(s string) string { return label + s }
	// norm sets Z0 = float32((x − m)·r) for the sixteen floats in Z0
	// (the low eight, widened) and Z1 (the high eight).
	norm := func() {
		for _, z := range []VecPhysical{Z0, Z1} {
			g.VSUBPD(Z14, z, z)
			g.VMULPD(Z15, z, z)
			g.VCVTPD2PS(z, z.AsY())
		}
		g.VINSERTF64X4(imm8(1), Y1, Z0, Z0)
	}
	// finish applies γ and β to Z0: from memory in the loop (k nil),
	// else loaded under k with zeroing.
	finish := func(k Op) {
		ld := func(p GPPhysical, r VecPhysical) Op {
			if k == nil {
				return at(p, 0)
			}
			g.VMOVUPS_Z(at(p, 0), k, r)
			return r
		}
		switch {
		case gamma && beta:
			if k == nil {
				g.VMOVUPS(at(R8, 0), Z1)
			} else {
				ld(R8, Z1)
			}
			g.VFMADD213PS(ld(R9, Z13), Z1, Z0)
		case gamma:
			g.VMULPS(ld(R8, Z1), Z0, Z0)
		case beta:
			g.VADDPS(ld(R9, Z1), Z0, Z0)
		}
	}
	g.Comment(fmt.Sprintf("%s: γ %v, β %v. Sixteen elements per iteration.", label, gamma, beta))
	g.Label(label)
	g.CMPQ(RCX, imm(16))
	g.JB(LabelRef(l("tail")))
	g.VCVTPS2PD(at(RSI, 0), Z0)
	g.VCVTPS2PD(at(RSI, 32), Z1)
	norm()
	finish(nil)
	g.VMOVUPS(Z0, at(RDI, 0))
	for _, p := range []GPPhysical{RDI, RSI} {
		g.ADDQ(imm(64), p)
	}
	if gamma {
		g.ADDQ(imm(64), R8)
	}
	if beta {
		g.ADDQ(imm(64), R9)
	}
	g.SUBQ(imm(16), RCX)
	g.JMP(LabelRef(label))

	g.Comment("The last 0..15 elements under K1 = (1<<N)-1: masked-off lanes are",
		"neither read nor written.")
	g.tailIfAny(l("tail"), "done")
	g.loadMask()
	g.VMOVUPS_Z(at(RSI, 0), K1, Z0)
	g.VEXTRACTF64X4(imm8(1), Z0, Y1)
	g.VCVTPS2PD(Y0, Z0)
	g.VCVTPS2PD(Y1, Z1)
	norm()
	finish(K1)
	g.VMOVUPS(Z0, K1, at(RDI, 0))
	g.JMP(LabelRef("done"))
}
