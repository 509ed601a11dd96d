package kernel

import "math"

// The generic level's activations: each evaluated in float64 and rounded
// once to float32. They are not the SIMD levels' float32 steps (exp32,
// tanh32, sigmoid32, silu32, gelu32, geluTanh32 in this package, which
// the assembly follows step for step): without a hardware fused
// multiply-add (wasm, 386, amd64 below GOAMD64=v3) those steps cost a
// float64 round trip each, while one float64 evaluation is both faster
// and more accurate. So the generic level agrees with the SIMD levels to
// their bounds, not to the bit (ACCURACY.md).
//
// Accuracy: e^x = 2^(j/32)·2^m·e^r with |r| ≤ ln2/64, e^r − 1 by its
// Taylor polynomial to r^4, within 1.2e-10 relative (r^4/5!); the float64
// roundings and the table's add about 2^-50, so every result below is the
// exact value times (1 + δ), |δ| < 1e-9 (GELU: < 2e-9, its fit's error),
// rounded once to float32: within 0.52 ulp (GELU 0.53), subnormal results
// included (their one rounding is the float32 conversion). The exhaustive
// sweeps measured 0.5000 to 0.5013 ulp, and 0.5259 for GELU (ACCURACY.md).

const (
	exp64Shifter     = 0x1.8p52           // x·32/ln2 + shifter rounds to an integer, held in the low bits
	exp64Clamp       = 120                // |x| clamped here: e^±120 is beyond float32 either way, 2^m normal in float64
	exp64ShifterBits = 0x4338000000000000 // math.Float64bits(exp64Shifter)
	exp64Inv         = 32 / math.Ln2
	exp64Step        = math.Ln2 / 32
)

// exp64Table holds the bits of 2^(j/32), j = 0..31, rounded to float64.
var exp64Table = func() (t [32]uint64) {
	for j := range t {
		t[j] = math.Float64bits(math.Exp2(float64(j) / 32))
	}
	return t
}()

// expm1Reduced64 returns s and w with e^x = s·(1+w), for x in
// [−exp64Clamp, exp64Clamp] (NaN gives a NaN w): s = 2^(n/32) from the
// table, n = round(x·32/ln2), and w = e^r − 1 for r = x − n·ln2/32, so w
// keeps full relative accuracy near x = 0, where s = 1.
func expm1Reduced64(x float64) (s, w float64) {
	z := x*exp64Inv + exp64Shifter
	nf := z - exp64Shifter
	r := x - nf*exp64Step
	w = r*r*(0.5+r*(1.0/6+r*(1.0/24))) + r
	n := int64(math.Float64bits(z) - exp64ShifterBits)
	s = math.Float64frombits(exp64Table[n&31] + uint64(n>>5)<<52)
	return s, w
}

// clampExp64 clamps x to [−exp64Clamp, exp64Clamp]; NaN passes through.
func clampExp64(x float64) float64 {
	if x < -exp64Clamp {
		return -exp64Clamp
	}
	if x > exp64Clamp {
		return exp64Clamp
	}
	return x
}

// exp64 returns e^x for x in float64, clamped to ±exp64Clamp. (Beyond
// the inlining budget: the loops of Exp and Sigmoid spell it out, so that
// they make no call per element.)
func exp64(x float64) float64 {
	s, w := expm1Reduced64(clampExp64(x))
	return s*w + s
}

// tanhFast is the generic Tanh: with a = |x| and e^(−2a) = s·(1+w),
// tanh a = ((1−s) − s·w) / ((1+s) + s·w) in float64 (no
// cancellation: w keeps its relative accuracy as a → 0), the sign of x
// copied on, so that Tanh stays odd to the bit.
func tanhFast(x float32) float32 {
	a := math.Abs(float64(x))
	s, w := expm1Reduced64(max(-(a + a), -exp64Clamp)) // NaN stays NaN (Go's max)
	t := float32(((1 - s) - s*w) / ((1 + s) + s*w))
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}

// sigmoidFast is the generic Sigmoid, 1/(1+e^−x) in float64: no
// cancellation for either sign, and e^−x stays finite in float64.
func sigmoidFast(x float32) float32 { return float32(1 / (1 + exp64(-float64(x)))) }

// The float64 values of GELUTanh's constants (geluTanhC1Hi + geluTanhC1Lo
// and geluTanhC2Hi + geluTanhC2Lo are their float32 double-float forms).
const (
	geluTanhC1 = 1.5957691216057308   // 2·√(2/π)
	geluTanhC2 = 0.071354816272600249 // 0.044715·2·√(2/π)
)

// expGeneric is the portable Exp:
//
//	for i := range src { dst[i] = exp(src[i]) }
func expGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		// exp64(x): +Inf above 88.72, +0 below −103.97.
		s, w := expm1Reduced64(clampExp64(float64(x)))
		dst[i] = float32(s*w + s)
	}
}

// tanhGeneric is the portable Tanh.
func tanhGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = tanhFast(x)
	}
}

// sigmoidGeneric is the portable Sigmoid.
func sigmoidGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		s, w := expm1Reduced64(clampExp64(-float64(x))) // sigmoidFast(x)
		dst[i] = float32(1 / (s*w + s + 1))
	}
}

// siluGeneric is the portable SiLU, x/(1+e^−x) in float64, x clamped
// below at −exp64Clamp (where the result has long rounded to −0), −Inf
// giving SiLU's NaN:
//
//	for i := range src { dst[i] = src[i]·σ(src[i]) }
func siluGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		xd := max(float64(x), -exp64Clamp) // NaN stays NaN
		s, w := expm1Reduced64(clampExp64(-xd))
		dst[i] = float32(xd / (s*w + s + 1))
		if math.Float32bits(x) == 0xff800000 { // −Inf
			dst[i] = math.Float32frombits(siluNegInfBits)
		}
	}
}

// geluGeneric is the portable GELU, x·Φ(x), in float64 from GELU's fit:
// for t = min(|x|, 15), s = 4/(4+t), u = s − 1,
// Φ(−t) = ½·s·e^(−t²/2 + u·(h1 + h2·u + … + h11·u^10)) (the fit's 1.6e-9
// absolute error in the exponent is its relative error in Φ(−t)); then
// x·Φ(−t) for x < 0 and x − xc·Φ(−t) for x ≥ 0 (xc = min(x, 15), which
// keeps Inf·0 out), one rounding to float32:
//
//	for i := range src { dst[i] = src[i]·Φ(src[i]) }
func geluGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		xd := float64(x)
		t := min(math.Abs(xd), geluClamp) // NaN stays NaN
		s := geluK / (geluK + t)
		u := s - 1
		// u·(h1 + h2·u + … + h11·u^10) by Estrin's scheme (pairs, then
		// powers u², u⁴, u⁸), for a short dependency chain.
		u2 := u * u
		u4 := u2 * u2
		a := (geluH1 + geluH2*u) + u2*(geluH3+geluH4*u)
		b := (geluH5 + geluH6*u) + u2*(geluH7+geluH8*u)
		c := (geluH9 + geluH10*u) + u2*geluH11
		h := a + u4*(b+u4*c)
		e, w := expm1Reduced64(clampExp64(h*u - 0.5*(t*t)))
		p := 0.5 * s * (e*w + e) // Φ(−t)
		if math.Float32bits(x)>>31 != 0 {
			dst[i] = float32(-t * p) // −0 for −0, and for the underflowing tail
		} else {
			dst[i] = float32(xd - t*p)
		}
	}
}

// geluTanhGeneric is the portable GELUTanh, x·σ(w) = x/(1+e^−w) with
// w = c1·x + c2·x³ (c1 = 2√(2/π), c2 = 0.044715·c1) in float64, x clamped
// below at −geluTanhClamp (gelu is −0 from −10.77 on) and above at 2^40
// (so x³ stays finite; σ(w) = 1 long before, and x itself is the result).
func geluTanhGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		xd := min(max(float64(x), -geluTanhClamp), 0x1p40) // NaN stays NaN
		w := (geluTanhC1 + geluTanhC2*(xd*xd)) * xd
		s, e := expm1Reduced64(clampExp64(-w))
		dst[i] = float32(xd / (s*e + s + 1))
		if x > 0x1p40 { // +Inf, or σ(w) = 1: x itself
			dst[i] = x
		}
	}
}
