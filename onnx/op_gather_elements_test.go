package onnx_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// GatherElements and GatherND beyond the backend tests: indices given at
// run time (out of range there is ErrInput from Run, not a panic),
// negative indices, batch_dims, integer data, and malformed shapes.

func TestGatherElements(t *testing.T) {
	x := ft([]int{3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	// axis 1, indices smaller than the data on axis 0, negative indices
	ind := it(onnx.Int64, []int{2, 2}, 0, -1, 2, 1)
	for _, known := range []bool{false, true} {
		out, err := runOp(t, 13, "GatherElements", 1, []pb{attrInt("axis", 1)}, arg{t: x}, arg{t: ind, init: known})
		require.NoError(t, err)
		require.Equal(t, []int{2, 2}, out[0].Dims)
		require.Equal(t, []float32{1, 3, 6, 5}, out[0].Float)
	}
	// axis 0, INT32 indices, INT32 data, more indices than the axis holds
	xi := it(onnx.Int32, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	out, err := runOp(t, 11, "GatherElements", 1, nil, arg{t: xi}, arg{t: it(onnx.Int32, []int{3, 2}, 1, 0, 0, 1, -1, -2)})
	require.NoError(t, err)
	require.Equal(t, onnx.Int32, out[0].DType)
	require.Equal(t, []int64{4, 2, 1, 5, 4, 2}, out[0].Int)
}

func TestGatherElementsRefuses(t *testing.T) {
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, bad := range []int64{3, -4} {
		_, err := runOp(t, 13, "GatherElements", 1, []pb{attrInt("axis", 1)}, arg{t: x}, arg{t: it(onnx.Int64, []int{1, 1}, bad)})
		require.ErrorIs(t, err, onnx.ErrInput, "index %d", bad)
		// known while planning: the same error, from NewSession
		_, err = runOp(t, 13, "GatherElements", 1, []pb{attrInt("axis", 1)}, arg{t: x}, arg{t: it(onnx.Int64, []int{1, 1}, bad), init: true})
		require.ErrorIs(t, err, onnx.ErrInput, "index %d", bad)
	}
	for _, c := range []struct {
		name  string
		attrs []pb
		ind   *onnx.Tensor
		want  error
	}{
		{"rank differs", nil, it(onnx.Int64, []int{2}, 0, 1), onnx.ErrShape},
		{"indices longer than data off the axis", []pb{attrInt("axis", 1)}, it(onnx.Int64, []int{3, 1}, 0, 0, 0), onnx.ErrShape},
		{"axis out of range", []pb{attrInt("axis", 2)}, it(onnx.Int64, []int{1, 1}, 0), onnx.ErrShape},
		{"float indices", nil, ft([]int{1, 1}, 0), onnx.ErrUnsupported},
	} {
		_, err := runOp(t, 13, "GatherElements", 1, c.attrs, arg{t: x}, arg{t: c.ind})
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
}

func TestGatherND(t *testing.T) {
	x := ft([]int{2, 2, 2}, 0, 1, 2, 3, 4, 5, 6, 7)
	for _, c := range []struct {
		name  string
		batch int64
		ind   *onnx.Tensor
		dims  []int
		want  []float32
	}{
		{"elements", 0, it(onnx.Int64, []int{2, 3}, 0, 1, 1, 1, -1, 0), []int{2}, []float32{3, 6}},
		{"rows", 0, it(onnx.Int64, []int{2, 2}, 1, 0, 0, -1), []int{2, 2}, []float32{4, 5, 2, 3}},
		{"planes", 0, it(onnx.Int64, []int{1, 2, 1}, 1, 0), []int{1, 2, 2, 2}, []float32{4, 5, 6, 7, 0, 1, 2, 3}},
		{"no index: whole data", 0, it(onnx.Int64, []int{0}), []int{2, 2, 2}, []float32{0, 1, 2, 3, 4, 5, 6, 7}},
		{"batch_dims 1: rows per batch", 1, it(onnx.Int64, []int{2, 1}, 1, 0), []int{2, 2}, []float32{2, 3, 4, 5}},
		{"batch_dims 1: elements", 1, it(onnx.Int32, []int{2, 2, 2}, 0, 1, 1, 1, 1, 0, 0, 0), []int{2, 2}, []float32{1, 3, 6, 4}},
		{"batch_dims 2", 2, it(onnx.Int64, []int{2, 2, 1}, 1, 0, 0, 1), []int{2, 2}, []float32{1, 2, 4, 7}},
	} {
		out, err := runOp(t, 13, "GatherND", 1, []pb{attrInt("batch_dims", c.batch)}, arg{t: x}, arg{t: c.ind})
		require.NoError(t, err, c.name)
		require.Equal(t, c.dims, out[0].Dims, c.name)
		require.Equal(t, c.want, out[0].Float, c.name)
	}
}

func TestGatherNDRefuses(t *testing.T) {
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, bad := range [][]int64{{2, 0}, {0, 3}, {-3, 0}, {1, -4}} {
		_, err := runOp(t, 13, "GatherND", 1, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{1, 2}, bad...)})
		require.ErrorIs(t, err, onnx.ErrInput, "indices %v", bad)
	}
	for _, c := range []struct {
		name  string
		batch int64
		x     *onnx.Tensor
		ind   *onnx.Tensor
	}{
		{"tuples longer than the rank", 0, x, it(onnx.Int64, []int{1, 3}, 0, 0, 0)},
		{"tuples longer than the rank past the batch", 1, x, it(onnx.Int64, []int{2, 2}, 0, 0, 0, 0)},
		{"batch_dims as large as a rank", 2, x, it(onnx.Int64, []int{2, 3}, 0, 0, 0, 0, 0, 0)},
		{"negative batch_dims", -1, x, it(onnx.Int64, []int{2, 1}, 0, 0)},
		{"batch dimensions differ", 1, x, it(onnx.Int64, []int{3, 1}, 0, 0, 0)},
		{"scalar data", 0, ft([]int{}, 1), it(onnx.Int64, []int{1}, 0)},
		{"scalar indices", 0, x, it(onnx.Int64, []int{}, 0)},
	} {
		_, err := runOp(t, 13, "GatherND", 1, []pb{attrInt("batch_dims", c.batch)}, arg{t: c.x}, arg{t: c.ind})
		require.ErrorIs(t, err, onnx.ErrShape, c.name)
	}
}
