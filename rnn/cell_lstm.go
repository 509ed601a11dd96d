package rnn

import "github.com/simdcore/simdcore/kernel"

// lstmCell is torch.nn.LSTM's cell (see LSTM): four gate blocks i, f, g,
// o, and a cell state c. Its pointwise step is the fused kernel
// kernel.LSTMCell; a projection (Config.Proj) is the engine's.
type lstmCell struct{}

func (lstmCell) name() string      { return "lstm" }
func (lstmCell) gates() int        { return 4 }
func (lstmCell) hasC() bool        { return true }
func (lstmCell) splitHidden() bool { return false }

func (lstmCell) forward(_ Activation, h, c, g, _, _, cPrev []float32) {
	kernel.LSTMCell(h, c, cPrev, g)
}

// backward differentiates c = f⊙cPrev + i⊙g, h = o⊙tanh(c) with the
// activated gates in g:
//
//	dc += dh⊙o⊙(1−tanh²c), do = dh⊙tanh c, di = dc⊙g, dg = dc⊙i, df = dc⊙cPrev,
//
// then through the activations (σ' = σ(1−σ), tanh' = 1−tanh²), and
// leaves dc⊙f in dc for the step before.
func (lstmCell) backward(_ Activation, dg, _, dc, _, dh, g, _, _, c, _, cPrev []float32) {
	H := len(c)
	gi, gf, gg, gout := g[:H], g[H:2*H], g[2*H:3*H], g[3*H:4*H]
	di, df, dgg, do := dg[:H], dg[H:2*H], dg[2*H:3*H], dg[3*H:4*H]
	tc := do // tanh(c), computed where do goes, then overwritten
	kernel.Tanh(tc, c)
	for k := range H {
		i, f, gv, o, t := gi[k], gf[k], gg[k], gout[k], tc[k]
		dck := dc[k] + dh[k]*o*(1-t*t)
		dok := dh[k] * t
		di[k] = dck * gv * i * (1 - i)
		df[k] = dck * cPrev[k] * f * (1 - f)
		dgg[k] = dck * i * (1 - gv*gv)
		do[k] = dok * o * (1 - o)
		dc[k] = dck * f
	}
}
