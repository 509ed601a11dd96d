package onnx

import (
	"fmt"
	"math"
)

// Range (opset 11): start, start+delta, … up to limit (excluded), of
// max(⌈(limit−start)/delta⌉, 0) elements, for scalar start, limit and delta
// of one type (FLOAT, INT64, INT32, INT16). The length depends on the
// values, so the three must be known while planning (initializers,
// constants, shape arithmetic, or Options.Fixed): the output is computed
// then, charged to the element budget, and known. A delta of 0, a value
// that is not finite, and a length beyond the budget are refused. Integer
// lengths and values are exact; float32 ones are computed as start+i·delta
// in float64 (as numpy's arange does), each value rounded once.

func init() {
	register("Range", 11, buildRange)
}

func buildRange(c *nodeCtx) (func() error, error) {
	var args [3]*Tensor
	for i, what := range []string{"start", "limit", "delta"} {
		t, err := knownScalar(c, i, what)
		if err != nil {
			return nil, err
		}
		if err := c.needType(t, Float, Int64, Int32, Int16); err != nil {
			return nil, err
		}
		if i > 0 && t.DType != args[0].DType {
			return nil, c.shapeErr("%s has type %v, start %v", what, t.DType, args[0].DType)
		}
		args[i] = t
	}
	dt := args[0].DType
	var n uint64
	var err error
	if dt == Float {
		n, err = rangeLenFloat(c, float64(args[0].Float[0]), float64(args[1].Float[0]), float64(args[2].Float[0]))
	} else {
		n, err = rangeLenInt(c, args[0].Int[0], args[1].Int[0], args[2].Int[0])
	}
	if err != nil {
		return nil, err
	}
	if n > maxTensorElements {
		return nil, fmt.Errorf("%w: Range of %d elements", ErrLimit, n)
	}
	out, err := c.p.alloc(dt, []int{int(n)})
	if err != nil {
		return nil, err
	}
	if dt == Float {
		start, delta := float64(args[0].Float[0]), float64(args[2].Float[0])
		for i := range out.Float {
			out.Float[i] = float32(start + float64(i)*delta)
		}
	} else {
		// start+i·delta lies between start and limit; int64 arithmetic,
		// which wraps, gives it exactly.
		start, delta := args[0].Int[0], args[2].Int[0]
		for i := range out.Int {
			out.Int[i] = start + int64(i)*delta
		}
	}
	c.knownOutput(0, out)
	return nil, nil
}

// knownScalar returns input i, which must hold one value (rank 0, or rank
// 1 of one element) known while planning: what, in errors.
func knownScalar(c *nodeCtx, i int, what string) (*Tensor, error) {
	t, err := c.need(i)
	if err != nil {
		return nil, err
	}
	if len(t.Dims) > 1 || t.Len() != 1 {
		return nil, c.shapeErr("%s has shape %v, want a scalar", what, t.Dims)
	}
	if !c.known(i) {
		return nil, fmt.Errorf("%w: %w: %s (input %d, %q)", ErrUnsupported, ErrValueDependent, what, i, c.node.Inputs[i])
	}
	return t, nil
}

// rangeLenInt is ⌈(limit−start)/delta⌉ or 0, computed without overflow.
func rangeLenInt(c *nodeCtx, start, limit, delta int64) (uint64, error) {
	switch {
	case delta == 0:
		return 0, c.shapeErr("delta is 0")
	case delta > 0 && limit > start:
		return ceilDiv(uint64(limit)-uint64(start), uint64(delta)), nil
	case delta < 0 && limit < start:
		return ceilDiv(uint64(start)-uint64(limit), -uint64(delta)), nil
	}
	return 0, nil
}

// ceilDiv is ⌈a/b⌉ for b > 0.
func ceilDiv(a, b uint64) uint64 {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}

// rangeLenFloat is ⌈(limit−start)/delta⌉ or 0, in float64 (exact
// differences of float32 values); above maxTensorElements when the
// quotient is.
func rangeLenFloat(c *nodeCtx, start, limit, delta float64) (uint64, error) {
	if delta == 0 {
		return 0, c.shapeErr("delta is 0")
	}
	for _, v := range []float64{start, limit, delta} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, c.shapeErr("start %g, limit %g, delta %g: not finite", start, limit, delta)
		}
	}
	q := math.Ceil((limit - start) / delta)
	switch {
	case q <= 0:
		return 0, nil
	case q > maxTensorElements:
		return maxTensorElements + 1, nil
	}
	return uint64(q), nil
}
