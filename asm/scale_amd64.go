//go:build !purego && !noasm

package asm

// ScaleAVX512 computes x[i] *= alpha, using AVX-512F with a K-masked tail.
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func ScaleAVX512(alpha float32, x []float32)

// ScaleAVX2 is ScaleAVX512 for AVX2, with a scalar tail that never
// touches memory past len(x).
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func ScaleAVX2(alpha float32, x []float32)
