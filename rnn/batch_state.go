package rnn

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// BatchState steps many independent streams of a causal network together,
// one step of every stream per call: a server running one detector per
// audio stream advances them all with two matrix products per layer (the
// input side X·W_ihᵀ and the hidden side H·W_hhᵀ over all streams), which
// reads each weight once per step instead of once per stream. Stream b's
// results are the ones a State of its own would give, up to rounding.
// Like State, a BatchState belongs to one goroutine; many may share a Net.
type BatchState struct {
	n       *Net
	streams int
	// Per layer: h (B×HiddenOut), c (B×Hidden, LSTM), and a step's
	// scratch: the gates g (B×G·Hidden), a GRU's hidden side hg, an
	// LSTM's output before projection m (B×Hidden).
	h, c, g, hg, m []kernel.Matrix
	err            error
	q              actQ // the activations quantized for a quantized Net
}

// NewBatchState returns the state of streams independent streams, all at
// zero. Like NewState it validates n once; a streams < 1, or a network
// that cannot stream (bidirectional), makes every Step return the error.
func (n *Net) NewBatchState(streams int) *BatchState {
	s := &BatchState{n: n, streams: streams}
	if s.err = n.check("NewBatchState"); s.err != nil {
		return s
	}
	c := n.cfg
	switch {
	case streams < 1:
		s.err = fmt.Errorf("%w: NewBatchState: %d streams", ErrConfig, streams)
		return s
	case c.Bidirectional:
		s.err = ErrNotCausal
		return s
	}
	s.h, s.c, s.g, s.hg, s.m = stepBuffers(c, func(cols int) kernel.Matrix { return kernel.NewMatrix(streams, cols) })
	return s
}

// Streams returns the number of streams.
func (s *BatchState) Streams() int { return s.streams }

// Reset returns every stream to the zero state.
func (s *BatchState) Reset() {
	for _, m := range s.h {
		clear(m.Data)
	}
	for _, m := range s.c {
		clear(m.Data)
	}
}

// ResetStream returns stream b to the zero state (a new sequence on that
// stream), leaving the others as they are.
func (s *BatchState) ResetStream(b int) error {
	if err := s.checkStream("ResetStream", b); err != nil {
		return err
	}
	for _, m := range s.h {
		clear(m.Row(b))
	}
	for _, m := range s.c {
		clear(m.Row(b))
	}
	return nil
}

// GetStream copies stream b's state into st, a State of the same Net
// (to move a stream out, or to snapshot it with State.MarshalBinary).
func (s *BatchState) GetStream(st *State, b int) error {
	if err := s.checkPair("GetStream", st, b); err != nil {
		return err
	}
	for l := range s.h {
		copy(st.h[l], s.h[l].Row(b))
		if s.c != nil {
			copy(st.c[l], s.c[l].Row(b))
		}
	}
	return nil
}

// SetStream sets stream b's state to st's, a State of the same Net.
func (s *BatchState) SetStream(b int, st *State) error {
	if err := s.checkPair("SetStream", st, b); err != nil {
		return err
	}
	for l := range s.h {
		copy(s.h[l].Row(b), st.h[l])
		if s.c != nil {
			copy(s.c[l].Row(b), st.c[l])
		}
	}
	return nil
}

func (s *BatchState) checkStream(fn string, b int) error {
	if s.err != nil {
		return s.err
	}
	if b < 0 || b >= s.streams {
		return shapeErr("%s: stream %d of %d", fn, b, s.streams)
	}
	return nil
}

func (s *BatchState) checkPair(fn string, st *State, b int) error {
	if err := s.checkStream(fn, b); err != nil {
		return err
	}
	if st == nil || st.n != s.n || st.err != nil {
		return shapeErr("%s: the State is not a valid State of this BatchState's Net", fn)
	}
	return nil
}

// Step consumes x (streams×Input: row b is stream b's input), advances
// every stream by one step, and writes each stream's output into the
// rows of dst (streams×OutWidth). It allocates nothing (the Net's first
// run packs its weights, see Net.WeightsChanged).
func (s *BatchState) Step(dst, x kernel.Matrix) error {
	if s.err != nil {
		return s.err
	}
	c := &s.n.cfg
	if !x.Valid() || x.Rows != s.streams || x.Cols != c.Input {
		return shapeErr("BatchState.Step: x is %d×%d stride %d len(data)=%d, want a well-formed %d×%d (streams×Input)",
			x.Rows, x.Cols, x.Stride, len(x.Data), s.streams, c.Input)
	}
	if !dst.Valid() || dst.Rows != s.streams || dst.Cols != c.OutWidth() {
		return shapeErr("BatchState.Step: dst is %d×%d stride %d len(data)=%d, want a well-formed %d×%d (streams×OutWidth)",
			dst.Rows, dst.Cols, dst.Stride, len(dst.Data), s.streams, c.OutWidth())
	}
	k := c.Cell.kind()
	p := s.n.packed() // the weights packed once for every Step (Net.WeightsChanged)
	vr, isVar := c.variant()
	in := x
	for l, h := range s.h {
		if isVar { // a variant cell (variant.go)
			s.n.variantLayer(vr, l, in, h, matAt(s.c, l), s.g[l], matAt(s.hg, l), &s.q)
			in = h
			continue
		}
		cell, w := &s.n.Cells[l], s.n.weights(p, l)
		g := s.g[l]
		hs := g // where the hidden side goes
		if k.splitHidden() {
			fillRows(g, cell.Bih, nil)
			hs = s.hg[l]
			fillRows(hs, cell.Bhh, nil)
		} else {
			fillRows(g, cell.Bih, cell.Bhh)
		}
		w.ih.gemm(g, in, true, &s.q)
		w.hh.gemm(hs, h, true, &s.q)
		out := h // h is read (above, and by a GRU's z⊙h) before the cell overwrites it
		if c.Proj > 0 {
			out = s.m[l]
		}
		for b := 0; b < s.streams; b++ {
			var cb, hgb []float32
			if s.c != nil {
				cb = s.c[l].Row(b)
			}
			if k.splitHidden() {
				hgb = hs.Row(b)
			}
			k.forward(c.Activation, out.Row(b), cb, g.Row(b), hgb, h.Row(b), cb)
		}
		if c.Proj > 0 {
			w.hr.gemm(h, out, false, &s.q)
		}
		in = h
	}
	if c.Output == 0 {
		for b := 0; b < s.streams; b++ {
			copy(dst.Row(b), in.Row(b))
		}
		return nil
	}
	fillRows(dst, s.n.By, nil)
	s.n.headWeight(p).gemm(dst, in, true, &s.q)
	activateRows(c.OutputActivation, dst)
	return nil
}
