package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// The pooling, BatchNormalization and ArgMax/ArgMin cases the ONNX
// backend tests do not reach (those run in TestConformance): NaN, windows
// of padding only, the work bound, and malformed attributes.

func TestPoolSpecials(t *testing.T) {
	nan := float32(math.NaN())
	x := ft([]int{1, 1, 1, 5}, 1, nan, 3, 2, -1)
	// MaxPool, window 2 stride 1: a NaN in a window is its result, at
	// the NaN's index.
	out, err := runOp(t, 13, "MaxPool", 2, []pb{attrInts("kernel_shape", 1, 2)}, arg{t: x})
	require.NoError(t, err)
	y, idx := out[0].Float, out[1].Int
	require.True(t, math.IsNaN(float64(y[0])) && math.IsNaN(float64(y[1])))
	require.Equal(t, []float32{3, 2}, y[2:])
	require.Equal(t, []int64{1, 1, 2, 3}, idx)

	// A window of padding only (pads of 3 before a window of 2): −Inf and
	// index −1 for MaxPool; AveragePool gives NaN (no element) or, with
	// count_include_pad, 0.
	x = ft([]int{1, 1, 1, 2}, 4, 6)
	pads := attrInts("pads", 0, 3, 0, 0)
	out, err = runOp(t, 13, "MaxPool", 2, []pb{attrInts("kernel_shape", 1, 2), pads}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 1, 4}, out[0].Dims)
	require.Equal(t, []float32{float32(math.Inf(-1)), float32(math.Inf(-1)), 4, 6}, out[0].Float)
	require.Equal(t, []int64{-1, -1, 0, 1}, out[1].Int)
	out, err = runOp(t, 13, "AveragePool", 1, []pb{attrInts("kernel_shape", 1, 2), pads}, arg{t: x})
	require.NoError(t, err)
	require.True(t, math.IsNaN(float64(out[0].Float[0])))
	require.Equal(t, []float32{4, 5}, out[0].Float[2:])
	out, err = runOp(t, 13, "AveragePool", 1, []pb{attrInts("kernel_shape", 1, 2), pads, attrInt("count_include_pad", 1)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []float32{0, 0, 2, 5}, out[0].Float)

	// GlobalMaxPool propagates NaN; GlobalAveragePool averages.
	x = ft([]int{1, 2, 3}, 1, nan, 2, 1, 2, 6)
	out, err = runOp(t, 13, "GlobalMaxPool", 1, nil, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 1}, out[0].Dims)
	require.True(t, math.IsNaN(float64(out[0].Float[0])))
	require.Equal(t, float32(6), out[0].Float[1])
	out, err = runOp(t, 13, "GlobalAveragePool", 1, nil, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, float32(3), out[0].Float[1])
}

func TestPoolRefuses(t *testing.T) {
	x := ft([]int{1, 1, 4, 4}, make([]float32, 16)...)
	for _, c := range []struct {
		name  string
		attrs []pb
		want  error
	}{
		{"no kernel_shape", nil, onnx.ErrShape},
		{"kernel_shape of the wrong rank", []pb{attrInts("kernel_shape", 2)}, onnx.ErrShape},
		{"zero kernel", []pb{attrInts("kernel_shape", 0, 2)}, onnx.ErrShape},
		{"window larger than the padded input", []pb{attrInts("kernel_shape", 5, 5)}, onnx.ErrShape},
		{"zero stride", []pb{attrInts("kernel_shape", 2, 2), attrInts("strides", 0, 1)}, onnx.ErrShape},
		{"negative pads", []pb{attrInts("kernel_shape", 2, 2), attrInts("pads", -1, 0, 0, 0)}, onnx.ErrUnsupported},
		{"storage_order 2", []pb{attrInts("kernel_shape", 2, 2), attrInt("storage_order", 2)}, onnx.ErrUnsupported},
		// A window of 2^20 by 2^20 positions over pads of 2^30: every
		// window visits the 16 inputs, but the output has about 2^40
		// elements; refused before anything is allocated or run.
		{"huge pads", []pb{attrInts("kernel_shape", 1<<20, 1<<20), attrInts("pads", 1<<30, 1<<30, 1<<30, 1<<30)}, onnx.ErrLimit},
	} {
		_, err := runOp(t, 13, "MaxPool", 1, c.attrs, arg{t: x})
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	// The work bound: a window as large as a big input, stride 1, output
	// as large as the input: 2^12·2^12 positions each visiting up to
	// 2^24 inputs.
	big := ft([]int{1, 1, 4096, 4096}, make([]float32, 4096*4096)...)
	_, err := runOp(t, 13, "AveragePool", 1, []pb{attrInts("kernel_shape", 4096, 4096), attrStr("auto_pad", "SAME_UPPER")}, arg{t: big})
	require.ErrorIs(t, err, onnx.ErrLimit)
}

func TestBatchNormTraining(t *testing.T) {
	// Two images of one channel of two elements: batch mean 2.5, variance
	// 1.25; running statistics with momentum 0.5.
	x := ft([]int{2, 1, 2}, 1, 2, 3, 4)
	one := func(v float32) *onnx.Tensor { return ft([]int{1}, v) }
	out, err := runOp(t, 15, "BatchNormalization", 3, []pb{attrInt("training_mode", 1), attrF("momentum", 0.5), attrF("epsilon", 0)},
		arg{t: x}, arg{t: one(2), init: true}, arg{t: one(1), init: true}, arg{t: one(10), init: true}, arg{t: one(4), init: true})
	require.NoError(t, err)
	s := float32(2 / math.Sqrt(1.25))
	require.InDeltaSlice(t, []float32{-1.5*s + 1, -0.5*s + 1, 0.5*s + 1, 1.5*s + 1}, out[0].Float, 1e-6)
	require.Equal(t, []float32{6.25}, out[1].Float)
	require.Equal(t, []float32{2.625}, out[2].Float)
	// Inference uses the given statistics.
	out, err = runOp(t, 15, "BatchNormalization", 1, []pb{attrF("epsilon", 0)},
		arg{t: x}, arg{t: one(2), init: true}, arg{t: one(1), init: true}, arg{t: one(2), init: true}, arg{t: one(4), init: true})
	require.NoError(t, err)
	require.Equal(t, []float32{0, 1, 2, 3}, out[0].Float)
	// Opset 9..13 training outputs are refused, as is a channel count
	// that does not match.
	_, err = runOp(t, 12, "BatchNormalization", 3, nil,
		arg{t: x}, arg{t: one(2), init: true}, arg{t: one(1), init: true}, arg{t: one(2), init: true}, arg{t: one(4), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 15, "BatchNormalization", 1, nil,
		arg{t: x}, arg{t: ft([]int{2}, 1, 1), init: true}, arg{t: one(1), init: true}, arg{t: one(2), init: true}, arg{t: one(4), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
}

func TestArgMaxNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := ft([]int{2, 3}, 1, nan, nan, 5, 5, 2)
	for _, c := range []struct {
		op   string
		last int64
		want []int64
	}{{"ArgMax", 0, []int64{1, 0}}, {"ArgMax", 1, []int64{1, 1}}, {"ArgMin", 0, []int64{1, 2}}, {"ArgMin", 1, []int64{1, 2}}} {
		out, err := runOp(t, 13, c.op, 1, []pb{attrInt("axis", 1), attrInt("keepdims", 0), attrInt("select_last_index", c.last)}, arg{t: x})
		require.NoError(t, err)
		require.Equal(t, []int{2}, out[0].Dims)
		require.Equal(t, c.want, out[0].Int, "%s select_last_index=%d", c.op, c.last)
	}
	_, err := runOp(t, 13, "ArgMax", 1, []pb{attrInt("axis", 2)}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrShape)
}
