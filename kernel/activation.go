package kernel

// Exp computes dst[i] = e^src[i]. dst may be src (in place); it panics if
// the lengths differ or if dst overlaps src without being equal to it.
//
// Algorithm (every SIMD level evaluates the same steps in float32 with
// fused multiply-adds, so they agree; the generic level evaluates e^x in
// float64 instead, 2^(n/32) from a table times a degree-4 expm1, rounded
// once: within 0.52 ulp, faster than the float32 steps where there is no
// hardware FMA, and not bit-identical to them):
//
//   - x is clamped to [-0x1.a0p6, 0x1.64p6] (≈ [-104, 89]); NaN passes
//     through the clamp.
//   - Range reduction, Cody–Waite with two constants: n = round(x·log2 e)
//     (by the 1.5·2^23 shifter trick), r = x − n·ln2hi − n·ln2lo, each
//     step one FMA, so |r| ≤ ln2/2 (+ a few ulps).
//   - e^r ≈ 1 + r·(c1 + c2·r + … + c6·r^5): a degree-6 minimax polynomial
//     (relative error 2.6e-9 before float32 rounding), Horner with FMA.
//   - The result is p·2^n rounded once: AVX-512 uses VSCALEFPS; AVX2 and
//     generic build 2^n in the exponent bits, and where 2^n is outside
//     the normal range (n < -126 or n > 127) scale in two steps,
//     p·2^⌊n/2⌋·2^(n−⌊n/2⌋), so the single rounding happens in the last
//     multiply: underflow is gradual (no flush to zero) and overflow to
//     +Inf happens exactly where float32's does, for x > 0x1.62e42ep6.
//
// Accuracy: at most 1 ulp against the exact value over all 2^32 inputs;
// the exhaustive sweep measured 0.91 ulp at every SIMD level and 0.50 at
// the generic one (ACCURACY.md).
// exp(±0) = 1, exp(+Inf) = +Inf, exp(-Inf) = +0, NaN → NaN.
func Exp(dst, src []float32) {
	dispatchExp(dst, src)
}

// Tanh computes dst[i] = tanh(src[i]). dst may be src (in place); it
// panics as Exp does.
//
// Algorithm: with a = |x| and e = e^(−2a) = 2^n·(1+w),
//
//	tanh(a) = (1 − e)/(1 + e) = ((1−2^n) − 2^n·w) / ((1+2^n) + 2^n·w)
//
// where w = expm1(r) for the reduced argument r of −2a (Cody–Waite
// reduction as in Exp) is a degree-7 minimax polynomial r + r²·q(r) with
// relative error 2.7e-10, and numerator and denominator are each one FMA
// (1∓2^n is exact), so there is no cancellation anywhere: the same
// formula serves small and large a. −2a is clamped at −40 (tanh is 1 in
// float32 long before). Inputs with |x| < 2^-13 are returned as they are
// (tanh(x) rounds to x there); the result takes the sign of x, so Tanh is
// odd to the bit. Saturation: for |x| ≥ 0x1.2059p3 (≈ 9.011, where
// tanh rounds to 1) the result is exactly ±1, as the numerator and
// denominator both round to 1.
//
// That is the SIMD levels' algorithm; the generic level evaluates the
// same formula in float64 (e^(−2a) = 2^(n/32)·(1+w) from a table and a
// degree-4 expm1), rounded once, so it saturates where tanh rounds to 1
// (|x| ≥ 0x1.205968p3).
//
// Accuracy: at most 2 ulp over all 2^32 inputs; the exhaustive sweep
// measured 1.50 ulp at the SIMD levels, 0.50 at the generic one
// (ACCURACY.md).
// tanh(±0) = ±0, tanh(±Inf) = ±1, NaN → NaN.
func Tanh(dst, src []float32) {
	dispatchTanh(dst, src)
}

// Sigmoid computes dst[i] = 1/(1+e^−src[i]). dst may be src (in place); it
// panics as Exp does.
//
// Algorithm: e = e^(−|x|) by Exp's algorithm (with its gradual underflow),
// then σ = 1/(1+e) for x ≥ 0 and σ = e/(1+e) for x < 0, one division
// either way. The second form keeps full relative accuracy down through
// the subnormal results of x < −87.3 (σ(x) = e^x there) and underflows to
// +0 below x ≈ −103.97. σ rounds to 1 for x > 17.33 (1+e rounds to 1).
//
// The generic level computes 1/(1+e^−x) in float64 (e^−x as its Exp
// does), rounded once.
//
// Accuracy: at most 2 ulp over all 2^32 inputs, subnormal results
// included; the exhaustive sweep measured 1.49 ulp at the SIMD levels and
// 0.50 at the generic one (ACCURACY.md).
// σ(0) = 0.5, σ(+Inf) = 1, σ(−Inf) = +0, NaN → NaN.
func Sigmoid(dst, src []float32) {
	dispatchSigmoid(dst, src)
}

// checkUnary panics unless dst and src have the same length and dst is
// either src itself or disjoint from it.
func checkUnary(fn string, dst, src []float32) {
	if len(src) != len(dst) {
		panicLen(fn, "src", len(src), "dst", len(dst))
	}
	if partialOverlap(dst, src) {
		panicOverlap(fn, "dst", "src")
	}
}
