package rnn

import "github.com/simdcore/simdcore/kernel"

// State is the streaming state of a causal (unidirectional) network: one
// h per layer, and one c per layer for an LSTM. Each goroutine needs its
// own State; many States may share one Net.
type State struct {
	n *Net
	// h[l] (HiddenOut) and c[l] (Hidden, LSTM only) are layer l's state;
	// g, hg and m are a step's scratch: the gate pre-activations, the
	// hidden side of a cell that keeps it apart, and an LSTM's output
	// before projection.
	h, c, g, hg, m [][]float32
	err            error // n's validation (Net.check), returned by every Step
	q              actQ  // the activations quantized for a quantized Net
}

// NewState returns a State at h = 0 (and c = 0), ready to Step. It
// validates n once, here: on a network that New, NewLM or Load would not
// have made (a zero Net, weights replaced by ones of other shapes) every
// Step returns the error, wrapping ErrConfig or ErrShape. Weights
// replaced after NewState are not checked again.
func (n *Net) NewState() *State {
	s := &State{n: n}
	if s.err = n.check("NewState"); s.err != nil {
		return s
	}
	s.h, s.c, s.g, s.hg, s.m = stepBuffers(n.cfg, func(size int) []float32 { return make([]float32, size) })
	return s
}

// stepBuffers allocates, for every layer of a network of configuration
// c, what a streaming step keeps (h, HiddenOut wide; c for a cell with a
// cell state) and its scratch (the gates g; hg for a cell that keeps the
// hidden side apart; m, an LSTM's output before projection), each by
// alloc(width): a vector for State, a streams×width matrix for
// BatchState. A buffer the cell does not use is nil.
func stepBuffers[T any](c Config, alloc func(width int) T) (h, cs, g, hg, m []T) {
	k, GH := c.Cell.kind(), c.gates()*c.Hidden
	for range c.Layers {
		h = append(h, alloc(c.HiddenOut()))
		g = append(g, alloc(GH))
		if k.hasC() {
			cs = append(cs, alloc(c.Hidden))
		}
		if k.splitHidden() {
			hg = append(hg, alloc(c.hgWidth()))
		}
		if c.Proj > 0 {
			m = append(m, alloc(c.Hidden))
		}
	}
	return h, cs, g, hg, m
}

// Reset returns the state to h = 0 (and c = 0), the start of a sequence.
func (s *State) Reset() {
	for _, h := range s.h {
		clear(h)
	}
	for _, c := range s.c {
		clear(c)
	}
}

// Hidden returns layer l's current state h_t (a view; do not keep it
// across Steps).
func (s *State) Hidden(l int) []float32 { return s.h[l] }

// CellState returns an LSTM layer l's current cell state c_t (a view;
// do not keep it across Steps), nil for the other cells.
func (s *State) CellState(l int) []float32 {
	if s.c == nil {
		return nil
	}
	return s.c[l]
}

// at returns v[l], or nil when v is not used by the cell.
func at(v [][]float32, l int) []float32 {
	if v == nil {
		return nil
	}
	return v[l]
}

// Step consumes x (len Input), advances every layer by one step, and
// writes the step's output into dst (len Output, or Width without a
// head): the same values as the corresponding row of Forward, up to
// rounding. It allocates nothing. A bidirectional network cannot stream:
// Step then returns an error wrapping ErrNotCausal.
func (s *State) Step(dst, x []float32) error {
	if s.err != nil {
		return s.err
	}
	c := &s.n.cfg
	if c.Bidirectional {
		return ErrNotCausal
	}
	if len(x) != c.Input {
		return shapeErr("Step: len(x)=%d, want Config.Input=%d", len(x), c.Input)
	}
	if len(dst) != c.OutWidth() {
		return shapeErr("Step: len(dst)=%d, want %d", len(dst), c.OutWidth())
	}
	k := c.Cell.kind()
	vr, isVar := c.variant()
	in := x
	p := s.n.packed()
	for l, h := range s.h {
		if isVar { // a variant cell (variant.go)
			s.n.variantLayer(vr, l, vecRow(in), vecRow(h), vecRow(at(s.c, l)), vecRow(s.g[l]), vecRow(at(s.hg, l)), &s.q)
			in = h
			continue
		}
		cell, w := &s.n.Cells[l], s.n.weights(p, l)
		g, hg, m, cs := s.g[l], at(s.hg, l), at(s.m, l), at(s.c, l)
		w.ih.gemv(g, in, false, &s.q)
		if k.splitHidden() {
			addBias(g, cell.Bih, nil)
			w.hh.gemv(hg, h, false, &s.q)
			addBias(hg, cell.Bhh, nil)
		} else {
			addBias(g, cell.Bih, cell.Bhh)
			w.hh.gemv(g, h, true, &s.q)
		}
		// h is read (W_hh·h, a GRU's z⊙h) before the cell overwrites it.
		if m == nil {
			k.forward(c.Activation, h, cs, g, hg, h, cs)
		} else {
			k.forward(c.Activation, m, cs, g, hg, h, cs)
			w.hr.gemv(h, m, false, &s.q)
		}
		in = h
	}
	if c.Output == 0 {
		copy(dst, in)
		return nil
	}
	s.n.headWeight(p).gemv(dst, in, false, &s.q)
	kernel.Add(dst, dst, s.n.By)
	activate(c.OutputActivation, dst)
	return nil
}
