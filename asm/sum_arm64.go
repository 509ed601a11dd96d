//go:build !purego && !noasm

package asm

// SumNEON returns Σ x[i], with eight 4-lane accumulators over 32 elements
// per iteration, added in a fixed tree, and a scalar tail.
//
//	var s float32
//	for i := range x {
//		s += x[i]
//	}
//	return s
//
//go:noescape
func SumNEON(x []float32) float32
