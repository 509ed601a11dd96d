//go:build !purego && !noasm

package asm

// ExpShiftSumAVX512 is pass 2 of kernel.Softmax with AVX-512F: it writes
// e^(src[i]−m) to dst and returns their sum, with ExpAVX512's algorithm
// and four vector accumulators. Every src[i] − m must be ≤ 0 (m is the
// maximum) and not NaN; len(dst) ≥ len(src); dst may be src.
//
//	for i, x := range src {
//		dst[i] = exp(x - m)
//		s += dst[i]
//	}
//	return s
//
//go:noescape
func ExpShiftSumAVX512(dst, src []float32, m float32) float32

// ExpShiftSumAVX2 is ExpShiftSumAVX512 for AVX2+FMA3 (2^n as
// 2^(n+24)·2^-24, which is exact for n in [−150, 0] and needs no branch);
// its tail goes through a stack buffer.
//
//	for i, x := range src {
//		dst[i] = exp(x - m)
//		s += dst[i]
//	}
//	return s
//
//go:noescape
func ExpShiftSumAVX2(dst, src []float32, m float32) float32

// SumExpShiftAVX512 is pass 2 of kernel.LogSoftmax and kernel.LogSumExp
// with AVX-512F: Σ e^(x[i]−m), nothing stored. Every x[i] − m must be
// ≤ 0 and not NaN.
//
//	for _, v := range x {
//		s += exp(v - m)
//	}
//	return s
//
//go:noescape
func SumExpShiftAVX512(x []float32, m float32) float32

// SumExpShiftAVX2 is SumExpShiftAVX512 for AVX2+FMA3.
//
//	for _, v := range x {
//		s += exp(v - m)
//	}
//	return s
//
//go:noescape
func SumExpShiftAVX2(x []float32, m float32) float32

// ShiftSubAVX512 is pass 3 of kernel.LogSoftmax with AVX-512F.
// len(dst) ≥ len(src); dst may be src.
//
//	for i, x := range src {
//		dst[i] = (x - m) - ls
//	}
//
//go:noescape
func ShiftSubAVX512(dst, src []float32, m, ls float32)

// ShiftSubAVX2 is ShiftSubAVX512 for AVX, with a scalar tail.
//
//	for i, x := range src {
//		dst[i] = (x - m) - ls
//	}
//
//go:noescape
func ShiftSubAVX2(dst, src []float32, m, ls float32)
