package rnn

import "github.com/simdcore/simdcore/kernel"

// States is a network's recurrent state between sequences, laid out as
// torch's h_n and c_n for one sequence: row l·Dirs+d is layer l,
// direction d (0 forward, 1 reverse).
//
//   - H is Layers·Dirs × HiddenOut: each cell's h.
//   - C is Layers·Dirs × Hidden: each LSTM cell's c; empty for the other
//     cells.
//
// As an initial state (ForwardState, LastState) it is the state before
// the first step, h_{-1} and c_{-1} (for the reverse direction: before
// its first step, at the end of the sequence); as a final state it is
// the state after each direction's last step, as torch returns it.
type States struct {
	H, C kernel.Matrix
}

// NewStates returns a zero state of n's shape.
func (n *Net) NewStates() *States {
	c := n.cfg
	s := &States{H: kernel.NewMatrix(c.Layers*c.Dirs(), c.HiddenOut())}
	if c.Cell.kind().hasC() {
		s.C = kernel.NewMatrix(c.Layers*c.Dirs(), c.Hidden)
	}
	return s
}

// check requires s to be a well-formed state of n's shape; nil is
// accepted (zeros).
func (n *Net) checkStates(fn string, s *States) error {
	if s == nil {
		return nil
	}
	c := n.cfg
	rows := c.Layers * c.Dirs()
	if !s.H.Valid() || s.H.Rows != rows || s.H.Cols != c.HiddenOut() {
		return shapeErr("%s: state H is %d×%d stride %d len(data)=%d, want a well-formed %d×%d (Layers·Dirs × HiddenOut)",
			fn, s.H.Rows, s.H.Cols, s.H.Stride, len(s.H.Data), rows, c.HiddenOut())
	}
	wantC := 0
	if c.Cell.kind().hasC() {
		wantC = rows
	}
	if !s.C.Valid() || s.C.Rows != wantC || (wantC > 0 && s.C.Cols != c.Hidden) {
		return shapeErr("%s: state C is %d×%d stride %d len(data)=%d, want a well-formed %d×%d (%v cell)",
			fn, s.C.Rows, s.C.Cols, s.C.Stride, len(s.C.Data), wantC, c.Hidden, c.Cell)
	}
	return nil
}

// dir returns cell i's part of s as a one-sequence dirState; the zero
// dirState for a nil s.
func (s *States) dir(i int) dirState {
	if s == nil {
		return dirState{}
	}
	d := dirState{h: s.H.Slice(i, i+1, 0, s.H.Cols)}
	if s.C.Rows > 0 {
		d.c = s.C.Slice(i, i+1, 0, s.C.Cols)
	}
	return d
}
