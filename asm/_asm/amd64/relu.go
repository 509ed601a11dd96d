package main

// relu: dst[i] = src[i] < 0 ? +0 : src[i], exact. VMAXPS with x as
// Intel's second source (Go's first operand) returns x when either is NaN
// and when both are zeros, so NaN (its payload too) and −0 are kept and
// x < 0 gives +0. Four vectors per iteration, then one at a time; the
// zero is in the broadcast register (Y15, Z31).
var relu = activation{
	name: "ReLU",
	consts: func(g *gen, s isa) {
		g.VXORPS(s.alpha, s.alpha, s.alpha)
	},
	main: 4, group: 4, step: 1, tail: 1,
	body: func(g *gen, s isa, st stage, io *vio) func() {
		for i := 0; i < io.n; i++ {
			io.load(i, s.v(i))
		}
		for i := 0; i < io.n; i++ {
			g.VMAXPS(s.v(i), s.alpha, s.v(i))
		}
		for i := 0; i < io.n; i++ {
			io.store(s.v(i), i)
		}
		return nil
	},
}

func init() {
	register(file{"relu_avx2_amd64.s", func(g *gen) { g.activation(relu, avx2) }},
		file{"relu_avx512_amd64.s", func(g *gen) { g.activation(relu, avx512) }})
}
