package rnn

import (
	"fmt"
	"math/bits"

	"github.com/simdcore/simdcore/internal/weights"
)

// MaxWeights is the largest number of float32 weights a Net (or an LM,
// embedding included) may have: 2³⁰, 4 GiB, the most a safetensors file
// may hold for Load to read it back. New, NewLM and Load refuse larger
// configurations with ErrConfig before allocating anything, so sizes whose
// products overflow an int are refused too.
const MaxWeights = int(weights.MaxDataSize / 4)

// weightCounter sums products of sizes in uint64, remembering whether any
// step overflowed or passed MaxWeights.
type weightCounter struct {
	n    uint64
	over bool
}

// add adds a·b.
func (w *weightCounter) add(a, b uint64) {
	hi, lo := bits.Mul64(a, b)
	sum, carry := bits.Add64(w.n, lo, 0)
	if hi != 0 || carry != 0 || sum > uint64(MaxWeights) {
		w.over = true
	}
	w.n = sum
}

// weightCount returns the number of weights of a config with positive
// Input, Hidden and Layers, and false if it exceeds MaxWeights (or
// overflows). Its cost does not depend on the sizes.
func weightCount(c Config) (uint64, bool) {
	if c.Hidden > MaxWeights/c.Dirs() {
		return 0, false
	}
	var biases uint64
	switch c.Bias {
	case BiasSingle:
		biases = 1
	case BiasPair:
		biases = 2
	}
	dirs, W := uint64(c.Dirs()), uint64(c.Width())
	GH, HO, P, H := uint64(c.gates()*c.Hidden), uint64(c.HiddenOut()), uint64(c.Proj), uint64(c.Hidden)
	layer := func(in uint64) (uint64, bool) { // one layer, both directions
		var w weightCounter
		w.add(dirs*GH, in+HO+biases) // no overflow: in < 2⁶³, G·H ≤ 2³²
		w.add(dirs*P, H)
		return w.n, !w.over
	}
	first, ok0 := layer(uint64(c.Input))
	upper, ok1 := layer(W)
	var w weightCounter
	w.add(first, 1)
	w.add(uint64(c.Layers-1), upper)
	w.add(uint64(c.Output), W+1)
	return w.n, ok0 && ok1 && !w.over
}

// lmFits reports whether a network of netWeights weights (within
// MaxWeights) and a vocab×embed embedding fit in MaxWeights together.
func lmFits(netWeights uint64, vocab, embed int) bool {
	w := weightCounter{n: netWeights}
	w.add(uint64(vocab), uint64(embed))
	return !w.over
}

// check validates n before a model method runs on it: a configuration
// New would accept (ErrConfig otherwise, as for Net{}), and every weight
// of the shape that configuration gives it, as a well-formed matrix
// (ErrShape otherwise, for weights replaced by hand). Its cost is a few
// integer compares per layer, nothing beside a forward pass.
func (n *Net) check(fn string) error {
	c := n.cfg
	if c.Layers < 1 || c.Input <= 0 || c.Hidden <= 0 { // the zero Net: only New, NewLM and Load set cfg
		return fmt.Errorf("%w: %s: Input=%d Hidden=%d Layers=%d: not a network made by New, NewLM or Load",
			ErrConfig, fn, c.Input, c.Hidden, c.Layers)
	}
	dirs, GH := c.Dirs(), c.gates()*c.Hidden
	if len(n.Cells) != c.Layers*dirs {
		return shapeErr("%s: %d cells, want Layers·Dirs=%d", fn, len(n.Cells), c.Layers*dirs)
	}
	nBih, nBhh := GH, 0
	switch c.Bias {
	case BiasNone:
		nBih = 0
	case BiasPair:
		nBhh = GH
	}
	for i := range n.Cells {
		cell := &n.Cells[i]
		in := c.Input
		if i >= dirs {
			in = c.Width()
		}
		if err := n.checkWeight(fn, "Wih", i, cell.ih(), GH, in); err != nil {
			return err
		}
		if err := n.checkWeight(fn, "Whh", i, cell.hh(), GH, c.HiddenOut()); err != nil {
			return err
		}
		if len(cell.Bih) != nBih || len(cell.Bhh) != nBhh {
			return shapeErr("%s: cell %d has len(Bih)=%d len(Bhh)=%d, want %d and %d (bias layout %d)",
				fn, i, len(cell.Bih), len(cell.Bhh), nBih, nBhh, int(c.Bias))
		}
		if c.Proj > 0 {
			if err := n.checkWeight(fn, "Whr", i, cell.hr(), c.Proj, c.Hidden); err != nil {
				return err
			}
		} else if len(cell.Whr.Data) != 0 || cell.Whr.Rows != 0 || cell.qhr != nil {
			return shapeErr("%s: cell %d has a projection Whr %d×%d but Config.Proj=0", fn, i, cell.Whr.Rows, cell.Whr.Cols)
		}
		if nP := peepholeLen(c); len(cell.P) != nP {
			return shapeErr("%s: cell %d has len(P)=%d, want %d (Peepholes=%v)", fn, i, len(cell.P), nP, c.Peepholes)
		}
	}
	if c.Output > 0 {
		if err := n.checkWeight(fn, "Wy", -1, n.wy(), c.Output, c.Width()); err != nil {
			return err
		}
	}
	if len(n.By) != c.Output {
		return shapeErr("%s: len(By)=%d, want Output=%d", fn, len(n.By), c.Output)
	}
	return nil
}

// checkWeight requires w to be a well-formed rows×cols matrix: the
// float one with an empty int8 one, or in a quantized Net the int8 one
// with an empty float one; cell is the cell index in the message (-1 for
// the head).
func (n *Net) checkWeight(fn, name string, cell int, w weight, rows, cols int) error {
	if n.quantized {
		if w.q != nil && w.q.Rows == rows && w.q.Cols == cols && len(w.f.Data) == 0 && w.f.Rows == 0 {
			return nil
		}
	} else if f := w.f; w.q == nil && f.Valid() && f.Rows == rows && f.Cols == cols {
		return nil
	}
	// An error: only now is the message built (check runs on every call).
	where := "head"
	if cell >= 0 {
		where = fmt.Sprintf("cell %d", cell)
	}
	if n.quantized {
		return shapeErr("%s: %s %s of a quantized network is not an int8 %d×%d matrix alone", fn, where, name, rows, cols)
	}
	if w.q != nil {
		return shapeErr("%s: %s %s has int8 weights in a float network", fn, where, name)
	}
	f := w.f
	return shapeErr("%s: %s %s is %d×%d stride %d len(data)=%d, want a well-formed %d×%d",
		fn, where, name, f.Rows, f.Cols, f.Stride, len(f.Data), rows, cols)
}

// checkTrace requires tr to be a trace of n, as Trace or TraceLast makes
// it: the input T×Input and every layer's output T×Width, well formed.
func (n *Net) checkTrace(fn string, tr *Trace) error {
	c := n.cfg
	if tr == nil || len(tr.Layers) != c.Layers {
		return shapeErr("%s: trace has %d layers, network has %d", fn, lenLayers(tr), c.Layers)
	}
	if !tr.X.Valid() || tr.X.Cols != c.Input {
		return shapeErr("%s: trace input is %d×%d stride %d len(data)=%d, want a well-formed T×%d",
			fn, tr.X.Rows, tr.X.Cols, tr.X.Stride, len(tr.X.Data), c.Input)
	}
	T := tr.X.Rows
	for l, h := range tr.Layers {
		if !h.Valid() || h.Rows != T || h.Cols != c.Width() {
			return shapeErr("%s: trace layer %d is %d×%d stride %d len(data)=%d, want a well-formed %d×%d",
				fn, l, h.Rows, h.Cols, h.Stride, len(h.Data), T, c.Width())
		}
	}
	if tr.last && (T == 0 || len(tr.top) != c.Width()) {
		return shapeErr("%s: many-to-one trace of T=%d with a summary of %d, want T ≥ 1 and %d", fn, T, len(tr.top), c.Width())
	}
	return nil
}
