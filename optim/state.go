package optim

import (
	"errors"
	"fmt"
	"math"
)

// This file holds Adam's state as a checkpoint stores it, so that a
// resumed run continues exactly where the saved one stopped.

// Names of an optimiser's state in a checkpoint file (safetensors) that
// also holds a model. Every tensor and metadata key of optimiser state
// starts with StatePrefix; the model loaders (rnn.Load, rnn.LoadLM)
// ignore tensors under it, so a checkpoint loads as a plain model.
//
// Adam's state for the parameter named p (its Param.Name) is two 1-D
// float32 tensors of the parameter's length: the first moment m under
// AdamFirstMoment+p ("optim.adam.m.p") and the second moment v under
// AdamSecondMoment+p ("optim.adam.v.p"). The number of updates applied
// (t, which the bias corrections use) is the metadata value AdamSteps
// ("optim.adam.steps"), in decimal. The hyperparameters (LR, betas, Eps)
// are not stored: they are the resuming run's.
const (
	StatePrefix      = "optim."
	AdamFirstMoment  = StatePrefix + "adam.m."
	AdamSecondMoment = StatePrefix + "adam.v."
	AdamSteps        = StatePrefix + "adam.steps"
)

// ErrState is wrapped by the errors of SetState for a state that does not
// fit the parameters or could not have come from Adam.
var ErrState = errors.New("optim: invalid optimiser state")

// State returns the number of updates Adam has applied and, for each
// parameter in the order Step sees them, its first and second moments;
// m and v are nil before the first Step. The slices are Adam's own: they
// change with the next Step.
func (o *Adam) State() (steps int, m, v [][]float32) {
	return o.t, o.m, o.v
}

// SetState makes Adam continue from a saved state, as if it had applied
// steps updates to the parameters ps (the list later passed to Step, of
// which only the names and lengths matter here) and reached the moments
// m and v, which it copies. With steps 0 and nil moments it starts
// afresh. It returns an error wrapping ErrState, and leaves Adam as it
// was, if the moments do not have the parameters' lengths, steps is
// negative or math.MaxInt (the next Step's count would overflow, and its
// bias corrections turn every weight to NaN), or a moment is NaN or
// infinite or a second moment negative.
func (o *Adam) SetState(ps []Param, steps int, m, v [][]float32) error {
	if steps < 0 || steps == math.MaxInt {
		return fmt.Errorf("%w: %d steps", ErrState, steps)
	}
	if steps == 0 && m == nil && v == nil {
		o.t, o.m, o.v = 0, nil, nil
		return nil
	}
	if len(m) != len(ps) || len(v) != len(ps) {
		return fmt.Errorf("%w: moments for %d and %d parameters, want %d", ErrState, len(m), len(v), len(ps))
	}
	for i, p := range ps {
		if len(m[i]) != len(p.Value) || len(v[i]) != len(p.Value) {
			return fmt.Errorf("%w: parameter %d (%q) has %d weights, its moments %d and %d", ErrState, i, p.Name, len(p.Value), len(m[i]), len(v[i]))
		}
		for j := range m[i] {
			mj, vj := float64(m[i][j]), float64(v[i][j])
			if math.IsNaN(mj) || math.IsInf(mj, 0) || math.IsNaN(vj) || math.IsInf(vj, 0) || vj < 0 {
				return fmt.Errorf("%w: parameter %q, element %d: moments %v and %v", ErrState, p.Name, j, mj, vj)
			}
		}
	}
	clone := func(x [][]float32) [][]float32 {
		c := make([][]float32, len(x))
		for i := range x {
			c[i] = append([]float32(nil), x[i]...)
		}
		return c
	}
	o.t, o.m, o.v = steps, clone(m), clone(v)
	return nil
}
