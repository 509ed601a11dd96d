//go:build !purego && !noasm

package asm

// SumAVX512 returns Σ x[i], using AVX-512F with eight 16-lane
// accumulators and a K-masked tail.
//
//	var s float32
//	for i := range x {
//		s += x[i]
//	}
//	return s
//
//go:noescape
func SumAVX512(x []float32) float32

// SumAVX2 is SumAVX512 for AVX2: eight 8-lane accumulators, and a tail
// that never reads past len(x): the last 8 elements again with the ones
// already counted masked to zero, or a scalar loop below 8 elements.
//
//	var s float32
//	for i := range x {
//		s += x[i]
//	}
//	return s
//
//go:noescape
func SumAVX2(x []float32) float32
