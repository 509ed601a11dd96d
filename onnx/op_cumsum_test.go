package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// The CumSum cases of ONNX's backend tests, which hold DOUBLE values
// (refused), here in float32 and the integer types.
func TestCumSum(t *testing.T) {
	x := ft([]int{5}, 1, 2, 3, 4, 5)
	axis0 := arg{t: it(onnx.Int32, []int{}, 0), init: true}
	for _, c := range []struct {
		exclusive, reverse int64
		want               []float32
	}{
		{0, 0, []float32{1, 3, 6, 10, 15}},
		{1, 0, []float32{0, 1, 3, 6, 10}},
		{0, 1, []float32{15, 14, 12, 9, 5}},
		{1, 1, []float32{14, 12, 9, 5, 0}},
	} {
		attrs := []pb{attrInt("exclusive", c.exclusive), attrInt("reverse", c.reverse)}
		out, err := runOp(t, 14, "CumSum", 1, attrs, arg{t: x}, axis0)
		require.NoError(t, err)
		require.Equal(t, c.want, out[0].Float, "exclusive %d reverse %d", c.exclusive, c.reverse)
	}
	m := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	out, err := runOp(t, 14, "CumSum", 1, nil, arg{t: m}, axis0)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2, 3, 5, 7, 9}, out[0].Float)
	out, err = runOp(t, 14, "CumSum", 1, nil, arg{t: m}, arg{t: it(onnx.Int64, []int{1}, -1), init: true})
	require.NoError(t, err)
	require.Equal(t, []float32{1, 3, 6, 4, 9, 15}, out[0].Float)
	// INT32 wraps; INT64 does not.
	out, err = runOp(t, 14, "CumSum", 1, []pb{attrInt("reverse", 1)}, arg{t: it(onnx.Int32, []int{3}, math.MaxInt32, 1, -2)}, axis0)
	require.NoError(t, err)
	require.Equal(t, []int64{math.MaxInt32 - 1, -1, -2}, out[0].Int)
	out, err = runOp(t, 14, "CumSum", 1, nil, arg{t: it(onnx.Int64, []int{2}, math.MaxInt32, 1)}, axis0)
	require.NoError(t, err)
	require.Equal(t, []int64{math.MaxInt32, math.MaxInt32 + 1}, out[0].Int)
}

func TestCumSumRefused(t *testing.T) {
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, a := range []int64{2, -3, math.MaxInt64, math.MinInt64} {
		_, err := runOp(t, 14, "CumSum", 1, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{}, a), init: true})
		require.ErrorIs(t, err, onnx.ErrShape, "axis %d", a)
	}
	_, err := runOp(t, 14, "CumSum", 1, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{2}, 0, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrShape, "two axes")
	_, err = runOp(t, 14, "CumSum", 1, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{}, 0)})
	require.ErrorIs(t, err, onnx.ErrValueDependent, "axis given at run time")
	_, err = runOp(t, 14, "CumSum", 1, nil, arg{t: x}, arg{t: ft([]int{}, 0), init: true})
	require.ErrorIs(t, err, onnx.ErrShape, "a float axis")
}
