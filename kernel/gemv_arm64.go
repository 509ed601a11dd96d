//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for Gemv, GemvAdd and GemvT on arm64 (see vector_arm64.go for
// why a switch on the level rather than a function value).

func init() {
	register("Gemv", Generic, "gemv_generic_r4")
	register("GemvAdd", Generic, "gemv_generic_r4")
	register("GemvT", Generic, "gemvt_generic")
	register("Gemv", NEON, "gemv_neon_r4_u16")
	register("GemvAdd", NEON, "gemv_neon_r4_u16")
	register("GemvT", NEON, "gemvt_neon_r4_u16")
}

func gemv(dst []float32, a Matrix, x []float32, accumulate bool) {
	if active == NEON {
		asm.GemvNEON(dst, a.Data, a.Stride, x, accumulate)
		return
	}
	gemvGeneric(dst, a, x, accumulate)
}

// gemvT adds aᵀ·x to dst.
func gemvT(dst []float32, a Matrix, x []float32) {
	if active == NEON {
		asm.GemvTNEON(dst, a.Data, a.Stride, x)
		return
	}
	gemvTGeneric(dst, a, x)
}
