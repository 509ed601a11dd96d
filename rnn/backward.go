package rnn

import (
	"github.com/simdcore/simdcore/internal/scratch"
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
	top  []float32   // the many-to-one summary (TraceLast only)
	recs []seqRecord // each cell's gates and cell states, index l·Dirs+d
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
	if err := n.checkFloat(fn); err != nil {
		return nil, err
	}
	if err := n.checkSeq(fn, xs); err != nil {
		return nil, err
	}
	if last && xs.Rows == 0 {
		return nil, shapeErr("%s: empty sequence (T=0)", fn)
	}
	var sc scratch.Set
	defer sc.Release()
	tr := &Trace{X: xs, last: last}
	tr.Layers, tr.recs = n.layers(xs, 1, runOpts{keep: true}, &sc)
	top := tr.Layers[n.cfg.Layers-1]
	if last {
		tr.top = n.lastVec(top)
		top = kernel.MatrixFrom(1, len(tr.top), tr.top)
	}
	if n.cfg.Output == 0 {
		tr.Out = top
		return tr, nil
	}
	tr.Logits = n.head(kernel.NewMatrix(top.Rows, n.cfg.Output), top, new(actQ))
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
	if err := n.checkFloat("Backward"); err != nil {
		return kernel.Matrix{}, err
	}
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
		H := c.HiddenOut()
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
	dirs, HO := c.Dirs(), c.HiddenOut()
	var sc scratch.Set
	defer sc.Release()
	bufs := n.backBufs(T, &sc)
	for l := c.Layers - 1; l >= 0; l-- {
		in := tr.X
		if l > 0 {
			in = tr.Layers[l-1]
		}
		dIn := kernel.NewMatrix(T, in.Cols)
		for d := 0; d < dirs; d++ {
			i := l*dirs + d
			cols := func(m kernel.Matrix) kernel.Matrix { return m.Slice(0, T, d*HO, (d+1)*HO) }
			n.cellBackward(&n.Cells[i], &grad.Cells[i], in, cols(tr.Layers[l]), cols(dTop), tr.recs[i], dIn, bufs, d == 1, k)
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

// backBuffers is cellBackward's scratch: the gradients with respect to
// every step's input-side and hidden-side pre-activations (dg, dhg; dhg
// is dg for a cell that does not split them), with respect to every
// step's h (dh, for the projection's gradient), and the vectors carried
// from one step to the one before.
type backBuffers struct {
	dg, dhg, dh           kernel.Matrix
	carry, direct, dm, dc []float32
	zerosH, zerosHO       []float32
}

func (n *Net) backBufs(T int, sc *scratch.Set) backBuffers {
	c := n.cfg
	GH, H, HO := c.gates()*c.Hidden, c.Hidden, c.HiddenOut()
	b := backBuffers{dg: pooled(sc, T, GH), dh: pooled(sc, T, HO)}
	b.dhg = b.dg
	if c.Cell.kind().splitHidden() {
		b.dhg = pooled(sc, T, GH)
	}
	vec := func(k int) []float32 { v := sc.Get(k); clear(v); return v }
	b.carry, b.direct, b.dm, b.dc = vec(HO), vec(HO), vec(H), vec(H)
	b.zerosH, b.zerosHO = vec(H), vec(HO)
	return b
}

// stepGrad returns, for processing step s of T, the row t of its step
// and tp of the step before (reverse: the step after), and ∂J/∂h_t: dh's
// row t plus, with haveCarry, what the step after carried back, in
// b.dh's row t.
func (b backBuffers) stepGrad(dh kernel.Matrix, s, T int, reverse, haveCarry bool) (t, tp int, dht []float32) {
	t, tp = s, s-1
	if reverse {
		t, tp = T-1-s, T-s
	}
	dht = b.dh.Row(t)
	copy(dht, dh.Row(t))
	if haveCarry {
		kernel.Add(dht, dht, b.carry)
	}
	return t, tp, dht
}

// cellBackward backpropagates through one direction of one layer.
// x is the layer input (T×in), h its outputs (T×HiddenOut view), dh the
// gradient arriving from above (T×HiddenOut view), rec what cellForward
// recorded. Going back in processing order it has the cell turn each
// step's ∂J/∂h (from above, plus what the next step carries back
// through W_hh, plus a GRU's direct path) into ∂J/∂ the pre-activations,
// then adds the weight gradients to g, summed over time by Gemm, and
// ∂J/∂x to dIn. Truncated BPTT(k) stops the carry (and an LSTM's
// cell-state gradient) at window boundaries.
func (n *Net) cellBackward(c, g *Cell, x, h, dh kernel.Matrix, rec seqRecord, dIn kernel.Matrix, b backBuffers, reverse bool, k int) {
	if v, isVar := n.cfg.variant(); isVar { // a variant cell (variant_backward.go)
		n.variantBackward(v, c, g, x, h, dh, rec, dIn, b, reverse, k)
		return
	}
	T := x.Rows
	cfg := n.cfg
	kind, act := cfg.Cell.kind(), cfg.Activation
	proj := cfg.Proj > 0
	clear(b.dc)
	haveCarry := false
	row := func(m kernel.Matrix, t int) []float32 {
		if m.Rows == 0 {
			return nil
		}
		return m.Row(t)
	}
	for s := T - 1; s >= 0; s-- {
		t, tp, dht := b.stepGrad(dh, s, T, reverse, haveCarry)
		dm := dht
		if proj {
			dm = b.dm
			kernel.GemvT(dm, c.Whr, dht)
		}
		hPrev, cPrev := b.zerosHO, b.zerosH
		if s > 0 {
			hPrev = h.Row(tp)
			if kind.hasC() {
				cPrev = rec.c.Row(tp)
			}
		}
		clear(b.direct)
		hOut := h.Row(t)
		if proj {
			hOut = rec.m.Row(t)
		}
		kind.backward(act, b.dg.Row(t), b.dhg.Row(t), b.dc, b.direct, dm, rec.g.Row(t), row(rec.hg, t), hOut, row(rec.c, t), hPrev, cPrev)
		// Step s used the state of step s-1 unless s is the first step
		// or the start of a truncation window.
		haveCarry = s > 0 && (k <= 0 || s%k != 0)
		if haveCarry {
			kernel.GemvT(b.carry, c.Whh, b.dhg.Row(t))
			kernel.Add(b.carry, b.carry, b.direct)
		} else {
			clear(b.dc)
		}
	}
	// Weight gradients summed over time by Gemm.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, b.dg, x, 1, g.Wih) // Σ_t dg_t ⊗ x_t
	if T > 1 {
		// Σ_t dhg_t ⊗ h_prev(t): forward pairs dhg[1:] with h[:-1],
		// reverse pairs dhg[:-1] with h[1:].
		dhg := b.dhg
		if reverse {
			kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dhg.Slice(0, T-1, 0, dhg.Cols), h.Slice(1, T, 0, h.Cols), 1, g.Whh)
		} else {
			kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dhg.Slice(1, T, 0, dhg.Cols), h.Slice(0, T-1, 0, h.Cols), 1, g.Whh)
		}
	}
	if g.Bih != nil {
		addColSums(g.Bih, b.dg)
	}
	if g.Bhh != nil {
		addColSums(g.Bhh, b.dhg)
	}
	if proj {
		kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, b.dh, rec.m, 1, g.Whr) // Σ_t dh_t ⊗ m_t
	}
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, b.dg, c.Wih, 1, dIn) // ∂J/∂x_t += W_ihᵀ·dg_t
}

// addColSums adds the column sums of m to dst.
func addColSums(dst []float32, m kernel.Matrix) {
	for i := 0; i < m.Rows; i++ {
		kernel.Add(dst, dst, m.Row(i))
	}
}
