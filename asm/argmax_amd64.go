//go:build !purego && !noasm

package asm

// ArgmaxAVX512 returns the index of the first maximum of x, the index of
// the first NaN if x holds one, and -1 if x is empty; +0 and -0 compare
// equal. It makes two passes with AVX-512 (F, BW): the maximum m and a
// NaN flag as MaxAVX512 computes them, then a search for the first
// element equal to m (or the first NaN), four vectors per test.
//
//	best := -1
//	for i, v := range x {
//		if v != v {
//			return i
//		}
//		if best < 0 || v > x[best] {
//			best = i
//		}
//	}
//	return best
//
//go:noescape
func ArgmaxAVX512(x []float32) int

// ArgmaxAVX2 is ArgmaxAVX512 for AVX2: the maximum as MaxAVX2 computes
// it, then a search for the first element equal to it (or the first NaN),
// with tails that never read past len(x) (the last 8 elements again, or
// one at a time below 8).
//
//	best := -1
//	for i, v := range x {
//		if v != v {
//			return i
//		}
//		if best < 0 || v > x[best] {
//			best = i
//		}
//	}
//	return best
//
//go:noescape
func ArgmaxAVX2(x []float32) int
