//go:build !purego && !noasm

package asm

// DotAVX512 returns Σ x[i]·y[i] for i < len(x), using AVX-512F with eight
// 16-lane accumulators and a K-masked tail. len(y) must be ≥ len(x).
//
//	var s float32
//	for i := range x {
//		s += x[i] * y[i]
//	}
//	return s
//
// The products are fused into the partial sums (one rounding each), and
// the partial sums are added in a fixed tree at the end.
//
//go:noescape
func DotAVX512(x, y []float32) float32

// DotAVX2 is DotAVX512 for AVX2+FMA3: eight 8-lane accumulators, and a
// tail that never reads past len(x): the last 8 elements again with the
// ones already counted masked to zero, or a scalar loop below 8 elements.
// len(y) must be ≥ len(x).
//
//	var s float32
//	for i := range x {
//		s += x[i] * y[i]
//	}
//	return s
//
//go:noescape
func DotAVX2(x, y []float32) float32
