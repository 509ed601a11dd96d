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

// ExpScaledSumMaxAVX512 is pass 1 of kernel.Softmax's, LogSoftmax's and
// LogSumExp's two-pass algorithm with AVX-512F: y = e^max(x, lo)·2^k for
// each x in src, written to dst unless dst is empty (or flags has 4),
// their sum and, without stores, the maximum of src. It stops before the
// first block (128 elements, or 16 near the end) that holds a NaN or an x
// whose n+k would pass 93 (hi is not used: x up to about hi + 0.4 passes);
// done is how many it processed, and src[done:] is untouched even when
// dst is src. The exponentials are ExpAVX512's range reduction and polynomial
// with n+k added to the exponent field of e^r, exact because the caller
// keeps n+k = round(x·log2e)+k in [−124, 93] for every x in [lo, hi].
// Without stores it also returns ymax, the y of an element equal to the
// maximum (LogSoftmax and LogSumExp need it); otherwise ymax is 0.
// len(dst) is 0 or ≥ len(src); dst may be src.
//
// flags fuse the steps around the pass into the one call:
//
//   - 1: k, lo and hi are ignored and computed from c, the maximum of the
//     first min(len(src), 16) elements, as kernel.scalingFor does; c is
//     returned, and done is −1 (nothing done) if c is not within ±2^15;
//
//   - 2: if the pass completes and wrote dst, dst[i] ·= 1/sum (Softmax);
//
//   - 4: pass 1 writes nothing, and if it completes,
//     dst[i] = (src[i] − max) − kernel.logRatio(sum, ymax) (LogSoftmax).
//
//     if flags&1 != 0 {
//     c = max(src[:min(len(src), 16)]...)
//     if !(c >= −2^15 && c <= 2^15) {
//     return 0, 0, 0, c, −1
//     }
//     k, lo, hi = scalingFor(c)
//     }
//     mx, done := −Inf, len(src)
//     for b := 0; b < len(src); b += block {
//     blk := src[b:min(b+block, len(src))]
//     if slices.ContainsFunc(blk, func(x float32) bool { return !(x <= hi) }) {
//     done = b // above hi, or NaN
//     break
//     }
//     for i, x := range blk {
//     y := exp(max(x, lo)) * 2^k
//     if len(dst) > 0 && flags&4 == 0 {
//     dst[b+i] = y
//     }
//     s += y
//     mx = max(mx, x)
//     }
//     }
//     if len(dst) == 0 || flags&4 != 0 {
//     ymax = exp(max(mx, lo)) * 2^k
//     }
//     if done == len(src) && flags&2 != 0 && len(dst) > 0 {
//     scale(1/s, dst)
//     }
//     if done == len(src) && flags&4 != 0 {
//     ls := logRatio(s, ymax)
//     for i, x := range src {
//     dst[i] = (x − mx) − ls
//     }
//     }
//     return s, mx, ymax, c, done
//
//go:noescape
func ExpScaledSumMaxAVX512(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)

// ExpScaledSumMaxAVX2 is ExpScaledSumMaxAVX512 for AVX2+FMA3, flags
// included, in blocks of 32 elements, then 8 (block is 128, then 16, for
// AVX-512), tested against hi (x above hi or NaN stops it), and keeping
// the maximum with stores too.
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
func ExpScaledSumMaxAVX2(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)
