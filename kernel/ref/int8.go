package ref

// DotInt8 returns Σ x[i]·max(w[i], −127) in int64 (exact): kernel.DotInt8's
// definition, which counts a −128 weight as −127.
func DotInt8(x, w []int8) int64 {
	mustLen("DotInt8", len(x), len(w))
	var s int64
	for i := range x {
		s += int64(x[i]) * int64(max(w[i], -127))
	}
	return s
}

// QGemv evaluates the int8 scheme's matrix–vector product in float64:
// dst[r] = (Σ_j w[r*stride+j]·x[j]) · ws[r] · xs for r < len(dst), j <
// len(x), the sum exact and each product of float64s rounded once. A
// kernel's float32 result is this value with the scheme's float32
// roundings.
func QGemv(dst []float64, w []int8, stride int, ws []float32, x []int8, xs float32) {
	for r := range dst {
		acc := DotInt8(x, w[r*stride:][:len(x)])
		dst[r] = float64(acc) * float64(ws[r]) * float64(xs)
	}
}

// QGemm evaluates the int8 scheme's batched product in float64: row i of
// c (ldc apart) is QGemv of the rows of w and row i of x (xStride apart,
// cols each), with x's scale xs[i].
func QGemm(c []float64, ldc int, x []int8, xStride, cols int, xs []float32, w []int8, wStride int, ws []float32) {
	for i := range xs {
		QGemv(c[i*ldc:][:len(ws)], w, wStride, ws, x[i*xStride:][:cols], xs[i])
	}
}
