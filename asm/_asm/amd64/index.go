package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// index emits Index(x, v): the first i with x[i] == v (ordered, so
// +0 == -0), or, if v is NaN, with x[i] unordered; -1 if there is none.
// kernel.Argmax is Max followed by this search: two passes over L1/L2-
// resident data cost less than carrying indices through the first.
//
// The two searches are one loop with two compare predicates: equal
// (ordered) against v, and unordered against 0 (true only for NaN).
// Each tests four vectors per iteration (one OR of the compare results
// at AVX2; at AVX-512 the four 16-bit K masks packed into one 64-bit
// word in element order), then one vector at a time, then the tail: under
// a K mask at AVX-512; at AVX2 the last 8 elements again (those seen
// already did not match, so the first match is a new one), or one at a
// time below 8, so nothing past len(x) is read. The lowest set bit of
// the match bits is the answer's offset from BX, the index of the first
// element of the block tested.
func (g *gen) index(s isa) {
	g.Function("Index" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(x []float32, v float32) int")
	key := Y6
	if s.masked {
		key = Z29
	}
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("x").Len(), RCX)
	g.XORQ(RBX, RBX)
	g.VBROADCASTSS(g.addr(g.Param("v")), key)
	g.VUCOMISS(xmm(key), xmm(key)) // PF=1 iff v is NaN
	g.JPS(LabelRef("nanscan"))

	g.Comment("The first element equal to v.")
	g.indexSearch(s, "eq", 0, key)
	g.Comment("v is NaN: the first unordered element.")
	g.Label("nanscan")
	g.zero(s, key)
	g.indexSearch(s, "nan", 3, key)

	ret := g.addr(g.ReturnIndex(0))
	if !s.masked {
		g.Comment("The element at BX itself.")
		g.Label("foundscalar")
		g.VZEROUPPER()
		g.MOVQ(RBX, ret)
		g.RET()

		g.Comment("A match among the 32 elements of the last four vectors: their",
			"match bits in element order, DX = mask(Y11)<<24 | ... | mask(Y8).")
		g.Label("found4")
		g.VMOVMSKPS(Y11, EDX)
		for _, v := range []VecPhysical{Y10, Y9, Y8} {
			g.SHLQ(imm8(8), RDX)
			g.VMOVMSKPS(v, EAX)
			g.ORQ(RAX, RDX)
		}
	}
	g.Comment("No bit set in DX (after the tail) means no element matched.")
	g.Label("found")
	g.VZEROUPPER()
	g.TESTQ(RDX, RDX)
	g.JZ(LabelRef("none"))
	g.BSFQ(RDX, RDX)
	g.ADDQ(RBX, RDX)
	g.MOVQ(RDX, ret)
	g.RET()

	g.Label("none")
	if !s.masked {
		g.VZEROUPPER()
	}
	g.MOVQ(imm(-1), ret)
	g.RET()
}

// indexSearch emits one search: the labels begin with pre, pred is the
// VCMPPS predicate against key.
func (g *gen) indexSearch(s isa, pre string, pred int, key VecPhysical) {
	lanes := s.lanes()
	four, one, tail := fmt.Sprintf("%s%d", pre, 4*lanes), fmt.Sprintf("%s%d", pre, lanes), pre+"tail"
	found4 := "found"
	if !s.masked {
		found4 = "found4"
	}
	step := func(label, hit string, elems int) {
		g.TESTQ(RDX, RDX)
		g.JNZ(LabelRef(hit))
		g.ADDQ(imm(4*elems), RSI)
		g.ADDQ(imm(elems), RBX)
		g.SUBQ(imm(elems), RCX)
		g.JMP(LabelRef(label))
	}

	g.Label(four)
	g.CMPQ(RCX, imm(4*lanes))
	g.JB(LabelRef(one))
	if s.masked {
		for i, k := range []Op{K1, K2, K3, K4} {
			g.VCMPPS(imm8(pred), at(RSI, i*s.bytes), key, k)
		}
		g.KUNPCKWD(K1, K2, K5) // K5 = K2:K1
		g.KUNPCKWD(K3, K4, K6)
		g.KUNPCKDQ(K5, K6, K7)
		g.KMOVQ(K7, RDX)
	} else {
		for i := 0; i < 4; i++ {
			g.VCMPPS(imm8(pred), at(RSI, i*s.bytes), key, s.v(8+i))
		}
		g.VORPS(Y9, Y8, Y12)
		g.VORPS(Y11, Y10, Y13)
		g.VORPS(Y13, Y12, Y12)
		g.VMOVMSKPS(Y12, EDX)
	}
	step(four, found4, 4*lanes)

	g.Label(one)
	g.CMPQ(RCX, imm(lanes))
	g.JB(LabelRef(tail))
	if s.masked {
		g.VCMPPS(imm8(pred), at(RSI, 0), key, K1)
		g.KMOVW(K1, EDX)
	} else {
		g.VCMPPS(imm8(pred), at(RSI, 0), key, Y8)
		g.VMOVMSKPS(Y8, EDX)
	}
	step(one, "found", lanes)

	g.Label(tail)
	if s.masked {
		g.Comment(fmt.Sprintf("The last 0..%d elements under K2 = (1<<N)-1: off lanes are", lanes-1),
			"neither read nor reported.")
		g.MOVL(imm(1), EAX)
		g.SHLL(CL, EAX)
		g.DECL(EAX)
		g.KMOVW(EAX, K2)
		g.VCMPPS(imm8(pred), at(RSI, 0), key, K2, K1)
		g.KMOVW(K1, EDX)
		if pre == "eq" {
			g.JMP(LabelRef("found"))
		}
		return
	}
	scalar := pre + "scalar"
	g.CMPQ(g.addr(g.Param("x").Len()), imm(lanes))
	g.JB(LabelRef(scalar))
	g.LEAQ(Mem{Base: RSI, Index: RCX, Scale: 4, Disp: -s.bytes}, RSI) // &x[n-8]
	g.LEAQ(Mem{Base: RBX, Index: RCX, Scale: 1, Disp: -lanes}, RBX)   // n-8
	g.VCMPPS(imm8(pred), at(RSI, 0), key, Y8)
	g.VMOVMSKPS(Y8, EDX)
	g.JMP(LabelRef("found"))

	g.Label(scalar)
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("none"))
	g.VMOVSS(at(RSI, 0), X8)
	if pred == 0 {
		g.VUCOMISS(X8, xmm(key)) // ZF=1 and PF=0 iff equal
		g.JPS(LabelRef(scalar + "next"))
		g.JEQ(LabelRef("foundscalar"))
		g.Label(scalar + "next")
	} else {
		g.VUCOMISS(X8, X8) // PF=1 iff unordered: NaN
		g.JPS(LabelRef("foundscalar"))
	}
	g.ADDQ(imm(4), RSI)
	g.INCQ(RBX)
	g.DECQ(RCX)
	g.JMP(LabelRef(scalar))
}
