//go:build !purego && !noasm

package asm

// ScaleNEON computes x[i] *= alpha, 32 elements per iteration and a
// scalar tail.
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func ScaleNEON(alpha float32, x []float32)
