//go:build !purego && !noasm

package asm

// MaxAVX512 returns the largest element of x, -Inf if x is empty, and
// NaN if any element is NaN, using AVX-512F: VMAXPS for the maximum, an
// ordered compare of each pair of vectors AND-ed into K-register flags to
// notice NaNs (VMAXPS alone would lose them), and a K-masked tail. Where
// +0 and -0 tie for the maximum either may be returned.
//
//	m := float32(math.Inf(-1))
//	for _, v := range x {
//		if v != v {
//			return v
//		}
//		m = max(m, v)
//	}
//	return m
//
//go:noescape
func MaxAVX512(x []float32) float32

// MaxAVX2 is MaxAVX512 for AVX2: VMAXPS for the maximum, and an
// unordered compare of each pair of vectors OR-ed into a flag to notice
// NaNs (VMAXPS alone would lose them). Its tail never reads past len(x):
// it takes the last 8 elements again (max does not mind), or goes one
// element at a time below 8.
//
//	m := float32(math.Inf(-1))
//	for _, v := range x {
//		if v != v {
//			return v
//		}
//		m = max(m, v)
//	}
//	return m
//
//go:noescape
func MaxAVX2(x []float32) float32
