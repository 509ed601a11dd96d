package onnx

import (
	"fmt"
	"math"
)

// Cast between FLOAT, FLOAT16, the integer types and BOOL: float to integer
// truncates toward zero (values outside the type wrap, as C++ casts of
// in-range values do; NaN gives 0), anything to BOOL is "not zero", and
// anything to FLOAT16 is the value rounded to half (roundHalf; an integer
// through float32, exact for every integer within half's range). FLOAT16
// and BFLOAT16 are cast from as FLOAT: their values are float32s exactly
// (BFLOAT16 only in an initializer or a Constant).

func init() {
	register("Cast", 1, buildCast)
	register("CastLike", 15, buildCast)
}

func buildCast(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	var to DataType
	if c.node.OpType == "CastLike" {
		like, err := c.need(1)
		if err != nil {
			return nil, err
		}
		to = like.DType
	} else if to, err = castTarget(c); err != nil {
		return nil, err
	}
	if sat := c.attrInt("saturate", 1); sat != 1 {
		return nil, c.unsupported("saturate=%d", sat)
	}
	from := x.DType
	if from == Float16 || from == BFloat16 {
		from = Float // held as float32, exactly
	}
	if !runtimeType(from) {
		return nil, c.unsupported("cast from %v", x.DType)
	}
	if !runtimeType(to) {
		return nil, c.unsupported("cast to %v", to)
	}
	y, err := c.output(0, to, x.Dims)
	if err != nil {
		return nil, err
	}
	switch {
	case to == Float16 && from == Float:
		return func() error {
			for i, v := range x.Float {
				y.Float[i] = roundHalf(v)
			}
			return nil
		}, nil
	case to == Float16:
		return func() error {
			for i, v := range x.Int {
				y.Float[i] = roundHalf(float32(v))
			}
			return nil
		}, nil
	}
	lo, hi := intRange(to)
	switch {
	case from == Float && to == Float:
		return func() error { copy(y.Float, x.Float); return nil }, nil
	case from == Float && to == Bool:
		return func() error {
			for i, v := range x.Float {
				y.Int[i] = b2i(v != 0)
			}
			return nil
		}, nil
	case from == Float:
		return func() error {
			for i, v := range x.Float {
				y.Int[i] = wrap(floatToInt(v), lo, hi)
			}
			return nil
		}, nil
	case to == Float:
		return func() error {
			for i, v := range x.Int {
				y.Float[i] = float32(v)
			}
			return nil
		}, nil
	case to == Bool:
		return func() error {
			for i, v := range x.Int {
				y.Int[i] = b2i(v != 0)
			}
			return nil
		}, nil
	}
	return func() error {
		for i, v := range x.Int {
			y.Int[i] = wrap(v, lo, hi)
		}
		return nil
	}, nil
}

// castTarget reads Cast's "to": an INT (a DataType), or before opset 6 a
// STRING naming the type ("FLOAT", "INT64", …).
func castTarget(c *nodeCtx) (DataType, error) {
	a := c.node.Attr("to")
	switch {
	case a == nil:
		return 0, c.shapeErr("attribute to is required")
	case a.Type == AttrInt:
		return DataType(a.I), nil
	case a.Type == AttrString && c.opset < 6:
		for t, name := range dtypeNames {
			if name == string(a.S) {
				return t, nil
			}
		}
		return 0, c.unsupported("cast to %q", a.S)
	}
	return 0, fmt.Errorf("%w: attribute to has type %v", ErrFormat, a.Type)
}

// floatToInt truncates toward zero; NaN gives 0 and values beyond int64
// saturate.
func floatToInt(v float32) int64 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return int64(v)
}
