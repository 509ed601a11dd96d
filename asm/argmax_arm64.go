//go:build !purego && !noasm

package asm

// ArgmaxNEON returns the index of the first maximum element of x, the
// index of the first NaN if x holds one, and -1 if x is empty. len(x)
// must be below 2^32 (package kernel passes at most 65536 elements).
//
//	best := -1
//	for i := range x {
//		if x[i] != x[i] {
//			return i
//		}
//		if best < 0 || x[i] > x[best] {
//			best = i
//		}
//	}
//	return best
//
// +0 and -0 compare equal.
//
//go:noescape
func ArgmaxNEON(x []float32) int
