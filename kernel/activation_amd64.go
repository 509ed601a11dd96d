//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for Exp, Tanh and Sigmoid on amd64 (see vector_amd64.go for
// why a switch and not a function value). Registry names follow XNNPACK:
// rr2 = two-constant range reduction, p6 = degree-6 polynomial, u4 =
// four vectors per iteration.

func init() {
	for _, k := range []string{"Exp", "Tanh", "Sigmoid"} {
		register(k, Generic, genericName(k))
	}
	register("Exp", AVX2, "exp_avx2_fma_rr2_p6_u4")
	register("Exp", AVX512, "exp_avx512_rr2_p6_scalef_u4")
	register("Tanh", AVX2, "tanh_avx2_fma_rr2_expm1p7_divcomp_u3")
	register("Tanh", AVX512, "tanh_avx512_rr2_expm1p7_rcp14comp_u4")
	register("Sigmoid", AVX2, "sigmoid_avx2_fma_rr2_p6_divcomp_u4")
	register("Sigmoid", AVX512, "sigmoid_avx512_rr2_p6_scalef_rcp14comp_u4")
}

func exp32s(dst, src []float32) {
	switch active {
	case AVX512:
		asm.ExpAVX512(dst, src)
		return
	case AVX2:
		asm.ExpAVX2(dst, src)
		return
	}
	expGeneric(dst, src)
}

func tanh32s(dst, src []float32) {
	switch active {
	case AVX512:
		asm.TanhAVX512(dst, src)
		return
	case AVX2:
		asm.TanhAVX2(dst, src)
		return
	}
	tanhGeneric(dst, src)
}

func sigmoid32s(dst, src []float32) {
	switch active {
	case AVX512:
		asm.SigmoidAVX512(dst, src)
		return
	case AVX2:
		asm.SigmoidAVX2(dst, src)
		return
	}
	sigmoidGeneric(dst, src)
}
