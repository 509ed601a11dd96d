package rnn

import (
	"github.com/simdcore/simdcore/kernel"
)

// Trace records a forward pass for Backward: the input and every layer's
// states. It keeps a reference to the input matrix, which must not be
// modified before Backward.
type Trace struct {
	X kernel.Matrix // the input, T×Input
	// Layers[l] is layer l's output, T×Width.
	Layers []kernel.Matrix
	// Logits are the head's outputs before the output activation:
	// T×Output (Trace) or 1×Output (TraceLast); empty without a head.
	Logits kernel.Matrix
	// Out is what Forward (Trace) or Last (TraceLast) returns, as a
	// T×OutWidth or 1×OutWidth matrix.
	Out  kernel.Matrix
	last bool
	top  []float32 // the many-to-one summary (TraceLast only)
}

// Trace runs Forward and records what Backward needs (many-to-many).
func (n *Net) Trace(xs kernel.Matrix) (*Trace, error) {
	return n.trace("Trace", xs, false)
}

// TraceLast runs Last and records what Backward needs (many-to-one).
func (n *Net) TraceLast(xs kernel.Matrix) (*Trace, error) {
	return n.trace("TraceLast", xs, true)
}

func (n *Net) trace(fn string, xs kernel.Matrix, last bool) (*Trace, error) {
	if err := n.checkSeq(fn, xs); err != nil {
		return nil, err
	}
	if last && xs.Rows == 0 {
		return nil, shapeErr("%s: empty sequence (T=0)", fn)
	}
	tr := &Trace{X: xs, Layers: n.layers(xs, 1, true, false, nil), last: last}
	top := tr.Layers[n.cfg.Layers-1]
	if last {
		tr.top = n.lastVec(top)
		top = kernel.MatrixFrom(1, len(tr.top), tr.top)
	}
	if n.cfg.Output == 0 {
		tr.Out = top
		return tr, nil
	}
	tr.Logits = n.head(kernel.NewMatrix(top.Rows, n.cfg.Output), top)
	tr.Out = kernel.NewMatrix(tr.Logits.Rows, tr.Logits.Cols)
	for i := 0; i < tr.Out.Rows; i++ {
		copy(tr.Out.Row(i), tr.Logits.Row(i))
	}
	activateRows(n.cfg.OutputActivation, tr.Out)
	return tr, nil
}

// Backward runs backpropagation through time over a Trace. dOut is the
// gradient of the loss with respect to the head's logits (the outputs
// before the output activation; package loss computes exactly this), or
// with respect to the outputs when there is no head. It has the shape of
// tr.Out: T×OutWidth after Trace, 1×OutWidth after TraceLast. Rows of
// zeros are steps without a loss term.
//
// Backward adds ∂J/∂w to each weight of grad (a Net from NewGrad; zero
// it between batches) and returns ∂J/∂x, T×Input.
func (n *Net) Backward(tr *Trace, dOut kernel.Matrix, grad *Net) (kernel.Matrix, error) {
	return n.BackwardTruncated(tr, dOut, grad, 0)
}

// BackwardTruncated is Backward with truncated BPTT(k): the sequence is
// cut into windows of k steps (in each direction's processing order) and
// gradients do not flow through the recurrence across a window boundary,
// exactly as if the state were detached every k steps of the forward
// pass. k ≤ 0 or k ≥ T is full BPTT.
func (n *Net) BackwardTruncated(tr *Trace, dOut kernel.Matrix, grad *Net, k int) (kernel.Matrix, error) {
	c := n.cfg
	if err := n.check("Backward"); err != nil {
		return kernel.Matrix{}, err
	}
	if err := n.checkTrace("Backward", tr); err != nil {
		return kernel.Matrix{}, err
	}
	if grad == nil || grad.cfg != c {
		return kernel.Matrix{}, shapeErr("Backward: grad was not made by NewGrad of this network's shape")
	}
	if err := grad.check("Backward (grad)"); err != nil {
		return kernel.Matrix{}, err
	}
	T := tr.X.Rows
	top := tr.Layers[c.Layers-1]
	wantRows := T
	if tr.last {
		wantRows = 1
	}
	if !dOut.Valid() || dOut.Rows != wantRows || dOut.Cols != c.OutWidth() {
		return kernel.Matrix{}, shapeErr("Backward: dOut is %d×%d, want %d×%d", dOut.Rows, dOut.Cols, wantRows, c.OutWidth())
	}

	// Gradient with respect to the top layer's states.
	dTop := kernel.NewMatrix(T, c.Width())
	switch {
	case tr.last:
		dv := dOut.Row(0)
		if c.Output > 0 {
			d := dv
			dv = make([]float32, c.Width())
			kernel.GemvT(dv, n.Wy, d)
			// ∂J/∂W_y += d ⊗ v, a single outer product.
			for i, di := range d {
				kernel.Axpy(di, tr.top, grad.Wy.Row(i))
			}
			kernel.Add(grad.By, grad.By, d)
		}
		H := c.Hidden
		copy(dTop.Row(T - 1)[:H], dv[:H])
		if c.Bidirectional {
			copy(dTop.Row(0)[H:], dv[H:])
		}
	case c.Output > 0:
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dOut, n.Wy, 0, dTop)
		kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dOut, top, 1, grad.Wy)
		addColSums(grad.By, dOut)
	default:
		for t := 0; t < T; t++ {
			copy(dTop.Row(t), dOut.Row(t))
		}
	}

	// Down the layers: dTop becomes the gradient of the layer below.
	dirs, H := c.Dirs(), c.Hidden
	dz := kernel.NewMatrix(T, H)
	scratch := make([]float32, H)
	for l := c.Layers - 1; l >= 0; l-- {
		in := tr.X
		if l > 0 {
			in = tr.Layers[l-1]
		}
		dIn := kernel.NewMatrix(T, in.Cols)
		for d := 0; d < dirs; d++ {
			i := l*dirs + d
			cols := func(m kernel.Matrix) kernel.Matrix { return m.Slice(0, T, d*H, (d+1)*H) }
			n.cellBackward(&n.Cells[i], &grad.Cells[i], in, cols(tr.Layers[l]), cols(dTop), dz, dIn, scratch, d == 1, k)
		}
		dTop = dIn
	}
	return dTop, nil
}

func lenLayers(tr *Trace) int {
	if tr == nil {
		return 0
	}
	return len(tr.Layers)
}

// cellBackward backpropagates through one direction of one layer.
// x is the layer input (T×in), h its states (T×H view), dh the gradient
// arriving from above (T×H view). It fills dz (T×H) with ∂J/∂z_t, adds
// the weight gradients to g and ∂J/∂x to dIn.
func (n *Net) cellBackward(c, g *Cell, x, h, dh, dz, dIn kernel.Matrix, carry []float32, reverse bool, k int) {
	T := x.Rows
	act := n.cfg.Activation
	// Backwards in processing order s: carry holds W_hhᵀ·dz of the step
	// processed after this one, i.e. the gradient through h_t's use in
	// the next step.
	haveCarry := false
	for s := T - 1; s >= 0; s-- {
		t := s
		if reverse {
			t = T - 1 - s
		}
		row := dz.Row(t)
		copy(row, dh.Row(t))
		if haveCarry {
			kernel.Add(row, row, carry)
		}
		derivative(act, row, h.Row(t))
		// Step s used h of step s-1 unless s is the first step or the
		// start of a truncation window.
		haveCarry = s > 0 && (k <= 0 || s%k != 0)
		if haveCarry {
			kernel.GemvT(carry, c.Whh, row)
		}
	}
	// Weight gradients summed over time by Gemm.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dz, x, 1, g.Wih) // Σ_t dz_t ⊗ x_t
	if T > 1 {
		// Σ_t dz_t ⊗ h_prev(t): forward pairs dz[1:] with h[:-1],
		// reverse pairs dz[:-1] with h[1:].
		if reverse {
			kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dz.Slice(0, T-1, 0, dz.Cols), h.Slice(1, T, 0, h.Cols), 1, g.Whh)
		} else {
			kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dz.Slice(1, T, 0, dz.Cols), h.Slice(0, T-1, 0, h.Cols), 1, g.Whh)
		}
	}
	if g.Bih != nil {
		addColSums(g.Bih, dz)
	}
	if g.Bhh != nil {
		addColSums(g.Bhh, dz)
	}
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dz, c.Wih, 1, dIn) // ∂J/∂x_t += W_ihᵀ·dz_t
}

// addColSums adds the column sums of m to dst.
func addColSums(dst []float32, m kernel.Matrix) {
	for i := 0; i < m.Rows; i++ {
		kernel.Add(dst, dst, m.Row(i))
	}
}
