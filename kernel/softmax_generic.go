package kernel

import "math"

// The generic level's softmax passes evaluate e^x as its Exp does
// (expm1Reduced64, in float64, each term rounded once to float32) and sum
// the terms in float64: for any row below 2^29 elements the sum is then
// the exact sum of the float32 terms to within one float32 rounding, so
// its error does not grow with n (the SIMD levels sum in float32 lanes).

// expShiftSumGeneric is the portable pass 2 of Softmax:
//
//	for i := range src { dst[i] = exp(src[i] − m); s += dst[i] }
//
// with m finite and ≥ every src[i], so each exponent is ≤ 0.
func expShiftSumGeneric(dst, src []float32, m float32) float32 {
	dst = dst[:len(src)]
	var s float64
	for i, x := range src {
		e, w := expm1Reduced64(clampExp64(float64(x - m)))
		y := float32(e*w + e)
		dst[i] = y
		s += float64(y)
	}
	return float32(s)
}

// sumExpShiftGeneric is the portable pass 2 of LogSoftmax and LogSumExp:
//
//	for i := range x { s += exp(x[i] − m) }
func sumExpShiftGeneric(x []float32, m float32) float32 {
	var s float64
	for _, v := range x {
		e, w := expm1Reduced64(clampExp64(float64(v - m)))
		s += float64(float32(e*w + e))
	}
	return float32(s)
}

// shiftSubGeneric is the portable pass 3 of LogSoftmax:
//
//	for i := range src { dst[i] = (src[i] − m) − ls }
func shiftSubGeneric(dst, src []float32, m, ls float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = (x - m) - ls
	}
}

// expScaledBlock is how many elements the portable pass 1 of the two-pass
// algorithm tests at a time against hi.
const expScaledBlock = 16

// expScaled32 returns e^max(x, lo)·2^k as the SIMD levels compute it:
// Exp's range reduction with the shifter 1.5·2^23 + k, whose low bits are
// then n+k, and p = e^r with n+k added to its exponent field. That is
// exact while p·2^(n+k) is normal, which the caller ensures (n+k in
// [−124, 93]). x must not be NaN.
func expScaled32(x float32, k int32, lo float32) float32 {
	x = max(x, lo)
	shift := math.Float32frombits(0x4b400000 + uint32(k))
	z := fma32(x, expLog2e, shift)
	nf := z - shift
	r := fma32(nf, -expLn2Hi, x)
	r = fma32(nf, -expLn2Lo, r)
	return math.Float32frombits(math.Float32bits(expPoly(r)) + math.Float32bits(z)<<23)
}

// expScaled64 returns e^max(x, lo)·2^k as the generic level computes it:
// e^x = 2^(n/32)·(1+w) as in expm1Reduced64 (n = round(x·32/ln2); for
// |x| ≤ 2^15·1.01 the reduction keeps a relative error below 1e-11), with
// k added to the exponent of 2^(n/32), rounded once to float32 (normal:
// the caller ensures e^x·2^k is within [2^-124, 2^94]). x must not be
// NaN.
func expScaled64(x float32, k int32, lo float32) float32 {
	xd := float64(max(x, lo))
	z := xd*exp64Inv + exp64Shifter
	nf := z - exp64Shifter
	r := xd - nf*exp64Step
	w := r*r*(0.5+r*(1.0/6+r*(1.0/24))) + r
	n := int64(math.Float64bits(z) - exp64ShifterBits)
	e := math.Float64frombits(exp64Table[n&31] + uint64(n>>5+int64(k))<<52)
	return float32(e*w + e)
}

// expScaledAt is expScaled32 at the SIMD levels and expScaled64 at the
// generic level: c's term as the active level's pass 1 computes it.
func expScaledAt(c float32, k int32, lo float32) float32 {
	if active == Generic {
		return expScaled64(c, k, lo)
	}
	return expScaled32(c, k, lo)
}

// expScaledSumMaxGeneric is the portable pass 1 of the two-pass algorithm
// of Softmax, LogSoftmax and LogSumExp (asm.ExpScaledSumMaxAVX512 says
// more), in blocks of expScaledBlock elements, each term by expScaled64
// and their sum in float64:
//
//	mx, done := −Inf, len(src)
//	for b := 0; b < len(src); b += expScaledBlock {
//		blk := src[b:min(b+expScaledBlock, len(src))]
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
func expScaledSumMaxGeneric(dst, src []float32, k int32, lo, hi float32) (s, mx, ymax float32, done int) {
	store := len(dst) > 0
	var acc float64
	mx, done = negInf, len(src)
blocks:
	for b := 0; b < len(src); b += expScaledBlock {
		blk := src[b:min(b+expScaledBlock, len(src))]
		for _, x := range blk {
			if !(x <= hi) { // above hi, or NaN
				done = b
				break blocks
			}
		}
		for i, x := range blk {
			y := expScaled64(x, k, lo)
			if store {
				dst[b+i] = y
			}
			acc += float64(y)
			mx = max(mx, x)
		}
	}
	if !store {
		ymax = expScaled64(mx, k, lo)
	}
	return float32(acc), mx, ymax, done
}
