package kernel

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
