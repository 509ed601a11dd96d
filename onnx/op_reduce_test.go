package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestReduceKinds holds the reductions to their definitions along axis 1
// of a 2×3 input, at opset 13 (axes an attribute) and 18 (an input).
func TestReduceKinds(t *testing.T) {
	x := ft([]int{2, 3}, 1, -2, 3, 0.5, 2, 4)
	for op, want := range map[string][]float32{
		"ReduceL1":        {6, 6.5},
		"ReduceL2":        {float32(math.Sqrt(14)), float32(math.Sqrt(20.25))},
		"ReduceLogSum":    {float32(math.Log(2)), float32(math.Log(6.5))},
		"ReduceLogSumExp": {float32(math.Log(math.E + math.Exp(-2) + math.Exp(3))), float32(math.Log(math.Exp(0.5) + math.Exp(2) + math.Exp(4)))},
		"ReduceProd":      {-6, 4},
		"ReduceSumSquare": {14, 20.25},
	} {
		out, err := runOp(t, 13, op, 1, []pb{attrInts("axes", 1), attrInt("keepdims", 0)}, arg{t: x})
		require.NoError(t, err, op)
		require.Equal(t, []int{2}, out[0].Dims, op)
		require.InDeltaSlice(t, want, out[0].Float, 1e-6, op)
		out, err = runOp(t, 18, op, 1, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{1}, -1), init: true})
		require.NoError(t, err, op)
		require.Equal(t, []int{2, 1}, out[0].Dims, op)
		require.InDeltaSlice(t, want, out[0].Float, 1e-6, op)
	}
}

// TestReduceLogSumExpRange: the running maximum keeps large values finite,
// −Inf everywhere gives −Inf, +Inf gives +Inf and NaN gives NaN.
func TestReduceLogSumExpRange(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	x := ft([]int{5, 2}, 1000, 1000, -1000, -1000, -inf, -inf, inf, 1, 2, nan)
	out, err := runOp(t, 13, "ReduceLogSumExp", 1, []pb{attrInts("axes", 1), attrInt("keepdims", 0)}, arg{t: x})
	require.NoError(t, err)
	y := out[0].Float
	require.InDelta(t, 1000+math.Ln2, y[0], 1e-3)
	require.InDelta(t, -1000+math.Ln2, y[1], 1e-3)
	require.Equal(t, []float32{-inf, inf}, y[2:4])
	require.True(t, math.IsNaN(float64(y[4])))
}

// TestReduceEmpty: an empty reduction gives the operation's identity.
func TestReduceEmpty(t *testing.T) {
	x := ft([]int{2, 0})
	inf := float32(math.Inf(1))
	for op, want := range map[string]float32{
		"ReduceL1": 0, "ReduceL2": 0, "ReduceSumSquare": 0, "ReduceProd": 1,
		"ReduceLogSum": -inf, "ReduceLogSumExp": -inf,
	} {
		out, err := runOp(t, 13, op, 1, []pb{attrInts("axes", 1)}, arg{t: x})
		require.NoError(t, err, op)
		require.Equal(t, []float32{want, want}, out[0].Float, op)
	}
}

// TestReduceNoop: at opset 18, noop_with_empty_axes=1 and no axes reduce
// nothing: each element is its own reduction.
func TestReduceNoop(t *testing.T) {
	x := ft([]int{3}, -2, 0.5, 4)
	for op, want := range map[string][]float32{
		"ReduceL1":        {2, 0.5, 4},
		"ReduceL2":        {2, 0.5, 4},
		"ReduceSumSquare": {4, 0.25, 16},
		"ReduceProd":      {-2, 0.5, 4},
		"ReduceLogSumExp": {-2, 0.5, 4},
	} {
		out, err := runOp(t, 18, op, 1, []pb{attrInt("noop_with_empty_axes", 1)}, arg{t: x})
		require.NoError(t, err, op)
		require.Equal(t, want, out[0].Float, op)
	}
}

// TestReduceIntegers: the integer reductions wrap to the type's width;
// those whose results are not integers are refused.
func TestReduceIntegers(t *testing.T) {
	x := it(onnx.Int32, []int{2, 3}, 1, -2, 3, 1<<16, 1<<16, -1)
	for op, want := range map[string][]int64{
		"ReduceL1":        {6, 1<<17 + 1},
		"ReduceProd":      {-6, 0}, // 2^32·−1 wraps to 0 in 32 bits
		"ReduceSumSquare": {14, 1}, // 2^33+1 wraps to 1
		"ReduceSum":       {2, 1<<17 - 1},
	} {
		out, err := runOp(t, 11, op, 1, []pb{attrInts("axes", 1), attrInt("keepdims", 0)}, arg{t: x})
		require.NoError(t, err, op)
		require.Equal(t, want, out[0].Int, op)
	}
	for _, op := range []string{"ReduceL2", "ReduceLogSum", "ReduceLogSumExp"} {
		_, err := runOp(t, 13, op, 1, nil, arg{t: x})
		require.ErrorIs(t, err, onnx.ErrUnsupported, op)
	}
}
