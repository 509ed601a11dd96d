package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the gradients of a MultiHead.

// MultiHeadGrads accumulates the parameter gradients of a MultiHead, with
// the same shapes (nil bias gradients when the model has no biases).
type MultiHeadGrads struct {
	InProj  kernel.Matrix
	InBias  []float32
	OutProj kernel.Matrix
	OutBias []float32
}

// NewGrads returns zero gradients shaped like m's parameters.
func (m *MultiHead) NewGrads() *MultiHeadGrads {
	g := &MultiHeadGrads{
		InProj:  kernel.NewMatrix(m.InProj.Rows, m.InProj.Cols),
		OutProj: kernel.NewMatrix(m.OutProj.Rows, m.OutProj.Cols),
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
	clearRows(g.InProj)
	clearRows(g.OutProj)
	clear(g.InBias)
	clear(g.OutBias)
}

// Backward adds to g the gradients of Forward(·, x, opt) with respect to
// every projection and bias, and to dx (T×d_model, skipped if its Data is
// nil) the gradient with respect to x, given dy, the gradient with respect
// to Forward's output. It recomputes the forward activations (projections
// and attention) rather than storing them. It covers the packed layout
// without Rotary; other models are refused with an error wrapping
// ErrShape.
func (m *MultiHead) Backward(g *MultiHeadGrads, dx, dy, x kernel.Matrix, opt Options) error {
	const fn = "MultiHead.Backward"
	if err := m.check(fn); err != nil {
		return err
	}
	if !m.packed() || m.Rotary != nil {
		return shapeErr(fn, "only the packed layout (InProj) without Rotary has gradients")
	}
	if err := m.checkRows(fn, x, "dy", dy); err != nil {
		return err
	}
	e, t := m.DModel, x.Rows
	if err := checkGradMatrix(fn, "dx", dx, x); err != nil {
		return err
	}
	if g == nil || g.InProj.Rows != 3*e || g.InProj.Cols != e || g.OutProj.Rows != e || g.OutProj.Cols != e ||
		(m.InBias != nil) != (g.InBias != nil) || (m.OutBias != nil) != (g.OutBias != nil) {
		return shapeErr(fn, "gradients are not shaped like the model (use NewGrads)")
	}
	if err := opt.check(fn, t, t); err != nil {
		return err
	}
	if t == 0 {
		return nil
	}
	qkv := kernel.NewMatrix(t, 3*e)
	project(qkv, x, m.InProj, m.InBias)
	ctx := kernel.NewMatrix(t, e)
	dh := m.DHead()
	head := func(a kernel.Matrix, part, h int) kernel.Matrix {
		return a.Slice(0, t, part*e+h*dh, part*e+(h+1)*dh)
	}
	work := t * t * dh
	// Heads run in parallel on contiguous buffers, copied into their
	// column windows after: Gemm reports its whole output span to the race
	// detector, so interleaved windows written concurrently would look
	// like a race (see forward).
	err := forHeads(m.Heads, work, func(h int, parallel bool) error {
		if !parallel {
			return SelfAttention(head(ctx, 0, h), head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt)
		}
		sc := scratch.Get(t * dh)
		defer scratch.Put(sc)
		tmp := kernel.MatrixFrom(t, dh, sc.Data)
		if err := SelfAttention(tmp, head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt); err != nil {
			return err
		}
		copyInto(head(ctx, 0, h), tmp)
		return nil
	})
	if err != nil {
		return err
	}
	// Output projection: y = ctx·Woᵀ + bo.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dy, ctx, 1, g.OutProj)
	addRowsTo(g.OutBias, dy)
	dctx := kernel.NewMatrix(t, e)
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dy, m.OutProj, 0, dctx)
	// Attention, head by head, into the gradient of qkv.
	dqkv := kernel.NewMatrix(t, 3*e)
	err = forHeads(m.Heads, work, func(h int, parallel bool) error {
		if !parallel {
			return SelfAttentionBackward(head(dqkv, 0, h), head(dqkv, 1, h), head(dqkv, 2, h), head(dctx, 0, h),
				head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt)
		}
		sc := scratch.Get(3 * t * dh)
		defer scratch.Put(sc)
		clear(sc.Data) // the backward accumulates
		d := [3]kernel.Matrix{}
		for p := range d {
			d[p] = kernel.MatrixFrom(t, dh, sc.Data[p*t*dh:(p+1)*t*dh])
		}
		if err := SelfAttentionBackward(d[0], d[1], d[2], head(dctx, 0, h),
			head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt); err != nil {
			return err
		}
		for p := range d {
			copyInto(head(dqkv, p, h), d[p]) // dqkv starts at zero
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Input projection: qkv = x·Winᵀ + b.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dqkv, x, 1, g.InProj)
	addRowsTo(g.InBias, dqkv)
	if !skip(dx) {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dqkv, m.InProj, 1, dx)
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
