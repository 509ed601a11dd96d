package kernel

// Dot returns Σ x[i]·y[i].
//
// The sum is accumulated in float32 in an order that depends on the level
// (several partial sums), so results may differ between levels in the last
// bits; the error is bounded by len(x)·ε·Σ|x[i]·y[i]|. Dot of empty
// slices is 0. It panics if len(x) != len(y).
func Dot(x, y []float32) float32 {
	return dispatchDot(x, y)
}

// Sum returns Σ x[i], accumulated as Dot is. Sum of nothing is 0.
func Sum(x []float32) float32 {
	return dispatchSum(x)
}

// Max returns the largest element of x, or -Inf if x is empty.
//
// NaN rule: if any element is NaN, Max returns NaN (as numpy.max does).
// +0 and -0 compare equal, and where they tie for the maximum either may
// be returned.
func Max(x []float32) float32 {
	return dispatchMax(x)
}

// Argmax returns the index of the first maximum element of x, or -1 if x
// is empty.
//
// NaN rule: if x holds a NaN, Argmax returns the index of the first NaN
// (as numpy.argmax does), so Max(x) and x[Argmax(x)] agree on NaN.
// +0 and -0 compare equal.
func Argmax(x []float32) int {
	return dispatchArgmax(x)
}

// Axpy computes y[i] += alpha·x[i]. x and y may be the same slice.
// It panics if len(x) != len(y), or if they overlap without being equal.
//
// AVX2, AVX-512 and NEON use a fused multiply-add (one rounding);
// the generic level may round twice.
func Axpy(alpha float32, x, y []float32) {
	dispatchAxpy(alpha, x, y)
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	dispatchScale(alpha, x)
}

// Add computes dst[i] = a[i] + b[i]. dst may be a or b (in place).
// It panics if the lengths differ, or if dst overlaps an input without
// being equal to it.
func Add(dst, a, b []float32) {
	dispatchAdd(dst, a, b)
}

// Mul computes dst[i] = a[i] · b[i]. dst may be a or b (in place).
// It panics as Add does.
func Mul(dst, a, b []float32) {
	dispatchMul(dst, a, b)
}

func checkBinary(fn string, dst, a, b []float32) {
	if len(a) != len(dst) {
		panicLen(fn, "a", len(a), "dst", len(dst))
	}
	if len(b) != len(dst) {
		panicLen(fn, "b", len(b), "dst", len(dst))
	}
	if partialOverlap(dst, a) {
		panicOverlap(fn, "dst", "a")
	}
	if partialOverlap(dst, b) {
		panicOverlap(fn, "dst", "b")
	}
}
