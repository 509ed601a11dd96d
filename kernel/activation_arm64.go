//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for Exp, Tanh and Sigmoid on arm64 (see vector_arm64.go for why
// a switch on the level rather than a function value).

func init() {
	for _, k := range []string{"Exp", "Tanh", "Sigmoid"} {
		register(k, Generic, genericName(k))
	}
	register("Exp", NEON, "exp_neon_rr2_p6_u8")
	register("Tanh", NEON, "tanh_neon_rr2_expm1p7_recps_u8")
	register("Sigmoid", NEON, "sigmoid_neon_rr2_p6_recps_u8")
}

func exp32s(dst, src []float32) {
	if active == NEON {
		asm.ExpNEON(dst, src)
		return
	}
	expGeneric(dst, src)
}

func tanh32s(dst, src []float32) {
	if active == NEON {
		asm.TanhNEON(dst, src)
		return
	}
	tanhGeneric(dst, src)
}

func sigmoid32s(dst, src []float32) {
	if active == NEON {
		asm.SigmoidNEON(dst, src)
		return
	}
	sigmoidGeneric(dst, src)
}
