package rnn

import "github.com/simdcore/simdcore/kernel"

// gruCell is torch.nn.GRU's cell (see GRU): three gate blocks r, z, n,
// with the hidden side W_hh·h + b_hh kept apart because n uses
// r⊙(W_hn·h + b_hn). Its pointwise step is the fused kernel
// kernel.GRUCell.
type gruCell struct{}

func (gruCell) name() string      { return "gru" }
func (gruCell) gates() int        { return 3 }
func (gruCell) hasC() bool        { return false }
func (gruCell) splitHidden() bool { return true }

func (gruCell) forward(_ Activation, h, _, g, hg, hPrev, _ []float32) {
	kernel.GRUCell(h, hPrev, g, hg)
}

// backward differentiates h = (1−z)⊙n + z⊙hPrev, n = tanh(a),
// a = x_n + r⊙hg_n with the activated gates r, z, n in g:
//
//	dn = dh⊙(1−z), dz = dh⊙(hPrev−n), da = dn⊙(1−n²), dr = da⊙hg_n,
//
// then through σ; the hidden side's n block gets da⊙r, and hPrev gets
// dh⊙z directly.
func (gruCell) backward(_ Activation, dg, dhg, _, dhPrev, dh, g, hg, _, _, hPrev, _ []float32) {
	H := len(dh)
	gr, gz, gn, hn := g[:H], g[H:2*H], g[2*H:3*H], hg[2*H:3*H]
	for k := range H {
		r, z, n := gr[k], gz[k], gn[k]
		da := dh[k] * (1 - z) * (1 - n*n)
		dr := da * hn[k] * r * (1 - r)
		dz := dh[k] * (hPrev[k] - n) * z * (1 - z)
		dg[k], dg[H+k], dg[2*H+k] = dr, dz, da
		dhg[k], dhg[H+k], dhg[2*H+k] = dr, dz, da*r
		dhPrev[k] += dh[k] * z
	}
}
