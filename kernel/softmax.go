package kernel

import "math"

// Softmax computes dst[i] = e^(src[i]−m) / Σ_j e^(src[j]−m), m = max src:
// the probabilities of logits src. dst may be src (in place); it panics if
// the lengths differ or dst overlaps src without being equal to it.
//
// It is numerically stable for any input (the maximum is subtracted
// first, so no e^… overflows) and any length: rows of 1<<20 and more are
// fed to the kernels in chunks of 65536 elements. -Inf entries (masks)
// give exactly 0; a row of only -Inf gives all zeros, never NaN; a NaN or
// +Inf anywhere gives a row of NaN. Softmax of nothing is nothing. The
// results sum to 1 within len(src)·2^-24, and each is within 2 ulp (plus
// that relative error of the sum) of the exact value.
//
// Algorithm: three passes, fused where it pays. (1) m = Max(src);
// (2) one pass computes dst[i] = e^(src[i]−m) (Exp's algorithm) and
// accumulates their sum in float32 vector lanes; (3) dst is scaled by
// 1/sum. Passes 1 and 3 run at L1/L2 load-store speed (0.012 and 0.016
// ns/element with AVX-512 on the machine of BENCHMARKS.md, where pass 2
// takes 0.097), so Softmax takes about 1.4–1.6× Exp's time on the same
// row. The online two-pass form (running maximum and rescaled sum) was
// not chosen: it can save at most pass 1, the cheapest, and pays for it
// with a rescaling exponential per vector or per block in its exp pass;
// it still needs the final scaling pass.
func Softmax(dst, src []float32) {
	checkUnary("Softmax", dst, src)
	raceRead(src)
	raceWrite(dst)
	m, ok := softmaxMax(dst, src, 0)
	if !ok {
		return
	}
	var s float32
	for i := 0; i < len(src); i += maxChunk {
		j := min(i+maxChunk, len(src))
		s += expShiftSum(dst[i:j], src[i:j], m)
	}
	inv := 1 / s
	for i := 0; i < len(dst); i += maxChunk {
		scale(inv, dst[i:min(i+maxChunk, len(dst))])
	}
}

// LogSoftmax computes dst[i] = src[i] − m − log Σ_j e^(src[j]−m),
// m = max src: the log-probabilities of logits src. dst may be src (in
// place); it panics as Softmax does.
//
// -Inf entries give -Inf; a row of only -Inf gives all -Inf; a NaN or +Inf
// anywhere gives a row of NaN. Each result is within 2 ulp of the exact
// value plus an absolute error of about (len(src)+|src[i]−m|)·2^-24.
//
// Algorithm: three passes. (1) m = Max(src); (2) s = Σ e^(src[i]−m)
// (Exp's algorithm, nothing stored); (3) dst[i] = (src[i] − m) − log s,
// with log s computed once in float64.
func LogSoftmax(dst, src []float32) {
	checkUnary("LogSoftmax", dst, src)
	raceRead(src)
	raceWrite(dst)
	m, ok := softmaxMax(dst, src, negInf)
	if !ok {
		return
	}
	ls := float32(math.Log(float64(sumExpChunks(src, m))))
	for i := 0; i < len(src); i += maxChunk {
		j := min(i+maxChunk, len(src))
		shiftSub(dst[i:j], src[i:j], m, ls)
	}
}

// LogSumExp returns log Σ e^x[i], computed stably as m + log Σ e^(x[i]−m)
// with m = max x (the sum in float32 vector lanes, the log in float64).
// It returns -Inf for empty x or a row of only -Inf, +Inf if some element
// is +Inf, and NaN if some element is NaN. The result is within about
// (len(x)+2)·2^-24 absolute plus 1 ulp of the exact value.
func LogSumExp(x []float32) float32 {
	raceRead(x)
	m := Max(x)
	if m != m || math.IsInf(float64(m), 0) {
		return m // NaN, +Inf, or -Inf for an empty or all -Inf row
	}
	return float32(float64(m) + math.Log(float64(sumExpChunks(x, m))))
}

// sumExpChunks returns Σ e^(x[i]−m) over x in chunks.
func sumExpChunks(x []float32, m float32) float32 {
	var s float32
	for i := 0; i < len(x); i += maxChunk {
		s += sumExpShift(x[i:min(i+maxChunk, len(x))], m)
	}
	return s
}

// softmaxMax returns the maximum of src and whether the row is ordinary.
// For a row that is not (NaN or +Inf somewhere, or all -Inf, or empty) it
// fills dst with the answer (NaN, or fill for all -Inf) and returns false.
func softmaxMax(dst, src []float32, fill float32) (float32, bool) {
	if len(src) == 0 {
		return 0, false
	}
	m := Max(src)
	switch {
	case m != m || m > math.MaxFloat32:
		fill = float32(math.NaN())
	case m < -math.MaxFloat32:
		// all -Inf: fill as asked
	default:
		return m, true
	}
	for i := range dst {
		dst[i] = fill
	}
	return m, false
}
