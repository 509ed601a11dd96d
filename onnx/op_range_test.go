package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// rangeOp runs Range over start, limit and delta given as initializers
// (known while planning).
func rangeOp(t *testing.T, start, limit, delta *onnx.Tensor) (*onnx.Tensor, error) {
	t.Helper()
	out, err := runOp(t, 11, "Range", 1, nil, arg{t: start, init: true}, arg{t: limit, init: true}, arg{t: delta, init: true})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func scalarI(v int64) *onnx.Tensor   { return it(onnx.Int64, []int{}, v) }
func scalarF(v float32) *onnx.Tensor { return ft([]int{}, v) }

func TestRange(t *testing.T) {
	y, err := rangeOp(t, scalarI(1), scalarI(10), scalarI(3))
	require.NoError(t, err)
	require.Equal(t, []int{3}, y.Dims)
	require.Equal(t, []int64{1, 4, 7}, y.Int)

	y, err = rangeOp(t, scalarI(5), scalarI(-2), scalarI(-2))
	require.NoError(t, err)
	require.Equal(t, []int64{5, 3, 1, -1}, y.Int)

	// A limit on the wrong side of start: empty.
	y, err = rangeOp(t, scalarI(5), scalarI(10), scalarI(-1))
	require.NoError(t, err)
	require.Equal(t, []int{0}, y.Dims)

	// The extremes of int64: the length and values without overflow.
	y, err = rangeOp(t, scalarI(math.MinInt64), scalarI(math.MaxInt64), scalarI(math.MaxInt64))
	require.NoError(t, err)
	require.Equal(t, []int64{math.MinInt64, -1, math.MaxInt64 - 1}, y.Int)

	// INT32, and a one-element vector for a scalar.
	y, err = rangeOp(t, it(onnx.Int32, []int{1}, -3), it(onnx.Int32, []int{}, 0), it(onnx.Int32, []int{}, 1))
	require.NoError(t, err)
	require.Equal(t, onnx.Int32, y.DType)
	require.Equal(t, []int64{-3, -2, -1}, y.Int)

	// float32: ⌈(1−0)/0.1⌉ = 10 values (0.1 rounds up in float32), each
	// start+i·delta rounded once.
	y, err = rangeOp(t, scalarF(0), scalarF(1), scalarF(0.1))
	require.NoError(t, err)
	require.Len(t, y.Float, 10)
	for i, v := range y.Float {
		require.Equal(t, float32(float64(i)*float64(float32(0.1))), v)
	}
	y, err = rangeOp(t, scalarF(2.5), scalarF(-1), scalarF(-1.5))
	require.NoError(t, err)
	require.Equal(t, []float32{2.5, 1, -0.5}, y.Float)
}

// TestRangeHostile: a delta of 0, values that are not finite and lengths
// beyond the element budget are refused while planning, without
// allocating the output.
func TestRangeHostile(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	_, err := rangeOp(t, scalarI(0), scalarI(10), scalarI(0))
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = rangeOp(t, scalarF(0), scalarF(10), scalarF(0))
	require.ErrorIs(t, err, onnx.ErrShape)
	for _, v := range [][3]float32{{nan, 1, 1}, {0, nan, 1}, {0, 1, nan}, {0, inf, 1}, {-inf, 0, 1}, {0, 1, inf}} {
		_, err = rangeOp(t, scalarF(v[0]), scalarF(v[1]), scalarF(v[2]))
		require.ErrorIs(t, err, onnx.ErrShape, "%v", v)
	}
	for _, v := range [][3]int64{{0, math.MaxInt64, 1}, {math.MaxInt64, math.MinInt64, -1}, {0, 1 << 30, 1}} {
		_, err = rangeOp(t, scalarI(v[0]), scalarI(v[1]), scalarI(v[2]))
		require.ErrorIs(t, err, onnx.ErrLimit, "%v", v)
	}
	for _, v := range [][3]float32{{0, 3e38, 1e-38}, {0, 1e30, 1}, {0, 1 << 30, 1}, {-3e38, 3e38, 1e-45}} {
		_, err = rangeOp(t, scalarF(v[0]), scalarF(v[1]), scalarF(v[2]))
		require.ErrorIs(t, err, onnx.ErrLimit, "%v", v)
	}
	// Operands of different types, and a start that is not a scalar.
	_, err = rangeOp(t, scalarI(0), it(onnx.Int32, []int{}, 3), scalarI(1))
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = rangeOp(t, it(onnx.Int64, []int{2}, 0, 1), scalarI(3), scalarI(1))
	require.ErrorIs(t, err, onnx.ErrShape)
	// Values given only at run time: the length is not known while
	// planning.
	_, err = runOp(t, 11, "Range", 1, nil, arg{t: scalarI(0)}, arg{t: scalarI(3), init: true}, arg{t: scalarI(1), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.ErrorIs(t, err, onnx.ErrValueDependent)
}
