package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

const (
	bitsSiluClamp  = 0x42f00000 // 120, SiLU's clamp of |x|
	bitsSiluNegInf = 0x7fc00000 // silu(−Inf), kernel's siluNegInfBits
)

// silu: x·σ(x), each lane running kernel's silu32: GELUTanh's tail
// (xSigmoid) with wh = t = min(|x|, 120) and wl = 0, then NaN for −Inf.
var silu = activation{
	name:   "SiLU",
	consts: func(g *gen, s isa) {},
	main:   1, group: 1, tail: 1,
	body: func(g *gen, s isa, st stage, io *vio) func() {
		io.load(0, Y0)                              // x
		g.absClampSign("sClamp", bitsSiluClamp, Y4) // wh = t = min(|x|, 120)
		g.xSigmoid(false)
		g.Comment("silu(−Inf) = NaN, as torch")
		g.VCMPPS(U8(0), g.splat("sNegInf", bitsNegInf), Y0, Y1)
		g.VBLENDVPS(Y1, g.splat("sNaN", bitsSiluNegInf), Y9, Y9)
		io.store(Y9, 0)
		return nil
	},
}

func init() {
	register(file{"silu_avx2_amd64.s", func(g *gen) { g.activation(silu, avx2) }})
}
