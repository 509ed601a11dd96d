//go:build !purego && !noasm

package asm

// IndexAVX512 returns the index of the first element of x equal to v
// (+0 and -0 compare equal), or, if v is NaN, of the first NaN; -1 if
// there is none. AVX-512 (F, BW): four vectors per test, the match bits
// packed into one word in element order, a K-masked tail.
// kernel.Argmax is IndexAVX512(x, MaxAVX512(x)).
//
//	for i, e := range x {
//		if e == v || v != v && e != e {
//			return i
//		}
//	}
//	return -1
//
//go:noescape
func IndexAVX512(x []float32, v float32) int

// IndexAVX2 is IndexAVX512 for AVX2, with tails that never read past
// len(x) (the last 8 elements again, or one at a time below 8).
//
//	for i, e := range x {
//		if e == v || v != v && e != e {
//			return i
//		}
//	}
//	return -1
//
//go:noescape
func IndexAVX2(x []float32, v float32) int
