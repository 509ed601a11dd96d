package rnn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// pooled returns a rows×cols matrix on memory lent by sc, so that
// steady-state Forward and ForwardBatch calls allocate only their results
// and do not spend time zeroing fresh memory for their stacked inputs,
// intermediate layers and logits. Its contents are arbitrary: callers
// overwrite every element.
func pooled(sc *scratch.Set, rows, cols int) kernel.Matrix {
	return kernel.MatrixFrom(rows, cols, sc.Get(rows*cols))
}

// checkSeq validates one input sequence, after the network (Net.check).
func (n *Net) checkSeq(fn string, xs kernel.Matrix) error {
	if err := n.check(fn); err != nil {
		return err
	}
	if !xs.Valid() {
		return shapeErr("%s: malformed input matrix %d×%d stride %d len(data)=%d", fn, xs.Rows, xs.Cols, xs.Stride, len(xs.Data))
	}
	if xs.Cols != n.cfg.Input {
		return shapeErr("%s: input is %d×%d, want T×%d (Config.Input=%d)", fn, xs.Rows, xs.Cols, n.cfg.Input, n.cfg.Input)
	}
	return nil
}

// cellForward runs one direction of one layer over B sequences. x holds
// the layer input sequence-major (row b·T+t is step t of sequence b) and
// out (same rows, Hidden columns, possibly a column
// window of a wider matrix) receives h_t. The input projection of every
// step is one Gemm into out, on top of the bias; each step then adds
// W_hh·h_{t-1} in place and applies the activation in place.
//
// For B > 1 the step is Z_t += H_{t-1}·W_hhᵀ, and W_hh is transposed once
// into whhT (H×H scratch) so that each step's Gemm reads it as stored:
// Gemm would otherwise pack a transposed operand every step (measured
// 27 µs instead of 35 µs per step at B=32, H=256).
func (n *Net) cellForward(c *Cell, x, out kernel.Matrix, B int, reverse bool, whhT kernel.Matrix) {
	fillRows(out, c.Bih, c.Bhh)
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, x, c.Wih, 1, out)
	T := out.Rows / B
	act := n.cfg.Activation
	if B > 1 && T > 1 {
		transpose(whhT, c.Whh)
	}
	for s := 0; s < T; s++ {
		t, tp := s, s-1
		if reverse {
			t, tp = T-1-s, T-s
		}
		if B == 1 {
			z := out.Row(t)
			if s > 0 {
				kernel.GemvAdd(z, c.Whh, out.Row(tp))
			}
			activate(act, z)
			continue
		}
		blk := stepRows(out, t, T, B)
		if s > 0 {
			kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, stepRows(out, tp, T, B), whhT, 1, blk)
		}
		activateRows(act, blk)
	}
}

// stepRows returns the B×Cols view of step t of every sequence in m,
// whose rows are sequence-major (row b·T+t is step t of sequence b):
// rows t, T+t, 2T+t, …, a view with stride T·m.Stride.
func stepRows(m kernel.Matrix, t, T, B int) kernel.Matrix {
	v := kernel.Matrix{Rows: B, Cols: m.Cols, Stride: T * m.Stride}
	start := t * m.Stride
	v.Data = m.Data[start : start+(B-1)*v.Stride+m.Cols]
	return v
}

// layers runs every recurrent layer over x (B sequences of T steps,
// sequence-major: row b·T+t is step t of sequence b). With keep it returns each layer's output in fresh
// memory; otherwise only the last entry is meaningful, and the buffers,
// reused between layers, come from sc, except that freshTop puts the top
// layer's output in fresh memory (for returning it).
func (n *Net) layers(x kernel.Matrix, B int, keep, freshTop bool, sc *scratch.Set) []kernel.Matrix {
	c := n.cfg
	dirs, H := c.Dirs(), c.Hidden
	outs := make([]kernel.Matrix, c.Layers)
	var whhT kernel.Matrix
	if B > 1 {
		whhT = pooled(sc, H, H)
	}
	in := x
	for l := 0; l < c.Layers; l++ {
		var out kernel.Matrix
		switch {
		case keep || (freshTop && l == c.Layers-1):
			out = kernel.NewMatrix(x.Rows, c.Width())
		case l >= 2:
			out = outs[l-2] // two layers down is no longer read
		default:
			out = pooled(sc, x.Rows, c.Width()) // cellForward writes every element
		}
		for d := 0; d < dirs; d++ {
			n.cellForward(&n.Cells[l*dirs+d], in, out.Slice(0, x.Rows, d*H, (d+1)*H), B, d == 1, whhT)
		}
		outs[l] = out
		in = out
	}
	return outs
}

// head computes the logits W_y·h + b_y for every row of top into y.
func (n *Net) head(y, top kernel.Matrix) kernel.Matrix {
	fillRows(y, n.By, nil)
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, top, n.Wy, 1, y)
	return y
}

// lastVec returns the many-to-one summary of a top-layer output of T
// rows: h_{T-1} of the forward direction, followed, when bidirectional,
// by the reverse direction's final state, which is its row 0 (the state
// after it has read the whole sequence backwards). This is what
// torch.nn.RNN returns as h_n for the top layer.
func (n *Net) lastVec(top kernel.Matrix) []float32 {
	H := n.cfg.Hidden
	v := make([]float32, n.cfg.Width())
	copy(v[:H], top.Row(top.Rows - 1)[:H])
	if n.cfg.Bidirectional {
		copy(v[H:], top.Row(0)[H:])
	}
	return v
}

// Forward runs the network over one sequence, xs of T×Input, and returns
// T×Output (the head's activated outputs), or the top layer's states
// (T×Hidden, T×2·Hidden when bidirectional) when there is no head.
// Many-to-many: row t of a unidirectional network depends on x_0..x_t
// only. T = 0 gives an empty result.
func (n *Net) Forward(xs kernel.Matrix) (kernel.Matrix, error) {
	if err := n.checkSeq("Forward", xs); err != nil {
		return kernel.Matrix{}, err
	}
	var sc scratch.Set
	defer sc.Release()
	top := n.layers(xs, 1, false, n.cfg.Output == 0, &sc)[n.cfg.Layers-1]
	if n.cfg.Output == 0 {
		return top, nil
	}
	y := n.head(kernel.NewMatrix(top.Rows, n.cfg.Output), top)
	activateRows(n.cfg.OutputActivation, y)
	return y, nil
}

// Last runs the network over xs (T×Input, T ≥ 1) and returns the
// many-to-one output: the head applied to the final state, of length
// Output (or Width without a head). For a bidirectional network the
// final state is the forward direction's last state concatenated with
// the reverse direction's last state (the one at t = 0, after reading
// the whole sequence), as torch.nn.RNN's h_n.
func (n *Net) Last(xs kernel.Matrix) ([]float32, error) {
	if err := n.checkSeq("Last", xs); err != nil {
		return nil, err
	}
	if xs.Rows == 0 {
		return nil, shapeErr("Last: empty sequence (T=0)")
	}
	var sc scratch.Set
	defer sc.Release()
	v := n.lastVec(n.layers(xs, 1, false, false, &sc)[n.cfg.Layers-1])
	if n.cfg.Output == 0 {
		return v, nil
	}
	y := make([]float32, n.cfg.Output)
	kernel.Gemv(y, n.Wy, v)
	kernel.Add(y, y, n.By)
	activate(n.cfg.OutputActivation, y)
	return y, nil
}

// ForwardBatch runs B sequences of one length T (each T×Input) together
// and returns their outputs as Forward would, one T×OutWidth matrix
// each (contiguous, Stride = OutWidth). Running them together turns
// each step into one matrix product [h^1 … h^B]·W_hhᵀ, which is much
// faster than B separate Forward calls for B ≳ 4.
func (n *Net) ForwardBatch(xs []kernel.Matrix) ([]kernel.Matrix, error) {
	B := len(xs)
	if B == 0 {
		return nil, nil
	}
	T := xs[0].Rows
	for b, x := range xs {
		if err := n.checkSeq("ForwardBatch", x); err != nil { // the Net too, once per sequence: a few compares
			return nil, err
		}
		if x.Rows != T {
			return nil, shapeErr("ForwardBatch: sequence %d has T=%d, sequence 0 has T=%d", b, x.Rows, T)
		}
	}
	var sc scratch.Set
	defer sc.Release()
	// Stack the sequences: row b·T+t of x is step t of sequence b.
	x := pooled(&sc, T*B, n.cfg.Input)
	for b, xb := range xs {
		for t := 0; t < T; t++ {
			copy(x.Row(b*T+t), xb.Row(t))
		}
	}
	// The result is one fresh B·T×W matrix whose rows b·T..b·T+T-1 are
	// sequence b's outputs, handed out as contiguous views.
	y := n.layers(x, B, false, n.cfg.Output == 0, &sc)[n.cfg.Layers-1]
	if n.cfg.Output > 0 {
		y = n.head(kernel.NewMatrix(T*B, n.cfg.Output), y)
		activateRows(n.cfg.OutputActivation, y)
	}
	W := y.Cols
	outs := make([]kernel.Matrix, B)
	for b := range outs {
		lo, hi := b*T*W, (b+1)*T*W
		outs[b] = kernel.MatrixFrom(T, W, y.Data[lo:hi:hi])
	}
	return outs, nil
}
