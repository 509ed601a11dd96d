package ref

import "math"

// SiLU writes silu(src[i]) = src[i]·σ(src[i]), computed in float64, to dst
// (see SiLU1).
func SiLU(dst []float64, src []float32) {
	mustLen("SiLU", len(dst), len(src))
	for i, x := range src {
		dst[i] = SiLU1(x)
	}
}

// SiLU1 returns x·σ(x) = x/(1+e^−x) in float64, the function of
// torch.nn.functional.silu, computed as x·e^x/(1+e^x) for x < 0 so the
// negative tail keeps full relative accuracy down to underflow.
// SiLU1(±0) = ±0, SiLU1(+Inf) = +Inf, NaN → NaN, and SiLU1(−Inf) = NaN,
// as torch gives (its x/(1+e^−x) is −Inf/Inf there), not the limit −0.
func SiLU1(x float32) float64 {
	v := float64(x)
	if v >= 0 {
		return v / (1 + math.Exp(-v))
	}
	if math.IsInf(v, -1) {
		return math.NaN()
	}
	e := math.Exp(v)
	return v * e / (1 + e)
}
