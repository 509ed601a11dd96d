package rnn

import (
	"fmt"
	"strings"
)

// CellType selects a network's recurrent cell: Config.Cell. Every cell
// has the same topologies, streaming, batching, language model, training,
// loading and saving; only the update of one step differs.
type CellType int

const (
	// Elman is torch.nn.RNN: h' = ψ(W_ih·x + b_ih + W_hh·h + b_hh), with
	// ψ = Config.Activation (tanh, relu or sigmoid).
	Elman CellType = iota
	// LSTM is torch.nn.LSTM, with gates i, f, g, o (in that row order):
	//
	//	i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
	//	g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
	//	c' = f⊙c + i⊙g                          h' = o⊙tanh(c')
	//
	// and, with Config.Proj = P > 0, h' = W_hr·(o⊙tanh(c')) of width P.
	LSTM
	// GRU is torch.nn.GRU, with gates r, z, n (in that row order):
	//
	//	r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
	//	n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))
	//	h' = (1−z)⊙n + z⊙h
	//
	// b_hn sits inside r⊙(…), so a GRU keeps the two biases apart
	// (BiasSingle is b_ih alone).
	GRU
)

// String returns the cell's name as ParseCell reads it: "elman", "lstm"
// or "gru".
func (c CellType) String() string {
	if k := c.kind(); k != nil {
		return k.name()
	}
	return fmt.Sprintf("CellType(%d)", int(c))
}

// ParseCell reads a cell name: "elman", "lstm" or "gru", or one of
// torch's mode names "RNN_TANH", "RNN_RELU", "LSTM", "GRU" (any case).
func ParseCell(s string) (CellType, error) {
	switch strings.ToLower(s) {
	case "elman", "rnn", "rnn_tanh", "rnn_relu":
		return Elman, nil
	case "lstm":
		return LSTM, nil
	case "gru":
		return GRU, nil
	}
	return 0, fmt.Errorf("%w: unknown cell %q (want elman, lstm or gru)", ErrConfig, s)
}

// cellKind is what one cell type adds to the shared engine: the number
// of gate blocks and the pointwise part of a step, forwards and
// backwards. The engine does every matrix product: a step's
// pre-activations come to the cell computed (see forward.go), and the
// cell returns the gradient with respect to them (see backward.go).
// Adding a cell is one file that implements cellKind and one case in
// CellType.kind; docs/ARCHITECTURE.md walks through it.
type cellKind interface {
	name() string
	// gates is G: W_ih and W_hh have G·Hidden rows, the biases G·Hidden
	// elements.
	gates() int
	// hasC reports whether the cell carries a cell state c (Hidden wide)
	// besides h.
	hasC() bool
	// splitHidden reports whether the hidden side W_hh·h + b_hh must
	// stay apart from the input side (in hg) instead of being added into
	// the gate pre-activations.
	splitHidden() bool
	// forward finishes one step of one sequence. g holds the G·Hidden
	// pre-activations (input side, plus the hidden side unless
	// splitHidden), hg the hidden side when splitHidden; hPrev and
	// cPrev the previous state. It writes h (Hidden wide: the output,
	// before any projection) and c, and leaves in g what backward needs
	// (an LSTM's and a GRU's activated gates; an Elman cell leaves g as
	// it came, its backward reading ψ(z) from h). h may be hPrev and c
	// may be cPrev.
	forward(act Activation, h, c, g, hg, hPrev, cPrev []float32)
	// backward turns dh (∂J/∂h of this step, before projection) and dc
	// (∂J/∂c from the next step, LSTM only; updated in place to the
	// gradient for cPrev) into dg (∂J/∂ the input-side pre-activations)
	// and dhg (∂J/∂ the hidden-side ones; may be dg itself when the
	// cell does not split), given what forward left in g, hg, h and c
	// and the previous state. It adds to dhPrev the part of
	// ∂J/∂hPrev that does not go through W_hh (GRU's z⊙dh).
	backward(act Activation, dg, dhg, dc, dhPrev, dh, g, hg, h, c, hPrev, cPrev []float32)
}

// kind returns the cell's strategy, nil for an unknown CellType.
func (c CellType) kind() cellKind {
	switch c {
	case Elman:
		return elmanCell{}
	case LSTM:
		return lstmCell{}
	case GRU:
		return gruCell{}
	}
	return nil
}
