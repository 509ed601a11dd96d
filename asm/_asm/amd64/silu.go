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
	body: func(g *gen, s isa, st stage, io *vio) func() {
		for i, l := range g.lanesOf(s, io.n) {
			l.silu(io, i)
		}
		return nil
	},
}

// silu computes vector i of io in lane l.
func (l vl) silu(io *vio, i int) {
	io.load(i, l.r(Y0))                         // x
	l.absClampSign("sClamp", bitsSiluClamp, Y4) // wh = t = min(|x|, 120)
	l.xSigmoid(false)
	l.Comment("silu(−Inf) = NaN, as torch")
	if l.zmm {
		l.g.VCMPPS_BCST(U8(0), l.c("sNegInf", bitsNegInf), l.r(Y0), l.k)
		l.g.VBLENDMPS_BCST(l.c("sNaN", bitsSiluNegInf), l.r(Y9), l.k, l.r(Y9))
	} else {
		l.g.VCMPPS(U8(0), l.c("sNegInf", bitsNegInf), Y0, Y1)
		l.g.VBLENDVPS(Y1, l.c("sNaN", bitsSiluNegInf), Y9, Y9)
	}
	io.store(l.r(Y9), i)
}

func init() {
	register(file{"silu_avx2_amd64.s", func(g *gen) { g.activation(lanesAt(silu, avx2), avx2) }},
		file{"silu_avx512_amd64.s", func(g *gen) { g.activation(lanesAt(silu, avx512), avx512) }})
}
