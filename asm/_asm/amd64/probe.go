package main

import (
	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The measurement probes of internal/machbound: not kernels, so they live
// in that package rather than in package asm (only kernel imports asm).
// Each comes at AVX2 (ymm) and AVX-512 (zmm), the widths the kernels run.

// fmaPeak emits fmaPeak<ISA>(n): n iterations of one FMA on each of all
// but two vector registers (14 at AVX2, 30 at AVX-512), every register its
// own dependency chain, acc += a·b with a and b the last two registers.
// That is more independent chains than FMA latency × FMA ports on any
// x86 core (4 × 2 on Zen 3, Zen 4, Zen 5 and Intel's big cores), so the
// FMA ports, not a chain, set the pace. Everything starts at zero, so no
// value becomes subnormal, infinite or NaN.
func (g *gen) fmaPeak(s isa) {
	g.Function("fmaPeak" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(n int)")
	accs := len(s.vecs) - 2
	a, b := s.v(accs), s.v(accs+1)
	g.Load(g.Param("n"), RCX)
	for i := 0; i < accs+2; i++ {
		g.zero(s, s.v(i))
	}
	g.TESTQ(RCX, RCX)
	g.JLE(LabelRef("done"))
	g.Label("loop")
	for i := 0; i < accs; i++ {
		g.VFMADD231PS(b, a, s.v(i))
	}
	g.DECQ(RCX)
	g.JNZ(LabelRef("loop"))
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// readBW emits readBW<ISA>(buf, reps): reps sweeps over buf, eight
// full-width loads (VMOVUPS) per iteration into eight registers whose
// values nothing reads, so only the loads set the pace. len(buf) must be
// a multiple of eight vectors (512 bytes serves both widths); a shorter
// tail is not read.
func (g *gen) readBW(s isa) {
	g.Function("readBW" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(buf []byte, reps int)")
	block := 8 * s.bytes
	shift := 8 // log2(block) at AVX2: 256 bytes
	if s.bytes == 64 {
		shift = 9
	}
	g.Load(g.Param("buf").Base(), RSI)
	g.Load(g.Param("buf").Len(), RDX)
	g.Load(g.Param("reps"), RCX)
	g.SHRQ(imm8(shift), RDX) // blocks per sweep
	g.TESTQ(RCX, RCX)
	g.JLE(LabelRef("done"))
	g.TESTQ(RDX, RDX)
	g.JZ(LabelRef("done"))
	g.Label("sweep")
	g.MOVQ(RSI, RAX)
	g.MOVQ(RDX, RBX)
	g.Label("loop")
	for i := 0; i < 8; i++ {
		g.VMOVUPS(at(RAX, i*s.bytes), s.v(i))
	}
	g.ADDQ(imm(block), RAX)
	g.DECQ(RBX)
	g.JNZ(LabelRef("loop"))
	g.DECQ(RCX)
	g.JNZ(LabelRef("sweep"))
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

func init() {
	const dir = "../internal/machbound"
	elsewhere[dir] = append(elsewhere[dir],
		file{"fmapeak_avx2_amd64.s", func(g *gen) { g.fmaPeak(avx2) }},
		file{"fmapeak_avx512_amd64.s", func(g *gen) { g.fmaPeak(avx512) }},
		file{"readbw_avx2_amd64.s", func(g *gen) { g.readBW(avx2) }},
		file{"readbw_avx512_amd64.s", func(g *gen) { g.readBW(avx512) }},
	)
}
