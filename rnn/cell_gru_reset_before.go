package rnn

import "github.com/simdcore/simdcore/kernel"

// The GRU variants (see variant.go): ResetBefore, ONNX's
// linear_before_reset=0, whose n reads W_hn·(r⊙h_{t-1}), and Clip on
// either GRU. Each step leaves the activated gates r, z, n in g.

// gruGates activates r and z of a ResetBefore step, g[:2H] =
// σ(clip(x_rz + hg_rz)), and writes rh = r⊙hPrev, the input of n's
// hidden-side product.
func (v variant) gruGates(g, hg, hPrev, rh []float32) {
	v.gruRZ(g, hg, len(hPrev))
	kernel.Mul(rh, g[:len(hPrev)], hPrev)
}

// gruRZ activates a GRU step's r and z in place: g[:2H] =
// σ(clip(x_rz + hg_rz)).
func (v variant) gruRZ(g, hg []float32, H int) {
	rz := g[:2*H]
	kernel.Add(rz, rz, hg[:2*H])
	v.clipTo(rz)
	kernel.Sigmoid(rz, rz)
}

// gruNew finishes a ResetBefore step once hg's n block holds
// W_hn·(r⊙hPrev) + b_hn: n = tanh(clip(x_n + hg_n)), h = (1−z)⊙n + z⊙hPrev.
// h may be hPrev.
func (v variant) gruNew(h, g, hg, hPrev []float32) {
	H := len(hPrev)
	n := g[2*H : 3*H]
	kernel.Add(n, n, hg[2*H:3*H])
	v.clipTo(n)
	kernel.Tanh(n, n)
	gruBlend(h, g[H:2*H], n, hPrev)
}

// gruAfterStep is torch's GRU step (linear_before_reset=1) with Clip:
// r, z = σ(clip(x_rz + hg_rz)), n = tanh(clip(x_n + r⊙hg_n)),
// h = (1−z)⊙n + z⊙hPrev. h may be hPrev.
func (v variant) gruAfterStep(h, g, hg, hPrev []float32) {
	H := len(hPrev)
	v.gruRZ(g, hg, H)
	r, n, hn := g[:H], g[2*H:3*H], hg[2*H:3*H]
	for k := range n {
		n[k] += r[k] * hn[k]
	}
	v.clipTo(n)
	kernel.Tanh(n, n)
	gruBlend(h, g[H:2*H], n, hPrev)
}

// gruBlend sets h = (1−z)⊙n + z⊙hPrev; h may be hPrev.
func gruBlend(h, z, n, hPrev []float32) {
	for k := range h {
		h[k] = (1-z[k])*n[k] + z[k]*hPrev[k]
	}
}
