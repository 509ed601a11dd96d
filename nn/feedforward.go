package nn

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// FeedForward is the position-wise block of torch's Transformer layers:
// y = linear2(activation(linear1(x))), dropout being the identity.
//
//	Linear1 ↔ linear1 (dim_feedforward × d_model)
//	Linear2 ↔ linear2 (d_model × dim_feedforward)
type FeedForward struct {
	Linear1, Linear2 Linear
	Activation       Activation
}

// NewFeedForward returns a zero block d_model → ff → d_model with biases.
// It returns an error wrapping ErrConfig for sizes that are not positive
// or an unknown activation.
func NewFeedForward(dModel, ff int, act Activation) (*FeedForward, error) {
	if !act.valid() {
		return nil, fmt.Errorf("nn.NewFeedForward: %v: %w", act, ErrConfig)
	}
	l1, err := NewLinear(dModel, ff, true)
	if err != nil {
		return nil, err
	}
	l2, err := NewLinear(ff, dModel, true)
	if err != nil {
		return nil, err
	}
	return &FeedForward{Linear1: *l1, Linear2: *l2, Activation: act}, nil
}

func (f *FeedForward) check(fn string) error {
	if err := f.Linear1.check(fn); err != nil {
		return err
	}
	if err := f.Linear2.check(fn); err != nil {
		return err
	}
	if f.Linear2.In != f.Linear1.Out || f.Linear2.Out != f.Linear1.In {
		return shapeErr(fn, "linear1 is %d→%d but linear2 is %d→%d", f.Linear1.In, f.Linear1.Out, f.Linear2.In, f.Linear2.Out)
	}
	if !f.Activation.valid() {
		return fmt.Errorf("nn.%s: %v: %w", fn, f.Activation, ErrConfig)
	}
	return nil
}

// Forward computes the block on every row of x (T×d_model) into dst
// (allocated if its Data is nil; it must not overlap x), which it
// returns.
func (f *FeedForward) Forward(dst, x kernel.Matrix) (kernel.Matrix, error) {
	const fn = "FeedForward.Forward"
	dst, err := prepare(fn, f.check(fn), dst, x, f.Linear1.In, f.Linear2.Out)
	if err != nil {
		return dst, err
	}
	ws := getWS(f.need(x.Rows))
	defer putWS(ws)
	f.apply(dst, x, ws.Data)
	return dst, nil
}

// need is the workspace apply needs for t rows.
func (f *FeedForward) need(t int) int { return t * f.Linear1.Out }

// apply is Forward on checked shapes, its intermediates in ws (need
// elements).
func (f *FeedForward) apply(dst, x kernel.Matrix, ws []float32) {
	t := x.Rows
	if t == 0 {
		return
	}
	h := rowsOf(ws, t, f.Linear1.Out)
	f.Linear1.apply(h, x)
	f.Activation.apply(h.Data, h.Data)
	f.Linear2.apply(dst, h)
}
