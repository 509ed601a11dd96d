package main

import (
	"fmt"
	"strings"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// int8MacPeak emits int8MacPeak<path>(n), internal/machbound's int8
// multiply-accumulate probe: n iterations of the path's MAC sequence
// (the one the int8 kernels run per vector, int8.go) on independent
// accumulators, as fmaPeak does for FMA.
//
//   - AVX2: six copies of VPSIGNB, VPMADDUBSW, VPMADDWD by ones, VPADDD,
//     each product in its own register (6..11) and added to its own
//     accumulator (0..5): every copy is a chain only through its VPADDD,
//     of latency 1; 192 MACs per iteration.
//   - AVX-VNNI and AVX-512 VNNI: one VPDPBUSD on each of 14 ymm (30 zmm)
//     accumulators, more chains than its latency × ports on any x86 core;
//     448 (1920) MACs per iteration.
//
// Everything starts at zero.
func (g *gen) int8MacPeak(p int8Path) {
	g.Function("int8MacPeak" + p.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(n int)")
	g.requiresVNNI(p)
	g.Load(g.Param("n"), RCX)
	regs := 16
	if p.s.bytes == 64 {
		regs = 32
	}
	for i := 0; i < regs; i++ {
		g.i8Zero(p, i)
	}
	if !p.vnni {
		g.i8Consts(p) // int16 ones in 15
	}
	g.TESTQ(RCX, RCX)
	g.JLE(LabelRef("done"))
	g.Label("loop")
	if p.vnni {
		for i := 0; i < regs-2; i++ {
			g.vpdpbusd(p, i, regs-2, regs-1)
		}
	} else {
		for i := 0; i < 6; i++ {
			t := Y(6 + i)
			g.VPSIGNB(Y14, Y12, t)
			g.VPMADDUBSW(t, Y13, t)
			g.VPMADDWD(Y(i8Ones16), t, t)
			g.VPADDD(t, Y(i), Y(i))
		}
	}
	g.DECQ(RCX)
	g.JNZ(LabelRef("loop"))
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

func init() {
	const dir = "../internal/machbound"
	for _, p := range []int8Path{int8AVX2, int8AVXVNNI, int8AVX512VNNI} {
		elsewhere[dir] = append(elsewhere[dir], file{fmt.Sprintf("int8macpeak_%s_amd64.s", strings.ToLower(p.suffix)),
			func(g *gen) { g.int8MacPeak(p) }})
	}
}
