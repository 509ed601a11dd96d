//go:build !purego && !noasm

package asm

// The softmax family's NEON passes, generated with ExpNEON by
// asm/_asm/neon (go generate). m must be finite and, for the exp
// passes, ≥ every element, so each exponent is ≤ 0.

// ExpShiftSumNEON is Softmax's pass 2: it stores e^(src[i]−m) (as ExpNEON
// computes it) and returns their sum, accumulated in four lanes (lane k
// takes the elements i ≡ k mod 4 in order, as the pure-Go kernel's four
// sums do) added as (s0+s1)+(s2+s3). len(dst) must be ≥ len(src).
//
//	var s float32
//	for i, x := range src {
//		dst[i] = exp32(x - m)
//		s += dst[i]
//	}
//	return s
//
//go:noescape
func ExpShiftSumNEON(dst, src []float32, m float32) float32

// SumExpShiftNEON is the pass 2 of LogSoftmax and LogSumExp: the sum of
// e^(x[i]−m), accumulated as ExpShiftSumNEON's, storing nothing.
//
//	var s float32
//	for _, v := range x {
//		s += exp32(v - m)
//	}
//	return s
//
//go:noescape
func SumExpShiftNEON(x []float32, m float32) float32

// ShiftSubNEON is LogSoftmax's pass 3, sixteen elements per iteration.
// len(dst) must be ≥ len(src); dst may be src.
//
//	for i, x := range src {
//		dst[i] = (x - m) - ls
//	}
//
//go:noescape
func ShiftSubNEON(dst, src []float32, m, ls float32)

// ExpScaledSumMaxNEON is asm.ExpScaledSumMaxAVX512 (the pass 1 of
// kernel.Softmax's, LogSoftmax's and LogSumExp's two-pass algorithm, and
// with flags the scaling before it and the second pass after it) for
// NEON, in blocks of 8 elements, then 4, then the last 1..3, tested
// against hi (x above hi or NaN stops it), keeping the maximum with
// stores too. The flags are ExpScaledSumMaxAVX512's.
//
//	mx, done := −Inf, len(src)
//	for b := 0; b < len(src); b += block {
//		blk := src[b:min(b+block, len(src))]
//		if slices.ContainsFunc(blk, func(x float32) bool { return !(x <= hi) }) {
//			done = b // above hi, or NaN
//			break
//		}
//		for i, x := range blk {
//			y := exp(max(x, lo)) * 2^k
//			if len(dst) > 0 {
//				dst[b+i] = y
//			}
//			s += y
//			mx = max(mx, x)
//		}
//	}
//	if len(dst) == 0 {
//		ymax = exp(max(mx, lo)) * 2^k
//	}
//	return s, mx, ymax, done
//
//go:noescape
func ExpScaledSumMaxNEON(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)
