package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the gradients of a MultiHead.

// MultiHeadGrads accumulates the parameter gradients of a MultiHead, with
// the same shapes and layout (InProj in the packed layout, QProj, KProj
// and VProj in the separate one; nil bias gradients when the model has no
// biases).
type MultiHeadGrads struct {
	InProj              kernel.Matrix
	QProj, KProj, VProj kernel.Matrix
	InBias              []float32
	OutProj             kernel.Matrix
	OutBias             []float32
}

// NewGrads returns zero gradients shaped like m's parameters.
func (m *MultiHead) NewGrads() *MultiHeadGrads {
	like := func(w kernel.Matrix) kernel.Matrix {
		if w.Data == nil {
			return kernel.Matrix{}
		}
		return kernel.NewMatrix(w.Rows, w.Cols)
	}
	g := &MultiHeadGrads{
		InProj: like(m.InProj), QProj: like(m.QProj), KProj: like(m.KProj), VProj: like(m.VProj),
		OutProj: like(m.OutProj),
	}
	if m.InBias != nil {
		g.InBias = make([]float32, len(m.InBias))
	}
	if m.OutBias != nil {
		g.OutBias = make([]float32, len(m.OutBias))
	}
	return g
}

// Zero clears the gradients.
func (g *MultiHeadGrads) Zero() {
	for _, w := range []kernel.Matrix{g.InProj, g.QProj, g.KProj, g.VProj, g.OutProj} {
		clearRows(w)
	}
	clear(g.InBias)
	clear(g.OutBias)
}

// weight returns the gradient of part p's projection (see
// MultiHead.weight).
func (g *MultiHeadGrads) weight(m *MultiHead, p int) kernel.Matrix {
	if m.packed() {
		e := m.DModel
		return g.InProj.Slice(p*e, (p+1)*e, 0, e)
	}
	return [...]kernel.Matrix{g.QProj, g.KProj, g.VProj}[p]
}

// fits checks that g is shaped like m's parameters.
func (g *MultiHeadGrads) fits(fn string, m *MultiHead) error {
	same := func(a, b kernel.Matrix) bool {
		return (a.Data == nil) == (b.Data == nil) && a.Rows == b.Rows && a.Cols == b.Cols && (a.Data == nil || a.Valid())
	}
	if g == nil || !same(g.InProj, m.InProj) || !same(g.QProj, m.QProj) || !same(g.KProj, m.KProj) ||
		!same(g.VProj, m.VProj) || !same(g.OutProj, m.OutProj) ||
		len(g.InBias) != len(m.InBias) || (m.InBias != nil) != (g.InBias != nil) ||
		len(g.OutBias) != len(m.OutBias) || (m.OutBias != nil) != (g.OutBias != nil) {
		return shapeErr(fn, "gradients are not shaped like the model (use NewGrads)")
	}
	return nil
}

// Backward adds to g the gradients of Forward(·, x, opt) with respect to
// every projection and bias, and to dx (T×d_model, skipped if its Data is
// nil) the gradient with respect to x, given dy, the gradient with respect
// to Forward's output. It recomputes the forward activations (projections,
// rotations and attention) rather than storing them. Every layout,
// grouped-query heads and Rotary are covered.
func (m *MultiHead) Backward(g *MultiHeadGrads, dx, dy, x kernel.Matrix, opt Options) error {
	const fn = "MultiHead.Backward"
	if err := m.floatOnly(fn); err != nil {
		return err
	}
	if err := m.checkSelf(fn); err != nil {
		return err
	}
	if err := m.checkRows(fn, x, "dy", dy); err != nil {
		return err
	}
	if err := checkGradMatrix(fn, "dx", dx, x); err != nil {
		return err
	}
	m.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer m.WeightsChanged() // and no packed form left to go stale in an optimiser step
	return m.backward(fn, g, [3]kernel.Matrix{dx, dx, dx}, dy, [3]kernel.Matrix{x, x, x}, opt)
}

// CrossBackward adds to g the gradients of Cross(·, query, key, value,
// opt) with respect to every projection and bias, and to dQuery, dKey and
// dValue (each skipped if its Data is nil) the gradients with respect to
// the inputs, given dy, the gradient with respect to Cross's output. For
// an encoder–decoder model, dKey and dValue may be the same matrix (the
// memory's gradient), since they accumulate.
func (m *MultiHead) CrossBackward(g *MultiHeadGrads, dQuery, dKey, dValue, dy, query, key, value kernel.Matrix, opt Options) error {
	const fn = "MultiHead.CrossBackward"
	if err := m.floatOnly(fn); err != nil {
		return err
	}
	if err := m.checkCross(fn, dy, query, key, value); err != nil {
		return err
	}
	for _, c := range []struct {
		name    string
		d, like kernel.Matrix
	}{{"dQuery", dQuery, query}, {"dKey", dKey, key}, {"dValue", dValue, value}} {
		if err := checkGradMatrix(fn, c.name, c.d, c.like); err != nil {
			return err
		}
	}
	m.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer m.WeightsChanged() // and no packed form left to go stale in an optimiser step
	return m.backward(fn, g, [3]kernel.Matrix{dQuery, dKey, dValue}, dy, [3]kernel.Matrix{query, key, value}, opt)
}

// backward is Backward and CrossBackward: in[p] is part p's input, d[p]
// its gradient (accumulated; skipped if nil).
func (m *MultiHead) backward(fn string, g *MultiHeadGrads, d [3]kernel.Matrix, dy kernel.Matrix, in [3]kernel.Matrix, opt Options) error {
	if err := g.fits(fn, m); err != nil {
		return err
	}
	tq, tk := in[partQ].Rows, in[partK].Rows
	if err := opt.check(fn, tq, tk); err != nil {
		return err
	}
	if tq == 0 {
		return nil
	}
	e, kv, dh := m.DModel, m.kvWidth(), m.DHead()
	// The forward activations: q (Tq×E), k and v (Tk×KV·d_head), rotated.
	act := [3]kernel.Matrix{kernel.NewMatrix(tq, e), kernel.NewMatrix(tk, kv), kernel.NewMatrix(tk, kv)}
	for p := range act {
		project(act[p], in[p], m.weight(p), m.bias(p))
	}
	if m.Rotary != nil { // self-attention: tq == tk
		m.Rotary.rotateRows(act[partQ], m.Heads, dh, 0)
		m.Rotary.rotateRows(act[partK], m.NumKVHeads(), dh, 0)
	}
	src := kvSource{k: act[partK], v: act[partV]}
	ctx := kernel.NewMatrix(tq, e)
	if err := m.attendHeads(ctx, act[partQ], src, tk, opt); err != nil {
		return err
	}
	// Output projection: y = ctx·Woᵀ + bo.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dy, ctx, 1, g.OutProj)
	addRowsTo(g.OutBias, dy)
	dctx := kernel.NewMatrix(tq, e)
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dy, m.OutProj, 0, dctx)
	// Attention, by key/value head (the query heads of a group add to the
	// same key and value gradients), into the gradients of q, k and v.
	dact := [3]kernel.Matrix{kernel.NewMatrix(tq, e), kernel.NewMatrix(tk, kv), kernel.NewMatrix(tk, kv)}
	group := m.Heads / m.NumKVHeads()
	err := forHeads(m.NumKVHeads(), group*tq*tk*dh, func(gi int, parallel bool) error {
		dk, dv := dact[partK].Slice(0, tk, gi*dh, (gi+1)*dh), dact[partV].Slice(0, tk, gi*dh, (gi+1)*dh)
		var sc *scratch.Buf
		if parallel {
			// Heads running in parallel write their own contiguous
			// buffers, copied into their column windows after: Gemm
			// reports its whole output span to the race detector, so
			// interleaved windows written concurrently would look like a
			// race (see attendHeads).
			sc = scratch.Get((group*tq + 2*tk) * dh)
			defer scratch.Put(sc)
			clear(sc.Data) // the backward accumulates
			dk = kernel.MatrixFrom(tk, dh, sc.Data[:tk*dh])
			dv = kernel.MatrixFrom(tk, dh, sc.Data[tk*dh:2*tk*dh])
		}
		k, v := src.of(gi, dh)
		for h := gi * group; h < (gi+1)*group; h++ {
			dq := dact[partQ].Slice(0, tq, h*dh, (h+1)*dh)
			if parallel {
				o := 2*tk*dh + (h-gi*group)*tq*dh
				dq = kernel.MatrixFrom(tq, dh, sc.Data[o:o+tq*dh])
			}
			if err := SelfAttentionBackward(dq, dk, dv, dctx.Slice(0, tq, h*dh, (h+1)*dh),
				act[partQ].Slice(0, tq, h*dh, (h+1)*dh), k, v, opt); err != nil {
				return err
			}
			if parallel {
				copyInto(dact[partQ].Slice(0, tq, h*dh, (h+1)*dh), dq) // dact starts at zero
			}
		}
		if parallel {
			copyInto(dact[partK].Slice(0, tk, gi*dh, (gi+1)*dh), dk)
			copyInto(dact[partV].Slice(0, tk, gi*dh, (gi+1)*dh), dv)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Through the rotations: each is orthogonal, so its gradient turns
	// back by the same angle.
	if m.Rotary != nil {
		m.Rotary.unrotateRows(dact[partQ], m.Heads, dh)
		m.Rotary.unrotateRows(dact[partK], m.NumKVHeads(), dh)
	}
	// Input projections: part p = in[p]·Wpᵀ + bp.
	for p := range dact {
		kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dact[p], in[p], 1, g.weight(m, p))
		if g.InBias != nil {
			addRowsTo(m.biasOf(g.InBias, p), dact[p])
		}
		if !skip(d[p]) {
			kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dact[p], m.weight(p), 1, d[p])
		}
	}
	return nil
}

// copyInto copies src into dst row by row (same shape).
func copyInto(dst, src kernel.Matrix) {
	for i := 0; i < src.Rows; i++ {
		copy(dst.Row(i), src.Row(i))
	}
}

// addRowsTo adds every row of m to dst, in order; a nil dst (no bias)
// is left alone.
func addRowsTo(dst []float32, m kernel.Matrix) {
	if dst == nil {
		return
	}
	for i := 0; i < m.Rows; i++ {
		kernel.Add(dst, dst, m.Row(i))
	}
}
