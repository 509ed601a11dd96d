package kernel

import "math"

// SiLU computes dst[i] = x·σ(x) = x/(1+e^−x), x = src[i]:
// torch.nn.functional.silu (torch.nn.SiLU). dst may be src (in place); it
// panics as Exp does.
//
// Algorithm (the same float32 steps at every SIMD level, fused
// multiply-adds and true divisions, so they agree to the bit, as GELU's;
// the generic level: x/(1+e^−x) in float64, rounded once): the
// tail of GELUTanh's x·σ(w) with w = x, which is exact here: t = |x|
// (clamped at 120), e^−t by Exp's reduction and Tanh's expm1 polynomial,
// and a compensated quotient as in Sigmoid (two true divisions):
// x·e^−t/(1+e^−t) for x < 0 (the power of two applied last, so the
// subnormal tail underflows gradually), x/(1+e^−t) for x ≥ 0. silu(x) = x
// for x > 16.676971 (0x1.0ad4ep4); subnormal results below −91.85678, the
// last nonzero one (−2^-149) at −108.6603, then −0. AVX2 and NEON take
// one vector per iteration, AVX-512 two (the same steps per lane, so the
// same bits).
//
// Accuracy: at most 2 ulp over all 2^32 inputs (ACCURACY.md gives the
// exhaustive sweep's maximum). Every result but NaN has the sign of x.
// silu(±0) = ±0, silu(+Inf) = +Inf, silu(−Inf) = NaN (as torch, whose
// x/(1+e^−x) is −Inf/Inf there; the bits are 0x7fc00000 at every level),
// NaN → NaN.
func SiLU(dst, src []float32) {
	dispatchSiLU(dst, src)
}

const (
	// siluClamp bounds t = |x|: t·e^−t < 2^-150 from t ≈ 108.7 on, so
	// the negative tail has rounded to −0 long before, and e^−t is 0 for
	// the positive side; n = round(−t·log2 e) ≥ −174 stays in the range
	// where scale2n's two factors are normal.
	siluClamp = 120
	// siluNegInfBits is the NaN that silu(−Inf) gives.
	siluNegInfBits = 0x7fc00000
)

// silu32 is the scalar SiLU: xSigmoid (geluTanh32's steps 2 to 5) with
// |w| = t = min(|x|, 120) exact (wl = 0), and NaN for −Inf. Branch-free
// per lane but for the selects on the sign of x and on −Inf, so every
// level can evaluate the same steps and agree to the bit.
func silu32(x float32) float32 {
	bits := math.Float32bits(x)
	sign := bits & (1 << 31)
	t := math.Float32frombits(bits &^ (1 << 31))
	if t > siluClamp { // min(t, 120); a NaN t stays x's NaN, as VMINPS and FMIN keep it
		t = siluClamp
	}
	xc := math.Float32frombits(math.Float32bits(t) | sign)
	y := xSigmoid(x, xc, t, 0, sign)
	if bits == 0xff800000 { // −Inf
		return math.Float32frombits(siluNegInfBits)
	}
	return y
}
