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

// seqRecord holds what one direction of one layer leaves behind over a
// sequence, rows as in its output (sequence-major): the gate matrix g
// (its pre-activations, then what the cell leaves: an LSTM's and a
// GRU's activated gates, an Elman cell's pre-activations), the hidden
// side hg of a cell that keeps it apart (GRU), the cell states c (LSTM)
// and the outputs before projection m (LSTM with Proj; without one, the
// layer's output holds h). Inference takes it from scratch; Trace keeps
// it for Backward.
//
// Only Backward reads hg after its step, so an inference record holds
// one step of it (B rows, hgStep), reused at every step: a buffer that
// stays in cache, where one row per sequence and step spread over the
// whole record made each step's bias fill and product miss it.
type seqRecord struct {
	g, hg, c, m kernel.Matrix
}

// hgStep returns the B×hgWidth hidden-side rows of step t in rec.hg:
// all of it when it holds one step (an inference record), else step t's
// rows (stepView).
func (rec seqRecord) hgStep(t, T, B int) kernel.Matrix {
	if rec.hg.Rows == B {
		return rec.hg // one step; also the whole record when T = 1
	}
	return stepView(rec.hg, t, T, B)
}

// newRecord returns a record for rows steps of n's cells, from sc, or in
// fresh memory when sc is nil, with hgRows rows of hg: rows to keep every
// step's (Trace), or the batch size B for one step's (inference).
func (n *Net) newRecord(rows, hgRows int, sc *scratch.Set) seqRecord {
	c, k := n.cfg, n.cfg.Cell.kind()
	alloc := func(rows, cols int) kernel.Matrix {
		if sc == nil {
			return kernel.NewMatrix(rows, cols)
		}
		return pooled(sc, rows, cols)
	}
	GH := c.gates() * c.Hidden
	r := seqRecord{g: alloc(rows, GH)}
	if k.splitHidden() {
		r.hg = alloc(hgRows, c.hgWidth())
	}
	if k.hasC() {
		r.c = alloc(rows, c.Hidden)
	}
	if c.Proj > 0 {
		r.m = alloc(rows, c.Hidden)
	}
	return r
}

// dirState is one direction of one layer's state for B sequences: h
// (B×HiddenOut) and, for an LSTM, c (B×Hidden). An empty matrix is the
// zero state (or, as a destination, "not wanted").
type dirState struct{ h, c kernel.Matrix }

// cellForward runs one direction of one layer over B sequences. x holds
// the layer input sequence-major (row b·T+t is step t of sequence b) and
// out (same rows, HiddenOut columns, possibly a column window of a wider
// matrix) receives h_t; rec receives the step's gates and cell states
// (see seqRecord). The input projection of every step is one Gemm into
// rec.g, on top of the bias; each step then adds the hidden side
// (W_hh·h_{t-1}, by GemvAdd for B = 1 and Gemm for B > 1), runs the
// cell's pointwise update, and projects (Proj). init is the state before
// the first step (empty: zeros); final, if not empty, receives the state
// after the last.
//
// The cell is n.Cells[i]; its weights come packed from p (n.packed(),
// packed once for every call, so that no step repacks them: Gemm would
// pack W_hh at every step, a third of an LSTM step's time at B=32,
// H=256), or as they are for a nil p (a quantized Net).
func (n *Net) cellForward(i int, p *netPacks, x, out kernel.Matrix, rec seqRecord, B int, reverse bool, init, final dirState, zeros []float32, qs *actQ) {
	c, w := &n.Cells[i], n.weights(p, i)
	k, act := n.cfg.Cell.kind(), n.cfg.Activation
	split := k.splitHidden()
	vr, isVar := n.cfg.variant()
	if split {
		fillRows(rec.g, c.Bih, nil)
	} else {
		fillRows(rec.g, c.Bih, c.Bhh)
	}
	w.ih.gemm(rec.g, x, true, qs)
	T := out.Rows / B
	H := n.cfg.Hidden
	pre := stepRows // the view of step t's B rows
	for s := 0; s < T; s++ {
		t, tp := s, s-1
		if reverse {
			t, tp = T-1-s, T-s
		}
		g := pre(rec.g, t, T, B)
		hPrev, cPrev := init.h, init.c
		if s > 0 {
			hPrev = pre(out, tp, T, B)
			if k.hasC() {
				cPrev = pre(rec.c, tp, T, B)
			}
		}
		if isVar { // a variant cell (variant.go): its own hidden side and update
			n.variantStep(vr, c, pre(out, t, T, B), stepView(rec.c, t, T, B), g, rec.hgStep(t, T, B), hPrev, cPrev, zeros, qs)
			continue
		}
		// The hidden side: into the gates, or apart (hg) on its bias.
		hs := g
		var hg kernel.Matrix
		if split {
			hg = rec.hgStep(t, T, B)
			fillRows(hg, c.Bhh, nil)
			hs = hg
		}
		if hPrev.Rows > 0 {
			if B == 1 {
				w.hh.gemv(hs.Row(0), hPrev.Row(0), true, qs)
			} else {
				w.hh.gemm(hs, hPrev, true, qs)
			}
		}
		dst := out
		if n.cfg.Proj > 0 {
			dst = rec.m
		}
		for b := 0; b < B; b++ {
			row := b*T + t
			var hgRow, cRow, hp, cp []float32
			if split {
				hgRow = hg.Row(b)
			}
			hp, cp = zeros[:n.cfg.HiddenOut()], zeros[:H]
			if hPrev.Rows > 0 {
				hp = hPrev.Row(b)
			}
			if k.hasC() {
				cRow = rec.c.Row(row)
				if cPrev.Rows > 0 {
					cp = cPrev.Row(b)
				}
			}
			k.forward(act, dst.Row(row), cRow, g.Row(b), hgRow, hp, cp)
		}
		if n.cfg.Proj > 0 {
			if B == 1 {
				w.hr.gemv(out.Row(t), rec.m.Row(t), false, qs)
			} else {
				w.hr.gemm(pre(out, t, T, B), pre(rec.m, t, T, B), false, qs)
			}
		}
	}
	n.finalState(out, rec, B, reverse, init, final)
}

// finalState copies the state after the last step of cellForward into
// final: the outputs at t = T−1 (t = 0 in reverse), or init when T = 0.
func (n *Net) finalState(out kernel.Matrix, rec seqRecord, B int, reverse bool, init, final dirState) {
	T := out.Rows / B
	last := T - 1
	if reverse {
		last = 0
	}
	put := func(dst, src, start kernel.Matrix) {
		for b := 0; b < dst.Rows; b++ {
			switch {
			case T > 0:
				copy(dst.Row(b), src.Row(b*T+last))
			case start.Rows > 0:
				copy(dst.Row(b), start.Row(b))
			default:
				clear(dst.Row(b))
			}
		}
	}
	put(final.h, out, init.h)
	if final.c.Rows > 0 {
		put(final.c, rec.c, init.c)
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

// runOpts says what layers keeps and where the states go.
type runOpts struct {
	// keep puts every layer's output and record in fresh memory and
	// returns the records (Trace); otherwise buffers are reused between
	// layers and only the last output is meaningful.
	keep bool
	// freshTop puts the top layer's output in fresh memory (to return it).
	freshTop bool
	// init and final are the states before the first and after the last
	// step (batch 1 only); nil means zeros and "not wanted".
	init, final *States
	// top, if not empty, receives the top layer's output (x.Rows ×
	// Width) instead of memory of layers' own.
	top kernel.Matrix
}

// layers runs every recurrent layer over x (B sequences of T steps,
// sequence-major: row b·T+t is step t of sequence b) and returns each
// layer's output (see runOpts for which are meaningful) and, with keep,
// the records of every cell (index l·Dirs+d). Buffers that are not kept
// come from sc.
func (n *Net) layers(x kernel.Matrix, B int, o runOpts, sc *scratch.Set) ([]kernel.Matrix, []seqRecord) {
	c := n.cfg
	dirs, HO := c.Dirs(), c.HiddenOut()
	outs := make([]kernel.Matrix, c.Layers)
	var recs []seqRecord
	p := n.packed()
	var qs actQ
	zeros := sc.Get(c.Hidden)
	clear(zeros)
	var rec seqRecord
	if !o.keep {
		rec = n.newRecord(x.Rows, B, sc)
	}
	in := x
	for l := 0; l < c.Layers; l++ {
		var out kernel.Matrix
		switch {
		case o.top.Rows > 0 && l == c.Layers-1:
			out = o.top
		case o.keep || (o.freshTop && l == c.Layers-1):
			out = kernel.NewMatrix(x.Rows, c.Width())
		case l >= 2:
			out = outs[l-2] // two layers down is no longer read
		default:
			out = pooled(sc, x.Rows, c.Width()) // cellForward writes every element
		}
		for d := 0; d < dirs; d++ {
			i := l*dirs + d
			if o.keep {
				rec = n.newRecord(x.Rows, x.Rows, nil)
				recs = append(recs, rec)
			}
			n.cellForward(i, p, in, out.Slice(0, x.Rows, d*HO, (d+1)*HO), rec, B, d == 1,
				o.init.dir(i), o.final.dir(i), zeros, &qs)
		}
		outs[l] = out
		in = out
	}
	return outs, recs
}

// head computes the logits W_y·h + b_y for every row of top into y.
func (n *Net) head(y, top kernel.Matrix, qs *actQ) kernel.Matrix {
	fillRows(y, n.By, nil)
	n.headWeight(n.packed()).gemm(y, top, true, qs)
	return y
}

// lastVec returns the many-to-one summary of a top-layer output of T
// rows: h_{T-1} of the forward direction, followed, when bidirectional,
// by the reverse direction's final state, which is its row 0 (the state
// after it has read the whole sequence backwards). This is what
// torch.nn.RNN returns as h_n for the top layer.
func (n *Net) lastVec(top kernel.Matrix) []float32 {
	H := n.cfg.HiddenOut()
	v := make([]float32, n.cfg.Width())
	copy(v[:H], top.Row(top.Rows - 1)[:H])
	if n.cfg.Bidirectional {
		copy(v[H:], top.Row(0)[H:])
	}
	return v
}

// Forward runs the network over one sequence, xs of T×Input, from the
// zero state and returns T×Output (the head's activated outputs), or the
// top layer's states (T×Width) when there is no head. Many-to-many: row
// t of a unidirectional network depends on x_0..x_t only. T = 0 gives an
// empty result.
func (n *Net) Forward(xs kernel.Matrix) (kernel.Matrix, error) {
	y, _, err := n.forward("Forward", xs, nil, false)
	return y, err
}

// ForwardState is Forward from the initial state init (nil: zeros) that
// also returns the final state, as torch's module(x, h0) returns
// (output, h_n) — (output, (h_n, c_n)) for an LSTM. With T = 0 the final
// state is the initial one.
func (n *Net) ForwardState(xs kernel.Matrix, init *States) (kernel.Matrix, *States, error) {
	return n.forward("ForwardState", xs, init, true)
}

func (n *Net) forward(fn string, xs kernel.Matrix, init *States, wantFinal bool) (kernel.Matrix, *States, error) {
	y, final, err := n.forwardLogits(fn, xs, init, wantFinal)
	if err == nil && n.cfg.Output > 0 {
		activateRows(n.cfg.OutputActivation, y)
	}
	return y, final, err
}

// forwardLogits is forward without the output activation: the head's
// logits (or the top layer's states without a head).
func (n *Net) forwardLogits(fn string, xs kernel.Matrix, init *States, wantFinal bool) (kernel.Matrix, *States, error) {
	if err := n.checkSeq(fn, xs); err != nil {
		return kernel.Matrix{}, nil, err
	}
	if err := n.checkStates(fn, init); err != nil {
		return kernel.Matrix{}, nil, err
	}
	var final *States
	if wantFinal {
		final = n.NewStates()
	}
	var sc scratch.Set
	defer sc.Release()
	outs, _ := n.layers(xs, 1, runOpts{freshTop: n.cfg.Output == 0, init: init, final: final}, &sc)
	top := outs[n.cfg.Layers-1]
	if n.cfg.Output == 0 {
		return top, final, nil
	}
	return n.head(kernel.NewMatrix(top.Rows, n.cfg.Output), top, new(actQ)), final, nil
}

// Last runs the network over xs (T×Input, T ≥ 1) from the zero state and
// returns the many-to-one output: the head applied to the final state,
// of length Output (or Width without a head). For a bidirectional
// network the final state is the forward direction's last state
// concatenated with the reverse direction's last state (the one at t = 0,
// after reading the whole sequence), as torch's h_n.
func (n *Net) Last(xs kernel.Matrix) ([]float32, error) {
	y, _, err := n.last("Last", xs, nil, false)
	return y, err
}

// LastState is Last from the initial state init (nil: zeros) that also
// returns every layer's final state (see ForwardState).
func (n *Net) LastState(xs kernel.Matrix, init *States) ([]float32, *States, error) {
	return n.last("LastState", xs, init, true)
}

func (n *Net) last(fn string, xs kernel.Matrix, init *States, wantFinal bool) ([]float32, *States, error) {
	if err := n.checkSeq(fn, xs); err != nil {
		return nil, nil, err
	}
	if xs.Rows == 0 {
		return nil, nil, shapeErr("%s: empty sequence (T=0)", fn)
	}
	if err := n.checkStates(fn, init); err != nil {
		return nil, nil, err
	}
	var final *States
	if wantFinal {
		final = n.NewStates()
	}
	var sc scratch.Set
	defer sc.Release()
	outs, _ := n.layers(xs, 1, runOpts{init: init, final: final}, &sc)
	v := n.lastVec(outs[n.cfg.Layers-1])
	if n.cfg.Output == 0 {
		return v, final, nil
	}
	y := make([]float32, n.cfg.Output)
	var qs actQ
	n.wy().gemv(y, v, false, &qs)
	kernel.Add(y, y, n.By)
	activate(n.cfg.OutputActivation, y)
	return y, final, nil
}

// ForwardBatch runs B sequences of one length T (each T×Input) together
// and returns their outputs as Forward would, one T×OutWidth matrix
// each (contiguous, Stride = OutWidth). Running them together turns
// each step into one matrix product [h^1 … h^B]·W_hhᵀ, which is much
// faster than B separate Forward calls for B ≳ 4. When the batch is
// large enough (see threadsFor) its sequences are split into
// kernel.Threads() groups run on as many goroutines; every output is
// the same to the bit whatever the number of threads.
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
	W := n.cfg.OutWidth()
	y := kernel.NewMatrix(T*B, W)
	if nt := threadsFor(float64(T*B)*n.stepFlops(), B); nt > 1 {
		n.packed() // once, before the shares read it
		runShares(nt, nt, func(i int) {
			lo, hi := part(B, nt, i, 1)
			var sc scratch.Set
			defer sc.Release()
			n.batchInto(y.Slice(lo*T, hi*T, 0, W), x.Slice(lo*T, hi*T, 0, x.Cols), hi-lo, &sc)
		})
	} else {
		n.batchInto(y, x, B, &sc)
	}
	res := make([]kernel.Matrix, B)
	for b := range res {
		lo, hi := b*T*W, (b+1)*T*W
		res[b] = kernel.MatrixFrom(T, W, y.Data[lo:hi:hi])
	}
	return res, nil
}

// batchInto runs the B sequences stacked in x (row b·T+t is step t of
// sequence b) and writes their outputs, the head's activated outputs or
// the top layer's states, into the same rows of y.
func (n *Net) batchInto(y, x kernel.Matrix, B int, sc *scratch.Set) {
	if n.cfg.Output == 0 {
		n.layers(x, B, runOpts{top: y}, sc)
		return
	}
	outs, _ := n.layers(x, B, runOpts{}, sc)
	n.head(y, outs[n.cfg.Layers-1], new(actQ))
	activateRows(n.cfg.OutputActivation, y)
}

// stepFlops returns the floating-point operations of one step of one
// sequence through n's matrix products (every cell's input and hidden
// sides and projection, and the head), the measure of work that
// threadsFor weighs.
func (n *Net) stepFlops() float64 {
	c := n.cfg
	GH := float64(c.gates() * c.Hidden)
	var f float64
	for l := 0; l < c.Layers; l++ {
		in := c.Input
		if l > 0 {
			in = c.Width()
		}
		f += float64(c.Dirs()) * 2 * (float64(in+c.HiddenOut())*GH + float64(c.Proj*c.Hidden))
	}
	return f + 2*float64(c.Width()*c.Output)
}
