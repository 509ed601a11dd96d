package onnx

import (
	"fmt"
	"math"
)

// OneHot(indices, depth, values): a new axis of length depth, inserted at
// the attribute axis (default −1, the last), holds, per index, the on
// value (values[1]) at the index and the off value (values[0]) elsewhere.
// The output has the type of values. Indices and depth of a floating type
// are truncated to integers. Since opset 11 an index in [−depth, −1]
// counts from the end; any index outside the range (since opset 11
// [−depth, depth), before [0, depth)) gives a row of off values, not an
// error. Depth sets the output's shape, so it must be known while
// planning (ErrValueDependent otherwise).

func init() {
	register("OneHot", 9, buildOneHot)
}

func buildOneHot(c *nodeCtx) (func() error, error) {
	ind, err := c.needStored(0, "indices")
	if err != nil {
		return nil, err
	}
	depth, err := oneHotDepth(c)
	if err != nil {
		return nil, err
	}
	vals, err := c.need(2)
	if err != nil {
		return nil, err
	}
	if len(vals.Dims) != 1 || vals.Dims[0] != 2 {
		return nil, c.shapeErr("values of shape %v, want [2] (off, on)", vals.Dims)
	}
	r := len(ind.Dims)
	axis, err := c.axis(c.attrInt("axis", -1), r+1)
	if err != nil {
		return nil, err
	}
	dims := append(append(append([]int(nil), ind.Dims[:axis]...), depth), ind.Dims[axis:]...)
	y, err := c.output(0, vals.DType, dims)
	if err != nil {
		return nil, err
	}
	inner := numElements(ind.Dims[axis:])
	lo := int64(0)
	if c.opset >= 11 {
		lo = -int64(depth)
	}
	d := int64(depth)
	isFloat := y.DType.storage() == storeFloat
	return func() error {
		if isFloat {
			for i := range y.Float {
				y.Float[i] = vals.Float[0]
			}
		} else {
			for i := range y.Int {
				y.Int[i] = vals.Int[0]
			}
		}
		n := ind.Len()
		for j := range n {
			var k int64
			if ind.DType.storage() == storeFloat {
				f := math.Trunc(float64(ind.Float[j]))
				if !(f >= float64(lo) && f < float64(d)) { // NaN too
					continue
				}
				k = int64(f)
			} else if k = ind.Int[j]; k < lo || k >= d {
				continue
			}
			if k < 0 {
				k += d
			}
			o, i := j/inner, j%inner
			at := (o*depth+int(k))*inner + i
			if isFloat {
				y.Float[at] = vals.Float[1]
			} else {
				y.Int[at] = vals.Int[1]
			}
		}
		return nil
	}, nil
}

// oneHotDepth returns OneHot's depth: input 1, one value of a numeric
// type, known while planning, a whole number (a floating one truncated)
// from 0 to maxIndex.
func oneHotDepth(c *nodeCtx) (int, error) {
	t, err := c.need(1)
	if err != nil {
		return 0, err
	}
	if !c.known(1) {
		return 0, fmt.Errorf("%w: %w: depth, which sets the output's shape (input 1, %q)", ErrUnsupported, ErrValueDependent, c.node.Inputs[1])
	}
	if t.Len() != 1 || len(t.Dims) > 1 {
		return 0, c.shapeErr("depth of shape %v, want one value", t.Dims)
	}
	var d float64
	switch t.DType.storage() {
	case storeFloat:
		d = math.Trunc(float64(t.Float[0]))
	case storeInt:
		d = float64(t.Int[0])
	case storeDouble:
		d = math.Trunc(t.Double[0])
	default:
		return 0, c.unsupported("depth of data type %v", t.DType)
	}
	if !(d >= 0 && d <= maxIndex) {
		return 0, c.shapeErr("depth %v (want 0 to %d)", d, maxIndex)
	}
	return int(d), nil
}
