package rnn

import "github.com/simdcore/simdcore/kernel"

// Shorter returns a workspace for ForwardInto on batches of ws's size and
// of steps steps (0 ≤ steps ≤ ws's Steps), made of ws's memory: the way
// to run sequences of different lengths (ONNX's sequence_lens) without
// allocating, one length at a time, through one workspace of the
// longest. It shares ws's buffers (a batch's packed W_hhᵀ, if any, is
// the view's own, made on its first run), so ws and its shorter views
// must not run at the same time; make the views once and reuse them.
func (ws *Workspace) Shorter(steps int) (*Workspace, error) {
	if ws == nil || ws.n == nil {
		return nil, shapeErr("Shorter: not a workspace made by NewWorkspace")
	}
	if steps < 0 || steps > ws.t {
		return nil, shapeErr("Shorter: %d steps, want 0 ≤ steps ≤ %d (the workspace's)", steps, ws.t)
	}
	rows := ws.batch * steps
	cut := func(m kernel.Matrix) kernel.Matrix {
		if m.Rows == 0 {
			return m
		}
		return m.Slice(0, min(rows, m.Rows), 0, m.Cols) // hg holds one step (batch rows)
	}
	r := ws.rec
	return &Workspace{
		n: ws.n, batch: ws.batch, t: steps,
		rec:   seqRecord{g: cut(r.g), hg: cut(r.hg), c: cut(r.c), m: cut(r.m)},
		mid:   [2]kernel.Matrix{cut(ws.mid[0]), cut(ws.mid[1])},
		top:   cut(ws.top),
		zeros: ws.zeros,
	}, nil
}
