package rnn

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// variantBackward is cellBackward for a variant cell (see variant.go):
// the same walk back through the steps, carry and truncation, with the
// variant's chain rule, the peepholes' gradient, and for ResetBefore n's
// rows of W_hh paired with r⊙h_{t-1} (recorded in hg) instead of
// h_{t-1}. Clip passes no gradient through an activation whose input was
// clipped: one whose output is the activation of ±Clip (see
// clipBounds).
func (n *Net) variantBackward(v variant, c, g *Cell, x, h, dh kernel.Matrix, rec seqRecord, dIn kernel.Matrix, b backBuffers, reverse bool, k int) {
	T, H := x.Rows, n.cfg.Hidden
	GH := n.cfg.gates() * H
	cb := v.clipBounds()
	clear(b.dc)
	haveCarry := false
	for s := T - 1; s >= 0; s-- {
		t, tp, dht := b.stepGrad(dh, s, T, reverse, haveCarry)
		hPrev, cPrev := b.zerosHO, b.zerosH
		if s > 0 {
			hPrev = h.Row(tp)
			if v.cell == LSTM {
				cPrev = rec.c.Row(tp)
			}
		}
		clear(b.direct)
		dg, ga := b.dg.Row(t), rec.g.Row(t)
		switch v.cell {
		case LSTM:
			v.lstmBack(dg, b.dc, g.P, dht, ga, rec.c.Row(t), cPrev, c.P, cb)
		case GRU:
			v.gruBack(dg, b.dhg.Row(t), b.direct, b.dm, dht, ga, rec.hg.Row(t), hPrev, c.Whh, cb)
		default:
			v.elmanBack(dg, dht, ga, cb)
		}
		haveCarry = s > 0 && (k <= 0 || s%k != 0)
		switch {
		case !haveCarry:
			clear(b.dc)
		case v.resetBefore: // n's rows reach h_{t-1} through r⊙h_{t-1}: in direct
			kernel.GemvT(b.carry, c.Whh.Slice(0, 2*H, 0, H), b.dhg.Row(t)[:2*H])
			kernel.Add(b.carry, b.carry, b.direct)
		default:
			kernel.GemvT(b.carry, c.Whh, b.dhg.Row(t))
			kernel.Add(b.carry, b.carry, b.direct)
		}
	}
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, b.dg, x, 1, g.Wih) // Σ_t dg_t ⊗ x_t
	dhg, rows := b.dhg, GH
	if v.resetBefore {
		rows = 2 * H
		// Σ_t dhg_n,t ⊗ (r⊙h_{t-1})_t, every step's own row.
		kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dhg.Slice(0, T, 2*H, GH), rec.hg.Slice(0, T, GH, GH+H), 1, g.Whh.Slice(2*H, GH, 0, H))
	}
	if T > 1 { // Σ_t dhg_t ⊗ h_{t-1}, as cellBackward
		gw := g.Whh.Slice(0, rows, 0, g.Whh.Cols)
		if reverse {
			kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dhg.Slice(0, T-1, 0, rows), h.Slice(1, T, 0, h.Cols), 1, gw)
		} else {
			kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dhg.Slice(1, T, 0, rows), h.Slice(0, T-1, 0, h.Cols), 1, gw)
		}
	}
	if g.Bih != nil {
		addColSums(g.Bih, b.dg)
	}
	if g.Bhh != nil {
		addColSums(g.Bhh, b.dhg)
	}
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, b.dg, c.Wih, 1, dIn) // ∂J/∂x_t += W_ihᵀ·dg_t
}

// bounds are the outputs of σ, tanh and an Elman cell's ψ at ±Clip,
// computed by the kernels the step uses: an activation equal to one of
// them had its input clipped (or was within rounding of the bound, where
// the derivative is σ's or tanh's at the bound either way).
type bounds struct{ sig, tanh, act [2]float32 }

func (v variant) clipBounds() bounds {
	var b bounds
	if v.clip == 0 {
		return b
	}
	b.sig = [2]float32{-v.clip, v.clip}
	b.tanh, b.act = b.sig, b.sig
	kernel.Sigmoid(b.sig[:], b.sig[:])
	kernel.Tanh(b.tanh[:], b.tanh[:])
	activate(v.act, b.act[:])
	return b
}

// pass returns 0 when a is a clipped activation (a bound of bs), else 1.
func (v variant) pass(a float32, bs [2]float32) float32 {
	if v.clip != 0 && (a == bs[0] || a == bs[1]) {
		return 0
	}
	return 1
}

// elmanBack turns dh into dg for h = ψ(clip(z)), with the activated h in
// ga.
func (v variant) elmanBack(dg, dh, ga []float32, cb bounds) {
	copy(dg, dh)
	derivative(v.act, dg, ga)
	for k, a := range ga {
		dg[k] *= v.pass(a, cb.act)
	}
}

// gruBack differentiates a GRU variant's step (cell_gru_reset_before.go)
// with the activated gates r, z, n in ga and the hidden side in hg:
// dn = dh⊙(1−z), da_n = dn⊙(1−n²), dz = dh⊙(hPrev−n), and r's gradient
// through hg_n (torch's order) or through r⊙hPrev (ResetBefore, whose
// ∂J/∂(r⊙hPrev) = W_hnᵀ·da_n goes in drh, and whose hPrev part goes to
// direct with z⊙dh).
func (v variant) gruBack(dg, dhg, direct, drh, dh, ga, hg, hPrev []float32, whh kernel.Matrix, cb bounds) {
	H := len(dh)
	gr, gz, gn, hn := ga[:H], ga[H:2*H], ga[2*H:3*H], hg[2*H:3*H]
	for k := range H {
		z, nv := gz[k], gn[k]
		da := dh[k] * (1 - z) * (1 - nv*nv) * v.pass(nv, cb.tanh)
		dz := dh[k] * (hPrev[k] - nv) * z * (1 - z) * v.pass(z, cb.sig)
		dg[H+k], dg[2*H+k] = dz, da
		dhg[H+k], dhg[2*H+k] = dz, da
		direct[k] += dh[k] * z
	}
	if v.resetBefore {
		kernel.GemvT(drh, whh.Slice(2*H, 3*H, 0, H), dg[2*H:3*H])
		for k := range H {
			direct[k] += drh[k] * gr[k]
			drh[k] *= hPrev[k] // ∂J/∂r
		}
	} else {
		for k := range H {
			drh[k] = dg[2*H+k] * hn[k]
			dhg[2*H+k] *= gr[k]
		}
	}
	for k, r := range gr {
		dr := drh[k] * r * (1 - r) * v.pass(r, cb.sig)
		dg[k], dhg[k] = dr, dr
	}
}

// lstmBack differentiates an LSTM variant's step (cell_lstm_peephole.go)
// with the activated gates i, f, g, o in ga and the cell state c: it
// turns dh and dc (∂J/∂c from the step after, updated in place to the
// gradient for cPrev) into dg, and adds the peepholes' gradient to dP
// (nil without peepholes).
func (v variant) lstmBack(dg, dc, dP, dh, ga, c, cPrev, P []float32, cb bounds) {
	H := len(c)
	for k := range H {
		i, f, gv, o := ga[k], ga[H+k], ga[2*H+k], ga[3*H+k]
		t := tanhf(c[k])
		dao := dh[k] * t * o * (1 - o) * v.pass(o, cb.sig)
		dck := dc[k] + dh[k]*o*(1-t*t)
		if P != nil {
			dck += dao * P[2*H+k]
		}
		di, df := dck*gv, dck*cPrev[k]
		var daf float32
		if v.inputForget { // f = 1 − i
			di -= df
		} else {
			daf = df * f * (1 - f) * v.pass(f, cb.sig)
		}
		dai := di * i * (1 - i) * v.pass(i, cb.sig)
		dg[k], dg[H+k], dg[3*H+k] = dai, daf, dao
		dg[2*H+k] = dck * i * (1 - gv*gv) * v.pass(gv, cb.tanh)
		dc[k] = dck * f
		if P != nil {
			dc[k] += dai*P[k] + daf*P[H+k]
			dP[k] += dai * cPrev[k]
			dP[H+k] += daf * cPrev[k]
			dP[2*H+k] += dao * c[k]
		}
	}
}

// tanhf is tanh in float32, for the backward pass's tanh(c).
func tanhf(x float32) float32 { return float32(math.Tanh(float64(x))) }
