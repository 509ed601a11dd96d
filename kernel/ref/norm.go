package ref

import "math"

// LayerNorm writes (x[i] − μ)/√(σ² + eps)·γ[i] + β[i], computed in
// float64, to dst: torch.nn.functional.layer_norm over one row, σ² the
// biased variance, gamma and beta optional (nil: 1 and 0). The sums are
// compensated (Neumaier), so μ and σ² are the exact moments of the float32
// row to about 2^-100 relative; an empty row writes nothing.
func LayerNorm(dst []float64, x, gamma, beta []float32, eps float32) {
	mustLen("LayerNorm", len(dst), len(x))
	if len(x) == 0 {
		return
	}
	n := float64(len(x))
	var s sum2
	for _, v := range x {
		s.add(float64(v))
	}
	m := s.value() / n
	var q sum2
	for _, v := range x {
		d := float64(v) - m
		q.add(d * d)
	}
	r := 1 / math.Sqrt(q.value()/n+float64(eps))
	for i, v := range x {
		y := (float64(v) - m) * r
		if gamma != nil {
			y *= float64(gamma[i])
		}
		if beta != nil {
			y += float64(beta[i])
		}
		dst[i] = y
	}
}

// RMSNorm writes x[i]/√(Σx²/n + eps)·γ[i], computed in float64, to dst:
// torch.nn.functional.rms_norm over one row, gamma optional (nil: 1), the
// sum compensated.
func RMSNorm(dst []float64, x, gamma []float32, eps float32) {
	mustLen("RMSNorm", len(dst), len(x))
	if len(x) == 0 {
		return
	}
	var q sum2
	for _, v := range x {
		q.add(float64(v) * float64(v)) // exact: 48 bits
	}
	r := 1 / math.Sqrt(q.value()/float64(len(x))+float64(eps))
	for i, v := range x {
		y := float64(v) * r
		if gamma != nil {
			y *= float64(gamma[i])
		}
		dst[i] = y
	}
}

// sum2 is a compensated (Neumaier) float64 sum.
type sum2 struct{ s, c float64 }

func (a *sum2) add(v float64) {
	t := a.s + v
	if math.Abs(a.s) >= math.Abs(v) {
		a.c += (a.s - t) + v
	} else {
		a.c += (v - t) + a.s
	}
	a.s = t
}

func (a *sum2) value() float64 { return a.s + a.c }
