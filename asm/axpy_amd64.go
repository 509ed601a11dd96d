//go:build !purego && !noasm

package asm

// AxpyAVX512 computes y[i] += alpha·x[i] for i < len(x) with fused
// multiply-adds (one rounding), using AVX-512F and a K-masked tail.
// len(y) must be ≥ len(x); y may be x itself, but no other overlap.
//
//	for i := range x {
//		y[i] = math.FMA(alpha, x[i], y[i]) // in float32
//	}
//
//go:noescape
func AxpyAVX512(alpha float32, x, y []float32)

// AxpyAVX2 is AxpyAVX512 for AVX2+FMA3, with a scalar FMA tail that
// never touches memory past len(x).
//
//	for i := range x {
//		y[i] = math.FMA(alpha, x[i], y[i]) // in float32
//	}
//
//go:noescape
func AxpyAVX2(alpha float32, x, y []float32)
