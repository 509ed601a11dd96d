package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestLRN checks ONNX's window (⌊(size−1)/2⌋ channels below, ⌈(size−1)/2⌉
// above) against a direct computation, a size past the channel count, and
// the refusal of a missing or non-positive size.
func TestLRN(t *testing.T) {
	x := ft([]int{1, 4, 1, 1}, 1, 2, 3, 4)
	for _, size := range []int64{1, 2, 3, 4, 1 << 62} {
		attrs := []pb{attrInt("size", size), attrF("alpha", 0.5), attrF("beta", 0.75), attrF("bias", 2)}
		out, err := runOp(t, 13, "LRN", 1, attrs, arg{t: x})
		require.NoError(t, err, size)
		for c := range 4 {
			var sq float64
			for j := c - int(min((size-1)/2, 4)); j <= c+int(min(size/2, 4)); j++ {
				if j >= 0 && j < 4 {
					sq += float64(x.Float[j] * x.Float[j])
				}
			}
			want := float64(x.Float[c]) / math.Pow(2+0.5/float64(size)*sq, 0.75)
			require.InDelta(t, want, out[0].Float[c], 1e-6, "size %d channel %d", size, c)
		}
	}
	_, err := runOp(t, 13, "LRN", 1, []pb{attrInt("size", 0)}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 13, "LRN", 1, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrFormat)
}

// TestMVN normalizes over the axes given; a constant group gives zeros,
// not NaN (ε is added to the standard deviation).
func TestMVN(t *testing.T) {
	x := ft([]int{2, 2}, 1, 3, 5, 5)
	out, err := runOp(t, 13, "MeanVarianceNormalization", 1, []pb{attrInts("axes", 1)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []float32{-1, 1, 0, 0}, out[0].Float)
	_, err = runOp(t, 13, "MeanVarianceNormalization", 1, []pb{attrInts("axes", 2)}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 13, "MeanVarianceNormalization", 1, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrShape, "the default axes [0, 2, 3] need rank 4")
}

// TestEyeLike: offsets inside and far outside the matrix, the dtype
// attribute, and types the package does not hold.
func TestEyeLike(t *testing.T) {
	x := ft([]int{2, 3})
	out, err := runOp(t, 9, "EyeLike", 1, []pb{attrInt("k", 1)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []float32{0, 1, 0, 0, 0, 1}, out[0].Float)
	out, err = runOp(t, 9, "EyeLike", 1, []pb{attrInt("k", -1), attrInt("dtype", int64(onnx.Int32))}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, onnx.Int32, out[0].DType)
	require.Equal(t, []int64{0, 0, 0, 1, 0, 0}, out[0].Int)
	for _, k := range []int64{math.MaxInt64, math.MinInt64, 3, -2} {
		out, err = runOp(t, 9, "EyeLike", 1, []pb{attrInt("k", k)}, arg{t: x})
		require.NoError(t, err, k)
		require.Equal(t, make([]float32, 6), out[0].Float, k)
	}
	_, err = runOp(t, 9, "EyeLike", 1, []pb{attrInt("dtype", int64(onnx.Double))}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 9, "EyeLike", 1, []pb{attrInt("dtype", 99)}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 9, "EyeLike", 1, nil, arg{t: ft([]int{2}, 0, 0)})
	require.ErrorIs(t, err, onnx.ErrShape)
}
