package kernel

import "math"

// expShiftSumGeneric is the portable pass 2 of Softmax:
//
//	for i := range src { dst[i] = exp(src[i] − m); s += dst[i] }
//
// with m finite and ≥ every src[i], so each exponent is ≤ 0.
func expShiftSumGeneric(dst, src []float32, m float32) float32 {
	dst = dst[:len(src)]
	var s0, s1, s2, s3 float32
	n := len(src) &^ 3
	for i := 0; i < n; i += 4 {
		xs, ds := src[i:i+4:i+4], dst[i:i+4:i+4]
		ds[0] = exp32(xs[0] - m)
		ds[1] = exp32(xs[1] - m)
		ds[2] = exp32(xs[2] - m)
		ds[3] = exp32(xs[3] - m)
		s0 += ds[0]
		s1 += ds[1]
		s2 += ds[2]
		s3 += ds[3]
	}
	for i := n; i < len(src); i++ {
		dst[i] = exp32(src[i] - m)
		s0 += dst[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumExpShiftGeneric is the portable pass 2 of LogSoftmax and LogSumExp:
//
//	for i := range x { s += exp(x[i] − m) }
func sumExpShiftGeneric(x []float32, m float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(x) &^ 3
	for i := 0; i < n; i += 4 {
		xs := x[i : i+4 : i+4]
		s0 += exp32(xs[0] - m)
		s1 += exp32(xs[1] - m)
		s2 += exp32(xs[2] - m)
		s3 += exp32(xs[3] - m)
	}
	for i := n; i < len(x); i++ {
		s0 += exp32(x[i] - m)
	}
	return (s0 + s1) + (s2 + s3)
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

// expScaled32 returns e^max(x, lo)·2^k as the assembly computes it:
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

// expScaledSumMaxGeneric is the portable pass 1 of the two-pass algorithm
// of Softmax, LogSoftmax and LogSumExp (asm.ExpScaledSumMaxAVX512 says
// more), in blocks of expScaledBlock elements:
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
	var acc [4]float32
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
			y := expScaled32(x, k, lo)
			if store {
				dst[b+i] = y
			}
			acc[i&3] += y
			mx = max(mx, x)
		}
	}
	if !store {
		ymax = expScaled32(mx, k, lo)
	}
	return (acc[0] + acc[1]) + (acc[2] + acc[3]), mx, ymax, done
}
