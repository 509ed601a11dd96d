package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// OneHot beyond the backend tests: the index range of each opset, float
// indices and depth, the axis, and depth that is unknown while planning,
// negative or too large.

func TestOneHot(t *testing.T) {
	depth := arg{t: it(onnx.Int64, []int{}, 3), init: true}
	vals := arg{t: ft([]int{2}, -1, 5)}
	ind := arg{t: it(onnx.Int64, []int{5}, 0, 2, -1, 3, -4)}
	// Since opset 11, [−depth, depth) with negative indices counting from
	// the end; outside, a row of off values.
	out, err := runOp(t, 11, "OneHot", 1, nil, ind, depth, vals)
	require.NoError(t, err)
	require.Equal(t, []int{5, 3}, out[0].Dims)
	require.Equal(t, []float32{
		5, -1, -1,
		-1, -1, 5,
		-1, -1, 5,
		-1, -1, -1,
		-1, -1, -1,
	}, out[0].Float)
	// Before, [0, depth).
	out, err = runOp(t, 9, "OneHot", 1, nil, ind, depth, vals)
	require.NoError(t, err)
	require.Equal(t, []float32{
		5, -1, -1,
		-1, -1, 5,
		-1, -1, -1,
		-1, -1, -1,
		-1, -1, -1,
	}, out[0].Float)

	// axis 0 of [2, 2] indices, FLOAT indices (truncated; NaN is out of
	// range), a FLOAT depth (truncated), INT32 values.
	nan := float32(math.NaN())
	out, err = runOp(t, 11, "OneHot", 1, []pb{attrInt("axis", 0)},
		arg{t: ft([]int{2, 2}, 1.9, nan, -0.5, -2.2)}, arg{t: ft([]int{}, 2.7), init: true}, arg{t: it(onnx.Int32, []int{2}, 0, 7)})
	require.NoError(t, err)
	require.Equal(t, onnx.Int32, out[0].DType)
	require.Equal(t, []int{2, 2, 2}, out[0].Dims)
	// index 1.9 → 1, NaN → none, −0.5 → 0, −2.2 → −2 → 0
	require.Equal(t, []int64{
		0, 0, 7, 7, // class 0
		7, 0, 0, 0, // class 1
	}, out[0].Int)

	// Depth of one element in a rank-1 tensor; axis in the middle.
	out, err = runOp(t, 11, "OneHot", 1, []pb{attrInt("axis", -2)},
		arg{t: it(onnx.Int32, []int{1, 2}, 1, 0)}, arg{t: it(onnx.Int32, []int{1}, 2), init: true}, vals)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 2}, out[0].Dims)
	require.Equal(t, []float32{-1, 5, 5, -1}, out[0].Float)
}

func TestOneHotRefuses(t *testing.T) {
	ind := arg{t: it(onnx.Int64, []int{2}, 0, 1)}
	vals := arg{t: ft([]int{2}, 0, 1)}
	// Depth sets the output's shape: a graph input is refused.
	_, err := runOp(t, 11, "OneHot", 1, nil, ind, arg{t: it(onnx.Int64, []int{}, 3)}, vals)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.ErrorIs(t, err, onnx.ErrValueDependent)
	for _, c := range []struct {
		name  string
		attrs []pb
		depth *onnx.Tensor
		vals  *onnx.Tensor
		want  error
	}{
		{"negative depth", nil, it(onnx.Int64, []int{}, -1), nil, onnx.ErrShape},
		{"NaN depth", nil, ft([]int{}, float32(math.NaN())), nil, onnx.ErrShape},
		{"depth past the index range", nil, it(onnx.Int64, []int{}, 1<<40), nil, onnx.ErrShape},
		{"depth past the element budget", nil, it(onnx.Int64, []int{}, 1<<31-1), nil, onnx.ErrLimit},
		{"two depths", nil, it(onnx.Int64, []int{2}, 2, 3), nil, onnx.ErrShape},
		{"depth of rank 2", nil, it(onnx.Int64, []int{1, 1}, 2), nil, onnx.ErrShape},
		{"three values", nil, it(onnx.Int64, []int{}, 2), ft([]int{3}, 0, 1, 2), onnx.ErrShape},
		{"values of rank 2", nil, it(onnx.Int64, []int{}, 2), ft([]int{1, 2}, 0, 1), onnx.ErrShape},
		{"axis out of range", []pb{attrInt("axis", 2)}, it(onnx.Int64, []int{}, 2), nil, onnx.ErrShape},
		{"axis out of range below", []pb{attrInt("axis", -3)}, it(onnx.Int64, []int{}, 2), nil, onnx.ErrShape},
	} {
		v := vals
		if c.vals != nil {
			v = arg{t: c.vals}
		}
		_, err := runOp(t, 11, "OneHot", 1, c.attrs, ind, arg{t: c.depth, init: true}, v)
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
}
