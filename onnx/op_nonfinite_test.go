package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

func TestIsNaNIsInf(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	x := ft([]int{6}, 1, nan, inf, -inf, math.MaxFloat32, -math.MaxFloat32)
	out, err := runOp(t, 13, "IsNaN", 1, nil, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, onnx.Bool, out[0].DType)
	require.Equal(t, []int64{0, 1, 0, 0, 0, 0}, out[0].Int)
	for _, c := range []struct {
		neg, pos int64
		want     []int64
	}{
		{1, 1, []int64{0, 0, 1, 1, 0, 0}},
		{0, 1, []int64{0, 0, 1, 0, 0, 0}},
		{1, 0, []int64{0, 0, 0, 1, 0, 0}},
		{0, 0, []int64{0, 0, 0, 0, 0, 0}},
	} {
		attrs := []pb{attrInt("detect_negative", c.neg), attrInt("detect_positive", c.pos)}
		out, err := runOp(t, 10, "IsInf", 1, attrs, arg{t: x})
		require.NoError(t, err)
		require.Equal(t, c.want, out[0].Int, "detect_negative %d detect_positive %d", c.neg, c.pos)
	}
}
