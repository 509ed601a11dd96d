package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

func TestModSigns(t *testing.T) {
	a := it(onnx.Int64, []int{6}, -4, 7, 5, 4, -7, math.MinInt64)
	b := it(onnx.Int64, []int{6}, 3, -3, 8, 2, -3, -1)
	out, err := runOp(t, 13, "Mod", 1, nil, arg{t: a}, arg{t: b})
	require.NoError(t, err)
	require.Equal(t, []int64{2, -2, 5, 0, -1, 0}, out[0].Int, "the divisor's sign")
	out, err = runOp(t, 13, "Mod", 1, []pb{attrInt("fmod", 1)}, arg{t: a}, arg{t: b})
	require.NoError(t, err)
	require.Equal(t, []int64{-1, 1, 5, 0, -1, 0}, out[0].Int, "the dividend's sign")

	// Broadcasting, INT8.
	out, err = runOp(t, 13, "Mod", 1, nil, arg{t: it(onnx.Int8, []int{2, 2}, -128, 127, 5, -5)}, arg{t: it(onnx.Int8, []int{2}, 3, -7)})
	require.NoError(t, err)
	require.Equal(t, []int64{1, -6, 2, -5}, out[0].Int)

	// float32: C's fmod with fmod=1; numpy's mod (the divisor's sign, a
	// zero signed as the divisor) with fmod=0; a zero divisor gives NaN.
	x := ft([]int{5}, -4, 7.5, 6, -6, 1)
	y := ft([]int{5}, 3, -2, 3, 3, 0)
	out, err = runOp(t, 13, "Mod", 1, []pb{attrInt("fmod", 1)}, arg{t: x}, arg{t: y})
	require.NoError(t, err)
	require.Equal(t, []float32{-1, 1.5, 0, float32(math.Copysign(0, -1))}, out[0].Float[:4])
	require.True(t, math.Signbit(float64(out[0].Float[3])))
	require.True(t, math.IsNaN(float64(out[0].Float[4])))
	out, err = runOp(t, 13, "Mod", 1, nil, arg{t: x}, arg{t: y})
	require.NoError(t, err)
	require.Equal(t, []float32{2, -0.5, 0, 0}, out[0].Float[:4])
	require.False(t, math.Signbit(float64(out[0].Float[3])))
	require.True(t, math.IsNaN(float64(out[0].Float[4])))

	_, err = runOp(t, 13, "Mod", 1, []pb{attrInt("fmod", 2)}, arg{t: x}, arg{t: y})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}

// TestModByZero: an integer remainder by zero is an ErrInput error from
// Run, not a panic, with the divisor a graph input or known while
// planning (then NewSession reports it, folding the node).
func TestModByZero(t *testing.T) {
	for _, fmod := range []int64{0, 1} {
		attrs := []pb{attrInt("fmod", fmod)}
		a, b := it(onnx.Int32, []int{3}, 1, 2, 3), it(onnx.Int32, []int{3}, 1, 0, 1)
		s, outs, err := opSession(t, 13, "Mod", 1, attrs, arg{t: a}, arg{t: b})
		require.NoError(t, err)
		_, err = runSession(s, outs, []arg{{t: a}, {t: b}})
		require.ErrorIs(t, err, onnx.ErrInput)
		_, err = runOp(t, 13, "Mod", 1, attrs, arg{t: a, init: true}, arg{t: b, init: true})
		require.ErrorIs(t, err, onnx.ErrInput)
	}
}
