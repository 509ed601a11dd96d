package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestDet: determinants of a batch (one needing a row exchange, one
// singular), and a non-square input refused with ErrShape.
func TestDet(t *testing.T) {
	x := ft([]int{3, 3, 3},
		0, 2, 1, 1, 0, 0, 0, 0, 3, // a row exchange: det −6
		1, 2, 3, 4, 5, 6, 7, 8, 9, // singular
		2, 0, 0, 0, 3, 0, 0, 0, 4) // diagonal: 24
	out, err := runOp(t, 11, "Det", 1, nil, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int{3}, out[0].Dims)
	require.Equal(t, float32(-6), out[0].Float[0])
	require.InDelta(t, 0, out[0].Float[1], 1e-12)
	require.Equal(t, float32(24), out[0].Float[2])
	out, err = runOp(t, 11, "Det", 1, nil, arg{t: ft([]int{0, 0})})
	require.NoError(t, err)
	require.Equal(t, []float32{1}, out[0].Float, "the empty matrix's determinant")
	_, err = runOp(t, 11, "Det", 1, nil, arg{t: ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 11, "Det", 1, nil, arg{t: ft([]int{3}, 1, 2, 3)})
	require.ErrorIs(t, err, onnx.ErrShape)
}
