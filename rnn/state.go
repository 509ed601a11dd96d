package rnn

import "github.com/simdcore/simdcore/kernel"

// State is the streaming state of a causal (unidirectional) network: one
// hidden vector per layer. Each goroutine needs its own State; many
// States may share one Net.
type State struct {
	n    *Net
	h, z [][]float32
	err  error // n's validation (Net.check), returned by every Step
}

// NewState returns a State at h = 0, ready to Step. It validates n once,
// here: on a network that New, NewLM or Load would not have made (a zero
// Net, weights replaced by ones of other shapes) every Step returns the
// error, wrapping ErrConfig or ErrShape. Weights replaced after NewState
// are not checked again.
func (n *Net) NewState() *State {
	s := &State{n: n}
	if s.err = n.check("NewState"); s.err != nil {
		return s
	}
	for range n.cfg.Layers {
		s.h = append(s.h, make([]float32, n.cfg.Hidden))
		s.z = append(s.z, make([]float32, n.cfg.Hidden))
	}
	return s
}

// Reset returns the state to h = 0, the start of a sequence.
func (s *State) Reset() {
	for _, h := range s.h {
		clear(h)
	}
}

// Hidden returns layer l's current state h_t (a view; do not keep it
// across Steps).
func (s *State) Hidden(l int) []float32 { return s.h[l] }

// Step consumes x (len Input), advances every layer by one step, and
// writes the step's output into dst (len Output, or Hidden without a
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
	in := x
	for l := range s.h {
		cell := &s.n.Cells[l]
		z := s.z[l]
		kernel.Gemv(z, cell.Wih, in)
		addBias(z, cell.Bih, cell.Bhh)
		kernel.GemvAdd(z, cell.Whh, s.h[l])
		activate(c.Activation, z)
		s.h[l], s.z[l] = z, s.h[l]
		in = z
	}
	if c.Output == 0 {
		copy(dst, in)
		return nil
	}
	kernel.Gemv(dst, s.n.Wy, in)
	kernel.Add(dst, dst, s.n.By)
	activate(c.OutputActivation, dst)
	return nil
}
