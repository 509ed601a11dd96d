package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// ScatterND, ScatterElements and Scatter beyond the backend tests: the
// reductions (on floats with NaN, wrapping integers, BOOL), indices given
// at run time (out of range there is ErrInput from Run, not a panic) and
// malformed shapes.

func reduction(r string) pb { return attrStr("reduction", r) }

func TestScatterND(t *testing.T) {
	// The shape of torch's export of pe[:, 0::2] = v: the even rows of a
	// transposed table replaced.
	data := ft([]int{4, 3}, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	ind := it(onnx.Int64, []int{2, 1}, 0, 2)
	upd := ft([]int{2, 3}, 10, 11, 12, 20, 21, 22)
	for _, known := range []bool{false, true} {
		out, err := runOp(t, 13, "ScatterND", 1, nil, arg{t: data}, arg{t: ind, init: known}, arg{t: upd})
		require.NoError(t, err)
		require.Equal(t, []float32{10, 11, 12, 1, 1, 1, 20, 21, 22, 1, 1, 1}, out[0].Float)
	}
	// Single elements, negative indices, each reduction over an index
	// given twice.
	data = ft([]int{2, 2}, 1, 2, 3, 4)
	ind = it(onnx.Int64, []int{3, 2}, 0, 1, -1, -1, 0, -1)
	upd = ft([]int{3}, 5, 6, -7)
	for r, want := range map[string][]float32{
		"none": {1, -7, 3, 6},
		"add":  {1, 0, 3, 10},
		"mul":  {1, -70, 3, 24},
		"max":  {1, 5, 3, 6},
		"min":  {1, -7, 3, 4},
	} {
		out, err := runOp(t, 18, "ScatterND", 1, []pb{reduction(r)}, arg{t: data}, arg{t: ind}, arg{t: upd})
		require.NoError(t, err, r)
		require.Equal(t, want, out[0].Float, r)
	}
	// max and min propagate NaN, from the data or from an update.
	nan := float32(math.NaN())
	out, err := runOp(t, 18, "ScatterND", 1, []pb{reduction("max")}, arg{t: ft([]int{2}, nan, 1)}, arg{t: it(onnx.Int64, []int{2, 1}, 0, 1)}, arg{t: ft([]int{2}, 5, nan)})
	require.NoError(t, err)
	require.True(t, math.IsNaN(float64(out[0].Float[0])) && math.IsNaN(float64(out[0].Float[1])), "%v", out[0].Float)
	// INT32 sums and products wrap; BOOL adds as or, multiplies as and.
	out, err = runOp(t, 16, "ScatterND", 1, []pb{reduction("add")}, arg{t: it(onnx.Int32, []int{2}, math.MaxInt32, 5)}, arg{t: it(onnx.Int64, []int{1, 1}, 0)}, arg{t: it(onnx.Int32, []int{1}, 1)})
	require.NoError(t, err)
	require.Equal(t, []int64{math.MinInt32, 5}, out[0].Int)
	out, err = runOp(t, 16, "ScatterND", 1, []pb{reduction("add")}, arg{t: it(onnx.Bool, []int{3}, 1, 0, 1)}, arg{t: it(onnx.Int64, []int{3, 1}, 0, 1, 2)}, arg{t: it(onnx.Bool, []int{3}, 1, 1, 0)})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 1, 1}, out[0].Int)
	out, err = runOp(t, 16, "ScatterND", 1, []pb{reduction("mul")}, arg{t: it(onnx.Bool, []int{3}, 1, 0, 1)}, arg{t: it(onnx.Int64, []int{3, 1}, 0, 1, 2)}, arg{t: it(onnx.Bool, []int{3}, 1, 1, 0)})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 0, 0}, out[0].Int)
	// Indices of length 0 address the whole data: updates replaces it.
	out, err = runOp(t, 13, "ScatterND", 1, nil, arg{t: ft([]int{2}, 1, 2)}, arg{t: it(onnx.Int64, []int{0})}, arg{t: ft([]int{2}, 7, 8)})
	require.NoError(t, err)
	require.Equal(t, []float32{7, 8}, out[0].Float)
}

func TestScatterNDRefuses(t *testing.T) {
	data := ft([]int{2, 2}, 1, 2, 3, 4)
	for _, bad := range [][]int64{{2, 0}, {0, -3}} {
		_, err := runOp(t, 13, "ScatterND", 1, nil, arg{t: data}, arg{t: it(onnx.Int64, []int{1, 2}, bad...)}, arg{t: ft([]int{1}, 9)})
		require.ErrorIs(t, err, onnx.ErrInput, "indices %v", bad)
	}
	for _, c := range []struct {
		name  string
		attrs []pb
		ind   *onnx.Tensor
		upd   *onnx.Tensor
		want  error
	}{
		{"updates of the wrong shape", nil, it(onnx.Int64, []int{1, 1}, 0), ft([]int{1}, 9), onnx.ErrShape},
		{"tuples longer than the rank", nil, it(onnx.Int64, []int{1, 3}, 0, 0, 0), ft([]int{1}, 9), onnx.ErrShape},
		{"scalar indices", nil, it(onnx.Int64, []int{}, 0), ft([]int{2}, 9, 9), onnx.ErrShape},
		{"updates of another type", nil, it(onnx.Int64, []int{1, 2}, 0, 0), it(onnx.Int64, []int{1}, 9), onnx.ErrShape},
		{"float indices", nil, ft([]int{1, 2}, 0, 0), ft([]int{1}, 9), onnx.ErrUnsupported},
		{"an unknown reduction", []pb{reduction("mean")}, it(onnx.Int64, []int{1, 2}, 0, 0), ft([]int{1}, 9), onnx.ErrUnsupported},
	} {
		_, err := runOp(t, 18, "ScatterND", 1, c.attrs, arg{t: data}, arg{t: c.ind}, arg{t: c.upd})
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
}

func TestScatterElements(t *testing.T) {
	data := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	// axis 1, indices narrower than the data, negative, twice
	ind := it(onnx.Int64, []int{2, 2}, 0, -1, 1, 1)
	upd := ft([]int{2, 2}, 10, 20, 30, 40)
	for r, want := range map[string][]float32{
		"none": {10, 2, 20, 4, 40, 6},
		"add":  {11, 2, 23, 4, 75, 6},
		"mul":  {10, 2, 60, 4, 6000, 6},
		"max":  {10, 2, 20, 4, 40, 6},
		"min":  {1, 2, 3, 4, 5, 6},
	} {
		for _, known := range []bool{false, true} {
			out, err := runOp(t, 18, "ScatterElements", 1, []pb{attrInt("axis", 1), reduction(r)}, arg{t: data}, arg{t: ind, init: known}, arg{t: upd})
			require.NoError(t, err, r)
			require.Equal(t, want, out[0].Float, r)
		}
	}
	// axis 0 (the default), INT64 data; Scatter, its name before opset 11.
	xi := it(onnx.Int64, []int{2, 2}, 1, 2, 3, 4)
	for op, opset := range map[string]int64{"ScatterElements": 11, "Scatter": 10} {
		out, err := runOp(t, opset, op, 1, nil, arg{t: xi}, arg{t: it(onnx.Int32, []int{1, 2}, 1, 0)}, arg{t: it(onnx.Int64, []int{1, 2}, 7, 8)})
		require.NoError(t, err, op)
		require.Equal(t, []int64{1, 8, 7, 4}, out[0].Int, op)
	}
}

func TestScatterElementsRefuses(t *testing.T) {
	data := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, bad := range []int64{3, -4} {
		_, err := runOp(t, 13, "ScatterElements", 1, []pb{attrInt("axis", 1)}, arg{t: data}, arg{t: it(onnx.Int64, []int{1, 1}, bad)}, arg{t: ft([]int{1, 1}, 9)})
		require.ErrorIs(t, err, onnx.ErrInput, "index %d", bad)
	}
	for _, c := range []struct {
		name  string
		attrs []pb
		ind   *onnx.Tensor
		upd   *onnx.Tensor
		want  error
	}{
		{"updates and indices differ", nil, it(onnx.Int64, []int{1, 1}, 0), ft([]int{1, 2}, 9, 9), onnx.ErrShape},
		{"rank differs", nil, it(onnx.Int64, []int{1}, 0), ft([]int{1}, 9), onnx.ErrShape},
		{"indices wider than the data off the axis", nil, it(onnx.Int64, []int{1, 4}, 0, 0, 0, 0), ft([]int{1, 4}, 9, 9, 9, 9), onnx.ErrShape},
		{"axis out of range", []pb{attrInt("axis", -3)}, it(onnx.Int64, []int{1, 1}, 0), ft([]int{1, 1}, 9), onnx.ErrShape},
	} {
		_, err := runOp(t, 18, "ScatterElements", 1, c.attrs, arg{t: data}, arg{t: c.ind}, arg{t: c.upd})
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	// Scatter exists in opsets 9 and 10 only, without reduction.
	args := []arg{{t: data}, {t: it(onnx.Int64, []int{1, 1}, 0)}, {t: ft([]int{1, 1}, 9)}}
	_, err := runOp(t, 11, "Scatter", 1, nil, args...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 10, "Scatter", 1, []pb{reduction("add")}, args...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}
