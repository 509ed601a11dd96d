package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// shiftSub emits ShiftSub for s, pass 3 of kernel.LogSoftmax:
// dst[i] = (src[i] − m) − ls, two roundings as in the generic loop, so the
// levels agree to the bit. ExpScaledSumMax runs the same loops as its
// LogSoftmax second pass.
func (g *gen) shiftSub(s isa) {
	g.Function("ShiftSub" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, src []float32, m, ls float32)")
	m, ls := s.v(14), s.v(15) // m and log Σ e^(x−m) in all lanes
	if s.masked {
		m, ls = Z30, Z31
	}
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	g.VBROADCASTSS(g.addr(g.Param("m")), m)
	g.VBROADCASTSS(g.addr(g.Param("ls")), ls)
	g.shiftSubLoops(s, m, ls, "loop", true, false)
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// shiftSubLoops emits dst[i] = (src[i] − m) − ls for the CX elements at
// SI and DI (m and ls broadcast in registers), branching to label done
// when finished: four vectors per iteration, then (if oneVector, or
// always at AVX-512) one at a time, then the tail (one element at a time
// at AVX2; under K1 at AVX-512, followed by a jump to done if jumpDone).
// Labels start with prefix.
func (g *gen) shiftSubLoops(s isa, m, ls VecPhysical, prefix string, oneVector, jumpDone bool) {
	lanes := s.lanes()
	big := fmt.Sprintf("%s%d", prefix, 4*lanes)
	one := fmt.Sprintf("%s%d", prefix, lanes)
	tail := prefix + "tail"
	if !s.masked && !oneVector {
		one = tail
	}
	g.Comment(fmt.Sprintf("Main loop: %d elements per iteration.", 4*lanes))
	g.Label(big)
	g.CMPQ(RCX, imm(4*lanes))
	g.JB(LabelRef(one))
	for i := 0; i < 4; i++ {
		g.VMOVUPS(at(RSI, i*s.bytes), s.v(i))
	}
	for i := 0; i < 4; i++ {
		g.VSUBPS(m, s.v(i), s.v(i)) // x − m
	}
	for i := 0; i < 4; i++ {
		g.VSUBPS(ls, s.v(i), s.v(i)) // (x − m) − ls
	}
	for i := 0; i < 4; i++ {
		g.VMOVUPS(s.v(i), at(RDI, i*s.bytes))
	}
	g.ADDQ(imm(4*s.bytes), RSI)
	g.ADDQ(imm(4*s.bytes), RDI)
	g.SUBQ(imm(4*lanes), RCX)
	g.JMP(LabelRef(big))

	if one != tail {
		g.Comment(fmt.Sprintf("One vector at a time while %d or more are left.", lanes))
		g.Label(one)
		g.CMPQ(RCX, imm(lanes))
		g.JB(LabelRef(tail))
		g.VMOVUPS(at(RSI, 0), s.v(0))
		g.VSUBPS(m, s.v(0), s.v(0))
		g.VSUBPS(ls, s.v(0), s.v(0))
		g.VMOVUPS(s.v(0), at(RDI, 0))
		g.ADDQ(imm(s.bytes), RSI)
		g.ADDQ(imm(s.bytes), RDI)
		g.SUBQ(imm(lanes), RCX)
		g.JMP(LabelRef(one))
	}

	if s.masked {
		g.Comment(fmt.Sprintf("The last 1..%d elements under K1.", lanes-1))
		g.tailIfAny(tail, "done")
		g.loadMask()
		g.VMOVUPS_Z(at(RSI, 0), K1, Z0)
		g.VSUBPS(m, Z0, Z0)
		g.VSUBPS(ls, Z0, Z0)
		g.VMOVUPS(Z0, K1, at(RDI, 0))
		if jumpDone {
			g.JMP(LabelRef("done"))
		}
		return
	}
	g.Comment("The rest one element at a time.")
	g.tailIfAny(tail, "done")
	g.VMOVSS(at(RSI, 0), X0)
	g.VSUBSS(xmm(m), X0, X0)
	g.VSUBSS(xmm(ls), X0, X0)
	g.VMOVSS(X0, at(RDI, 0))
	g.ADDQ(imm(4), RSI)
	g.ADDQ(imm(4), RDI)
	g.DECQ(RCX)
	g.JMP(LabelRef(tail))
}
