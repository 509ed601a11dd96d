package rnn

import "github.com/simdcore/simdcore/kernel"

// lstmStep is the LSTM variants' step (see variant.go): peepholes P =
// [p_i, p_f, p_o] (nil without Peepholes), InputForget and Clip. With a
// the pre-activations in g (blocks i, f, g, o):
//
//	i = σ(clip(a_i + p_i⊙cPrev))   f = σ(clip(a_f + p_f⊙cPrev)), or 1 − i with InputForget
//	g = tanh(clip(a_g))            c = f⊙cPrev + i⊙g
//	o = σ(clip(a_o + p_o⊙c))       h = o⊙tanh(c)
//
// It leaves the activated gates in g. c may be cPrev.
func (v variant) lstmStep(h, c, g, cPrev, P []float32) {
	H := len(c)
	gi, gf, gg, gout := g[:H], g[H:2*H], g[2*H:3*H], g[3*H:4*H]
	if P != nil {
		for k := range H {
			gi[k] += P[k] * cPrev[k]
			gf[k] += P[H+k] * cPrev[k]
		}
	}
	v.clipTo(g[:3*H])
	kernel.Sigmoid(g[:2*H], g[:2*H])
	if v.inputForget {
		for k, i := range gi {
			gf[k] = 1 - i
		}
	}
	kernel.Tanh(gg, gg)
	for k := range H {
		c[k] = gf[k]*cPrev[k] + gi[k]*gg[k]
	}
	if P != nil {
		for k := range H {
			gout[k] += P[2*H+k] * c[k]
		}
	}
	v.clipTo(gout)
	kernel.Sigmoid(gout, gout)
	kernel.Tanh(h, c)
	kernel.Mul(h, h, gout)
}
