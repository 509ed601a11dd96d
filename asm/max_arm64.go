//go:build !purego && !noasm

package asm

// MaxNEON returns the largest element of x, -Inf if x is empty, and NaN
// if x holds a NaN (FMAX propagates NaN):
//
//	m := float32(math.Inf(-1))
//	for i := range x {
//		if x[i] > m || x[i] != x[i] {
//			m = x[i]
//		}
//		if m != m {
//			return m
//		}
//	}
//	return m
//
// Where +0 and -0 tie for the maximum either may be returned.
//
//go:noescape
func MaxNEON(x []float32) float32
