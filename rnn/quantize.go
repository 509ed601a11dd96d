package rnn

import (
	"errors"
	"fmt"
	"slices"

	"github.com/simdcore/simdcore/kernel"
)

// ErrQuantized is wrapped by the errors of the calls a quantized Net
// (Net.Quantize) refuses: training (Trace, TraceLast, Backward and what
// calls them) needs the float weights, which a quantized Net no longer
// has.
var ErrQuantized = errors.New("rnn: quantized network (int8 weights): training needs the float weights")

// Quantize returns a copy of n whose weight matrices are int8 (see Int8
// kernels in package kernel: per output row, symmetric, with a float32
// scale per row): every cell's W_ih, W_hh and, with Proj, W_hr, and the
// head W_y. The biases stay float32 (copied), and so do the activations,
// which every matrix product quantizes per vector (per row for a batch)
// at call time; the cells' pointwise updates run in float32 as before.
// An LM's embedding stays float32 too (LM.Quantize).
//
// The quantized Net runs every inference path of n — Forward,
// ForwardState, Last, LastState, ForwardBatch, NewState and State.Step
// (zero allocations per step), NewBatchState — with about a quarter of
// the weight memory. Its float weight matrices (Cell.Wih, Whh, Whr and
// Wy) are empty, so Params lists them with no data and the exported
// matrices cannot be edited; Trace, TraceLast, Backward and Train return
// an error wrapping ErrQuantized. ACCURACY.md states the measured
// accuracy against the float model.
//
// It returns an error if n is not a valid network, is already quantized
// (wrapping ErrQuantized), or holds NaN or ±Inf in a weight matrix.
func (n *Net) Quantize() (*Net, error) {
	if err := n.check("Quantize"); err != nil {
		return nil, err
	}
	if n.quantized {
		return nil, fmt.Errorf("%w: Quantize: the network is quantized already", ErrQuantized)
	}
	if err := n.refuseVariant("Quantize"); err != nil {
		return nil, err
	}
	q := &Net{cfg: n.cfg, quantized: true, Cells: make([]Cell, len(n.Cells)), By: slices.Clone(n.By)}
	var err error
	for i := range n.Cells {
		src, dst := &n.Cells[i], &q.Cells[i]
		dst.Bih, dst.Bhh = slices.Clone(src.Bih), slices.Clone(src.Bhh)
		if dst.qih, err = quantizeWeight(src.Wih, "Wih", i); err != nil {
			return nil, err
		}
		if dst.qhh, err = quantizeWeight(src.Whh, "Whh", i); err != nil {
			return nil, err
		}
		if n.cfg.Proj > 0 {
			if dst.qhr, err = quantizeWeight(src.Whr, "Whr", i); err != nil {
				return nil, err
			}
		}
	}
	if n.cfg.Output > 0 {
		if q.qy, err = quantizeWeight(n.Wy, "Wy", -1); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// quantizeWeight quantizes one weight matrix, naming it in an error.
func quantizeWeight(w kernel.Matrix, name string, cell int) (*kernel.QMatrix, error) {
	q, err := kernel.QuantizeMatrix(w)
	if err != nil {
		where := "head"
		if cell >= 0 {
			where = fmt.Sprintf("cell %d", cell)
		}
		return nil, fmt.Errorf("%w: Quantize: %s %s: %v", ErrConfig, where, name, err)
	}
	return q, nil
}

// cloneQuantized is Clone of a quantized network: the int8 matrices,
// which nothing writes, are shared; the biases are copied.
func (n *Net) cloneQuantized() *Net {
	q := *n
	q.Cells = slices.Clone(n.Cells)
	for i := range q.Cells {
		c := &q.Cells[i]
		c.Bih, c.Bhh = slices.Clone(c.Bih), slices.Clone(c.Bhh)
	}
	q.By = slices.Clone(n.By)
	return &q
}

// Quantized reports whether n's weight matrices are int8 (Quantize, or
// a quantized file loaded by Load).
func (n *Net) Quantized() bool { return n.quantized }

// checkFloat refuses a quantized network for a call that needs the float
// weights.
func (n *Net) checkFloat(fn string) error {
	if n.quantized {
		return fmt.Errorf("%w: %s", ErrQuantized, fn)
	}
	return nil
}

// Quantize returns a copy of m whose network is quantized (Net.Quantize):
// the recurrent weights and the head in int8. The embedding (or the
// one-hot input) stays float32 and is shared with m, as is the
// Tokenizer. Next, Perplexity, LogProb, Generate and NewState run on it;
// Train and LossGrad return an error wrapping ErrQuantized.
func (m *LM) Quantize() (*LM, error) {
	net, err := m.Net.Quantize()
	if err != nil {
		return nil, err
	}
	return &LM{Embed: m.Embed, Net: net, Tokenizer: m.Tokenizer, vocab: m.vocab}, nil
}
