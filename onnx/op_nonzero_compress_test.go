package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestNonZero computes the indices of a known input while planning, and
// refuses an input known only at run time with ErrValueDependent.
func TestNonZero(t *testing.T) {
	nan := float32(math.NaN())
	out, err := runOp(t, 13, "NonZero", 1, nil, arg{t: ft([]int{2, 3}, 0, 1, 0, nan, 0, -2), init: true})
	require.NoError(t, err)
	require.Equal(t, []int{2, 3}, out[0].Dims)
	require.Equal(t, []int64{0, 1, 1, 1, 0, 2}, out[0].Int)
	out, err = runOp(t, 13, "NonZero", 1, nil, arg{t: it(onnx.Int32, []int{3}, 0, 0, 0), init: true})
	require.NoError(t, err)
	require.Equal(t, []int{1, 0}, out[0].Dims)
	_, err = runOp(t, 13, "NonZero", 1, nil, arg{t: ft([]int{2}, 1, 0)})
	require.ErrorIs(t, err, onnx.ErrValueDependent)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}

// TestCompress selects along an axis or over the flattened input with a
// condition known while planning; an unknown condition is
// ErrValueDependent, a true entry past the axis ErrShape.
func TestCompress(t *testing.T) {
	x := ft([]int{3, 2}, 1, 2, 3, 4, 5, 6)
	cond := func(v ...int64) arg { return arg{t: it(onnx.Bool, []int{len(v)}, v...), init: true} }
	out, err := runOp(t, 11, "Compress", 1, []pb{attrInt("axis", 0)}, arg{t: x}, cond(1, 0, 1))
	require.NoError(t, err)
	require.Equal(t, []int{2, 2}, out[0].Dims)
	require.Equal(t, []float32{1, 2, 5, 6}, out[0].Float)
	out, err = runOp(t, 11, "Compress", 1, []pb{attrInt("axis", -1)}, arg{t: x}, cond(0, 1, 0))
	require.NoError(t, err)
	require.Equal(t, []int{3, 1}, out[0].Dims)
	require.Equal(t, []float32{2, 4, 6}, out[0].Float)
	out, err = runOp(t, 11, "Compress", 1, nil, arg{t: x}, cond(0, 1, 0, 0, 1))
	require.NoError(t, err)
	require.Equal(t, []float32{2, 5}, out[0].Float)
	_, err = runOp(t, 11, "Compress", 1, []pb{attrInt("axis", 1)}, arg{t: x}, cond(1, 0, 1))
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 11, "Compress", 1, []pb{attrInt("axis", 2)}, arg{t: x}, cond(1))
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 11, "Compress", 1, nil, arg{t: x}, arg{t: it(onnx.Bool, []int{2}, 1, 0)})
	require.ErrorIs(t, err, onnx.ErrValueDependent)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}
