package ref

import "math"

// GELU writes gelu(src[i]) = src[i]·Φ(src[i]), computed in float64, to dst
// (see GELU1).
func GELU(dst []float64, src []float32) {
	mustLen("GELU", len(dst), len(src))
	for i, x := range src {
		dst[i] = GELU1(x)
	}
}

// GELUTanh writes the tanh approximation of gelu(src[i]), computed in
// float64, to dst (see GELUTanh1).
func GELUTanh(dst []float64, src []float32) {
	mustLen("GELUTanh", len(dst), len(src))
	for i, x := range src {
		dst[i] = GELUTanh1(x)
	}
}

// GELU1 returns x/2·(1+erf(x/√2)) = x·Φ(x) in float64, the function of
// torch.nn.functional.gelu(x, approximate='none'). For x < 0 it is computed
// as x/2·erfc(|x|/√2), which keeps full relative accuracy in the negative
// tail (no cancellation of 1+erf); the error is below 2^-43 relative for
// every float32 x. GELU1(±0) = ±0, GELU1(+Inf) = +Inf, GELU1(−Inf) = −0
// (the limit; the formula itself would give −Inf·0), NaN → NaN.
func GELU1(x float32) float64 {
	v := float64(x)
	switch {
	case math.IsInf(v, -1):
		return math.Copysign(0, -1)
	case v < 0:
		return v / 2 * math.Erfc(-v/math.Sqrt2)
	}
	return v / 2 * (1 + math.Erf(v/math.Sqrt2))
}

// GELUTanh1 returns x/2·(1+tanh(√(2/π)·(x+0.044715·x³))) in float64, the
// function of torch.nn.functional.gelu(x, approximate='tanh'). It is
// computed as x·σ(2u), u = √(2/π)·(x+0.044715·x³), σ(v) = 1/(1+e^−v) (equal
// to the formula, since 1+tanh(u) = 2σ(2u)), with σ in Sigmoid1's form for
// v < 0, so the negative tail keeps full relative accuracy down to
// underflow (the rounding of u in float64 moves the result by about
// 2^-43 relative at most, where |2u| is near 104). GELUTanh1(±0) = ±0, GELUTanh1(+Inf) = +Inf, GELUTanh1(−Inf) =
// −0 (the limit), NaN → NaN.
func GELUTanh1(x float32) float64 {
	v := float64(x)
	if math.IsInf(v, -1) {
		return math.Copysign(0, -1)
	}
	w := 2 * math.Sqrt(2/math.Pi) * (v + 0.044715*v*v*v)
	if w >= 0 {
		return v / (1 + math.Exp(-w))
	}
	e := math.Exp(w)
	return v * e / (1 + e)
}
