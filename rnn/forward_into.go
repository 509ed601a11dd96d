package rnn

import "github.com/simdcore/simdcore/kernel"

// Workspace is the memory ForwardInto needs to run batches of Batch
// sequences of Steps steps through one Net: the gate record of a cell,
// the outputs of the layers below the top and the top layer's output
// before a head (the packed weights are the Net's, see
// Net.WeightsChanged). Make it once
// (NewWorkspace) and reuse it; like a State it belongs to one goroutine.
type Workspace struct {
	n        *Net
	batch, t int
	rec      seqRecord
	mid      [2]kernel.Matrix // the outputs of layers 0..Layers-2, alternating
	top      kernel.Matrix    // the top layer's output, when there is a head
	zeros    []float32
	qs       actQ // a quantized Net's activations, quantized per product
}

// NewWorkspace returns the workspace of ForwardInto for batches of batch
// sequences of steps steps each (batch ≥ 1, steps ≥ 0).
func (n *Net) NewWorkspace(batch, steps int) (*Workspace, error) {
	if err := n.check("NewWorkspace"); err != nil {
		return nil, err
	}
	if batch < 1 || steps < 0 {
		return nil, shapeErr("NewWorkspace: batch=%d steps=%d, want batch ≥ 1 and steps ≥ 0", batch, steps)
	}
	c := n.cfg
	rows := batch * steps
	ws := &Workspace{n: n, batch: batch, t: steps, rec: n.newRecord(rows, batch, nil), zeros: make([]float32, c.Hidden)}
	for i := 0; i < min(c.Layers-1, 2); i++ {
		ws.mid[i] = kernel.NewMatrix(rows, c.Width())
	}
	if c.Output > 0 {
		ws.top = kernel.NewMatrix(rows, c.Width())
	}
	return ws, nil
}

// NewBatchStates returns a zero state of batch sequences, as ForwardInto
// reads and writes it: H is Layers·Dirs·batch × HiddenOut and C (an LSTM's)
// Layers·Dirs·batch × Hidden, with row (l·Dirs+d)·batch + b holding layer
// l, direction d of sequence b — torch's h_n and c_n for a batch (and
// ONNX's Y_h and Y_c). With batch 1 it is NewStates.
func (n *Net) NewBatchStates(batch int) *States {
	c := n.cfg
	rows := c.Layers * c.Dirs() * batch
	s := &States{H: kernel.NewMatrix(rows, c.HiddenOut())}
	if c.Cell.kind().hasC() {
		s.C = kernel.NewMatrix(rows, c.Hidden)
	}
	return s
}

// ForwardInto runs the workspace's batch of sequences through the
// network, as ForwardBatch does, without allocating: x holds them
// sequence-major (Batch·Steps × Input, row b·Steps+t is step t of
// sequence b) and dst receives the outputs in the same row order
// (Batch·Steps × OutWidth; either may be a strided view). init is the
// state before the first step (nil: zeros) and final, if not nil,
// receives the state after the last, both laid out as NewBatchStates
// makes them; final may be init. A Net with a head applies it as
// Forward does. The workspace must come from this Net's NewWorkspace.
// Only the Net's first run allocates, to pack its weights (see
// Net.WeightsChanged).
func (n *Net) ForwardInto(ws *Workspace, dst, x kernel.Matrix, init, final *States) error {
	const fn = "ForwardInto"
	if err := n.checkSeq(fn, x); err != nil {
		return err
	}
	if ws == nil || ws.n != n {
		return shapeErr("%s: the workspace was not made by this Net's NewWorkspace", fn)
	}
	c, B, T := n.cfg, ws.batch, ws.t
	if x.Rows != B*T {
		return shapeErr("%s: x has %d rows, want Batch·Steps=%d·%d", fn, x.Rows, B, T)
	}
	if !dst.Valid() || dst.Rows != B*T || dst.Cols != c.OutWidth() {
		return shapeErr("%s: dst is %d×%d stride %d len(data)=%d, want a well-formed %d×%d (Batch·Steps × OutWidth)",
			fn, dst.Rows, dst.Cols, dst.Stride, len(dst.Data), B*T, c.OutWidth())
	}
	for _, s := range []*States{init, final} {
		if err := n.checkBatchStates(fn, s, B); err != nil {
			return err
		}
	}
	if T == 0 {
		if final != nil && final != init {
			copyStates(final, init)
		}
		return nil
	}
	dirs, HO := c.Dirs(), c.HiddenOut()
	p := n.packed()
	in := x
	for l := 0; l < c.Layers; l++ {
		out := ws.mid[l%2]
		if l == c.Layers-1 {
			out = dst
			if c.Output > 0 {
				out = ws.top
			}
		}
		for d := 0; d < dirs; d++ {
			i := l*dirs + d
			// A cell reads its rows of init at its first step only and
			// writes its rows of final after its last, so final may be
			// init.
			n.cellForward(i, p, in, out.Slice(0, B*T, d*HO, (d+1)*HO), ws.rec, B, d == 1,
				batchDir(init, i, B), batchDir(final, i, B), ws.zeros, &ws.qs)
		}
		in = out
	}
	if c.Output > 0 {
		n.head(dst, ws.top, &ws.qs)
		activateRows(c.OutputActivation, dst)
	}
	return nil
}

// batchDir returns cell i's rows of a batch state (see NewBatchStates), the
// empty dirState for nil.
func batchDir(s *States, i, B int) dirState {
	if s == nil {
		return dirState{}
	}
	d := dirState{h: s.H.Slice(i*B, (i+1)*B, 0, s.H.Cols)}
	if s.C.Rows > 0 {
		d.c = s.C.Slice(i*B, (i+1)*B, 0, s.C.Cols)
	}
	return d
}

// copyStates copies src into dst (zeros for a nil src).
func copyStates(dst, src *States) {
	for i := 0; i < dst.H.Rows; i++ {
		if src == nil {
			clear(dst.H.Row(i))
		} else {
			copy(dst.H.Row(i), src.H.Row(i))
		}
	}
	for i := 0; i < dst.C.Rows; i++ {
		if src == nil {
			clear(dst.C.Row(i))
		} else {
			copy(dst.C.Row(i), src.C.Row(i))
		}
	}
}

// checkBatchStates requires s to be a well-formed state of B sequences of
// n's shape (see NewBatchStates); nil is accepted.
func (n *Net) checkBatchStates(fn string, s *States, B int) error {
	if s == nil {
		return nil
	}
	c := n.cfg
	rows := c.Layers * c.Dirs() * B
	wantC := 0
	if c.Cell.kind().hasC() {
		wantC = rows
	}
	if !s.H.Valid() || s.H.Rows != rows || s.H.Cols != c.HiddenOut() ||
		!s.C.Valid() || s.C.Rows != wantC || (wantC > 0 && s.C.Cols != c.Hidden) {
		return shapeErr("%s: state H is %d×%d, C %d×%d, want H %d×%d and C %d×%d (Layers·Dirs·Batch rows, %v cell)",
			fn, s.H.Rows, s.H.Cols, s.C.Rows, s.C.Cols, rows, c.HiddenOut(), wantC, c.Hidden, c.Cell)
	}
	return nil
}
