package ref

import "math"

// LSTMCell writes one step of n = len(cPrev) LSTM units (PyTorch's cell),
// computed in float64 from the float32 inputs: with pre the 4n
// pre-activations [i f g o], i = σ(pre[k]), f = σ(pre[n+k]),
// g = tanh(pre[2n+k]), o = σ(pre[3n+k]), it writes the activated gates to
// gates (4n), c[k] = f·cPrev[k] + i·g and h[k] = o·tanh(c[k]).
func LSTMCell(h, c, gates []float64, cPrev, pre []float32) {
	n := len(cPrev)
	mustLen("LSTMCell", len(h), n)
	mustLen("LSTMCell", len(c), n)
	mustLen("LSTMCell", len(gates), 4*n)
	mustLen("LSTMCell", len(pre), 4*n)
	for k := range n {
		i, f := Sigmoid1(pre[k]), Sigmoid1(pre[n+k])
		g, o := Tanh1(pre[2*n+k]), Sigmoid1(pre[3*n+k])
		gates[k], gates[n+k], gates[2*n+k], gates[3*n+k] = i, f, g, o
		c[k] = f*float64(cPrev[k]) + i*g
		h[k] = o * math.Tanh(c[k])
	}
}

// GRUCell writes one step of n = len(hPrev) GRU units (PyTorch's cell),
// computed in float64 from the float32 inputs: with xg and hg the 3n
// input-side and hidden-side pre-activations [r z n],
// r = σ(xg[k]+hg[k]), z = σ(xg[n+k]+hg[n+k]),
// m = tanh(xg[2n+k] + r·hg[2n+k]), it writes [r z m] to gates (3n) and
// h[k] = m + z·(hPrev[k] − m), which is (1−z)·m + z·hPrev[k].
func GRUCell(h, gates []float64, hPrev, xg, hg []float32) {
	n := len(hPrev)
	mustLen("GRUCell", len(h), n)
	mustLen("GRUCell", len(gates), 3*n)
	mustLen("GRUCell", len(xg), 3*n)
	mustLen("GRUCell", len(hg), 3*n)
	for k := range n {
		r := Sigmoid64(float64(xg[k]) + float64(hg[k]))
		z := Sigmoid64(float64(xg[n+k]) + float64(hg[n+k]))
		m := math.Tanh(float64(xg[2*n+k]) + r*float64(hg[2*n+k]))
		gates[k], gates[n+k], gates[2*n+k] = r, z, m
		h[k] = m + z*(float64(hPrev[k])-m)
	}
}

// Sigmoid64 returns 1/(1+e^−v), in the form that keeps full relative
// accuracy for large negative v (e^v/(1+e^v)): Sigmoid1 for a float64
// argument.
func Sigmoid64(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}
