//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for Gemv, GemvAdd and GemvT on amd64: a switch on the active
// level (see vector_amd64.go for why not a function value).

func init() {
	register("Gemv", Generic, "gemv_generic_r4")
	register("Gemv", AVX2, "gemv_avx2_r8")
	register("Gemv", AVX512, "gemv_avx512_r8_u2")
	register("GemvAdd", Generic, "gemv_generic_r4")
	register("GemvAdd", AVX2, "gemv_avx2_r8")
	register("GemvAdd", AVX512, "gemv_avx512_r8_u2")
	register("GemvT", Generic, "gemvt_generic")
	register("GemvT", AVX2, "gemvt_avx2_r8_u2")
	register("GemvT", AVX512, "gemvt_avx512_r8_u2")
}

// gemv sets (or, with accumulate, adds to) dst = a·x.
func gemv(dst []float32, a Matrix, x []float32, accumulate bool) {
	switch active {
	case AVX512:
		asm.GemvAVX512(dst, a.Data, a.Stride, x, accumulate)
	case AVX2:
		asm.GemvAVX2(dst, a.Data, a.Stride, x, accumulate)
	default:
		gemvGeneric(dst, a, x, accumulate)
	}
}

// gemvT adds aᵀ·x to dst.
func gemvT(dst []float32, a Matrix, x []float32) {
	switch active {
	case AVX512:
		asm.GemvTAVX512(dst, a.Data, a.Stride, x)
	case AVX2:
		asm.GemvTAVX2(dst, a.Data, a.Stride, x)
	default:
		gemvTGeneric(dst, a, x)
	}
}
