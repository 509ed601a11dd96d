package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestClipInteger: since opset 12 Clip takes the integer types (torch.clamp
// of an int64 tensor exports so), with bounds of the input's type, either
// one absent; before, and with a bound of another type, it is refused.
func TestClipInteger(t *testing.T) {
	x := it(onnx.Int64, []int{6}, math.MinInt64, -3, 0, 2, 5, math.MaxInt64)
	out, err := runOp(t, 13, "Clip", 1, nil, arg{t: x}, arg{t: it(onnx.Int64, nil, -1)}, arg{t: it(onnx.Int64, nil, 4), init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Int64, out[0].DType)
	require.Equal(t, []int64{-1, -1, 0, 2, 4, 4}, out[0].Int)
	out, err = runOp(t, 12, "Clip", 1, nil, arg{t: x}, arg{}, arg{t: it(onnx.Int64, []int{1}, 1)})
	require.NoError(t, err)
	require.Equal(t, []int64{math.MinInt64, -3, 0, 1, 1, 1}, out[0].Int, "no lower bound")
	out, err = runOp(t, 13, "Clip", 1, nil, arg{t: it(onnx.Uint8, []int{3}, 0, 7, 255)}, arg{t: it(onnx.Uint8, nil, 3)})
	require.NoError(t, err)
	require.Equal(t, onnx.Uint8, out[0].DType)
	require.Equal(t, []int64{3, 7, 255}, out[0].Int)

	_, err = runOp(t, 11, "Clip", 1, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported, "opset 11 Clip is float only")
	_, err = runOp(t, 13, "Clip", 1, nil, arg{t: x}, arg{t: ft(nil, 0)})
	require.ErrorIs(t, err, onnx.ErrShape)
	require.Contains(t, err.Error(), "want one INT64")
}

// TestIntegerReluSign: Relu takes the signed integer types since opset 14
// and Sign every integer type (torch.relu and torch.sign of an int64
// tensor export so); Relu of INT64 before opset 14 is refused.
func TestIntegerReluSign(t *testing.T) {
	x := it(onnx.Int64, []int{5}, math.MinInt64, -2, 0, 3, math.MaxInt64)
	out, err := runOp(t, 14, "Relu", 1, nil, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, onnx.Int64, out[0].DType)
	require.Equal(t, []int64{0, 0, 0, 3, math.MaxInt64}, out[0].Int)
	out, err = runOp(t, 14, "Relu", 1, nil, arg{t: it(onnx.Int8, []int{3}, -128, 0, 127)})
	require.NoError(t, err)
	require.Equal(t, []int64{0, 0, 127}, out[0].Int)
	_, err = runOp(t, 13, "Relu", 1, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 14, "Relu", 1, nil, arg{t: it(onnx.Uint8, []int{1}, 1)})
	require.ErrorIs(t, err, onnx.ErrUnsupported, "Relu has no unsigned types")

	out, err = runOp(t, 9, "Sign", 1, nil, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int64{-1, -1, 0, 1, 1}, out[0].Int)
	out, err = runOp(t, 13, "Sign", 1, nil, arg{t: it(onnx.Uint16, []int{2}, 0, 65535)})
	require.NoError(t, err)
	require.Equal(t, onnx.Uint16, out[0].DType)
	require.Equal(t, []int64{0, 1}, out[0].Int)
}
