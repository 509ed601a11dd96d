package main

import (
	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// GemvPanels (kernel.GemvPacked's kernel): dst = xᵀ·P (or dst += xᵀ·P)
// for P in the micro-panels of kernel.PackedB, nr = two vectors of
// columns (16 at AVX2, 32 at AVX-512) by kc = len(x) rows each, row k of
// panel q at p[(q·kc + k)·nr:]. One pass over the panels in memory
// order, a single stream with no horizontal sums: each column's sum runs
// in four chains, chain c taking the rows k ≡ c (mod 4) in order with
// one FMA each, and ends as (c0 + c1) + (c2 + c3), plus dst[j] last with
// add. Every lane does the same steps at both widths.
//
// Registers: chain c's two vectors in 2c, 2c+1 (0..7), the broadcasts
// of x in 8..11.
func init() {
	register(file{"gemvpanels_avx2_amd64.s", func(g *gen) { g.gemvPanels(avx2) }},
		file{"gemvpanels_avx512_amd64.s", func(g *gen) { g.gemvPanels(avx512) }})
}

func (g *gen) gemvPanels(s isa) {
	g.Function("GemvPanels" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, p, x []float32, add bool)")
	var (
		dst, p, x, kc, panels, k, xw = RDI, RSI, RDX, R8, R9, RCX, R10
	)
	v := s.v
	bytes := s.bytes
	g.Load(g.Param("dst").Base(), dst)
	g.Load(g.Param("dst").Len(), panels)
	g.SHRQ(imm8(uint8log2(2*s.lanes())), panels)
	g.Load(g.Param("p").Base(), p)
	g.Load(g.Param("x").Base(), x)
	g.Load(g.Param("x").Len(), kc)
	g.MOVBLZX(g.addr(g.Param("add")), EAX)
	g.TESTQ(panels, panels)
	g.JZ(LabelRef("done"))

	g.Label("panel")
	for i := 0; i < 8; i++ {
		g.zero(s, v(i))
	}
	g.MOVQ(x, xw)
	g.MOVQ(kc, k)
	g.Comment("Four rows per iteration, row k into chain k mod 4.")
	g.Label("rows4")
	g.CMPQ(k, imm(4))
	g.JB(LabelRef("rows1"))
	for c := 0; c < 4; c++ {
		g.VBROADCASTSS(at(xw, 4*c), v(8+c))
	}
	for c := 0; c < 4; c++ {
		g.VFMADD231PS(at(p, 2*bytes*c), v(8+c), v(2*c))
		g.VFMADD231PS(at(p, 2*bytes*c+bytes), v(8+c), v(2*c+1))
	}
	g.ADDQ(imm(8*bytes), p)
	g.ADDQ(imm(16), xw)
	g.SUBQ(imm(4), k)
	g.JMP(LabelRef("rows4"))

	g.Comment("The last kc%4 rows, into chains 0, 1, 2.")
	g.Label("rows1")
	for c := 0; c < 3; c++ {
		g.TESTQ(k, k)
		g.JZ(LabelRef("sum"))
		g.VBROADCASTSS(at(xw, 0), v(8))
		g.VFMADD231PS(at(p, 0), v(8), v(2*c))
		g.VFMADD231PS(at(p, bytes), v(8), v(2*c+1))
		g.ADDQ(imm(2*bytes), p)
		g.ADDQ(imm(4), xw)
		g.DECQ(k)
	}

	g.Label("sum")
	for h := 0; h < 2; h++ {
		g.VADDPS(v(2+h), v(h), v(h))     // c0 + c1
		g.VADDPS(v(6+h), v(4+h), v(4+h)) // c2 + c3
		g.VADDPS(v(4+h), v(h), v(h))
	}
	g.TESTL(EAX, EAX)
	g.JZ(LabelRef("store"))
	g.VADDPS(at(dst, 0), v(0), v(0))
	g.VADDPS(at(dst, bytes), v(1), v(1))
	g.Label("store")
	g.VMOVUPS(v(0), at(dst, 0))
	g.VMOVUPS(v(1), at(dst, bytes))
	g.ADDQ(imm(2*bytes), dst)
	g.DECQ(panels)
	g.JNZ(LabelRef("panel"))

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// uint8log2 is log2(n) for a power of two n.
func uint8log2(n int) int {
	l := 0
	for n > 1 {
		n >>= 1
		l++
	}
	return l
}
