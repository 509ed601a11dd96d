package onnx

import (
	"fmt"
	"slices"
)

// plannedInput is what NewSession planned for one graph input: the type,
// the shape and the values slice that the planned steps read. Run checks
// each input against it, so that a caller who replaced the slice or Dims
// (with a tensor read from a file, say) gets an error instead of a
// kernel's panic on a slice of the wrong length, or outputs computed
// from the planned slice while the values went elsewhere.
type plannedInput struct {
	dtype DataType
	dims  []int
	nf    int
	ni    int
	f     *float32 // &Float[0] when nf > 0
	i     *int64   // &Int[0] when ni > 0
}

// planInput records t as planned.
func planInput(t *Tensor) plannedInput {
	p := plannedInput{dtype: t.DType, dims: slices.Clone(t.Dims), nf: len(t.Float), ni: len(t.Int)}
	if p.nf > 0 {
		p.f = &t.Float[0]
	}
	if p.ni > 0 {
		p.i = &t.Int[0]
	}
	return p
}

// check returns an error wrapping ErrInput if the input named name, t,
// is no longer the tensor planned: its DType, Dims or values slice
// changed rather than its values.
func (p *plannedInput) check(name string, t *Tensor) error {
	same := t.DType == p.dtype && slices.Equal(t.Dims, p.dims) &&
		len(t.Float) == p.nf && len(t.Int) == p.ni && len(t.Double) == 0 && len(t.Strings) == 0 &&
		(p.nf == 0 || &t.Float[0] == p.f) && (p.ni == 0 || &t.Int[0] == p.i)
	if same {
		return nil
	}
	return fmt.Errorf("%w: input %q is %v of shape %v with %d values, planned as %v of shape %v: fill the values Session.Input returns in place, without replacing its slice or Dims",
		ErrInput, name, t.DType, t.Dims, len(t.Float)+len(t.Int)+len(t.Double)+len(t.Strings), p.dtype, p.dims)
}
