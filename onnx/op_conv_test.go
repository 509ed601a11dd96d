package onnx_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestConvAutoPad: SAME_UPPER puts the odd padding element at the end,
// SAME_LOWER at the beginning, VALID none; the output is ⌈In/stride⌉
// (VALID: as without pads).
func TestConvAutoPad(t *testing.T) {
	x := arg{t: ft([]int{1, 1, 4}, 1, 2, 3, 4)}
	w := arg{t: ft([]int{1, 1, 2}, 1, 10), init: true}
	for pad, want := range map[string][]float32{
		"SAME_UPPER": {21, 32, 43, 4},  // pads 0, 1
		"SAME_LOWER": {10, 21, 32, 43}, // pads 1, 0
		"VALID":      {21, 32, 43},
		"NOTSET":     {21, 32, 43},
	} {
		out, err := runOp(t, 11, "Conv", 1, []pb{attrStr("auto_pad", pad)}, x, w)
		require.NoError(t, err, pad)
		assert.Equal(t, want, out[0].Float, pad)
	}
	_, err := runOp(t, 11, "Conv", 1, []pb{attrStr("auto_pad", "SIDEWAYS")}, x, w)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	assert.Contains(t, err.Error(), "auto_pad")
}

// TestConvShapes: shapes and attributes that do not fit are errors, never
// a panic of kernel.Conv.
func TestConvShapes(t *testing.T) {
	x := arg{t: ft([]int{1, 2, 4}, make([]float32, 8)...)}
	w := arg{t: ft([]int{2, 2, 3}, make([]float32, 12)...), init: true}
	for name, c := range map[string]struct {
		attrs []pb
		args  []arg
	}{
		"no channels":      {nil, []arg{{t: ft([]int{1, 0, 4})}, {t: ft([]int{2, 0, 3}), init: true}}},
		"no filters":       {nil, []arg{x, {t: ft([]int{0, 2, 3}), init: true}}},
		"empty input":      {nil, []arg{{t: ft([]int{1, 2, 0})}, w}},
		"W channels":       {nil, []arg{x, {t: ft([]int{2, 1, 3}, make([]float32, 6)...), init: true}}},
		"groups":           {[]pb{attrInt("group", 3)}, []arg{x, w}},
		"rank":             {nil, []arg{{t: ft([]int{2, 4}, make([]float32, 8)...)}, w}},
		"kernel_shape":     {[]pb{attrInts("kernel_shape", 2)}, []arg{x, w}},
		"kernel too large": {[]pb{attrInts("dilations", 3)}, []arg{x, w}},
		"zero stride":      {[]pb{attrInts("strides", 0)}, []arg{x, w}},
		"pads count":       {[]pb{attrInts("pads", 1)}, []arg{x, w}},
		"negative pads":    {[]pb{attrInts("pads", -1, 0)}, []arg{x, w}},
		"huge pads":        {[]pb{attrInts("pads", 1<<40, 0)}, []arg{x, w}},
		"bias":             {nil, []arg{x, w, {t: ft([]int{3}, 1, 2, 3), init: true}}},
		"huge output":      {[]pb{attrInts("pads", 1<<30, 1<<30)}, []arg{x, {t: ft([]int{2, 2, 1}, make([]float32, 4)...), init: true}}},
	} {
		_, err := runOp(t, 11, "Conv", 1, c.attrs, c.args...)
		require.Error(t, err, name)
		assert.True(t, isShapeOrUnsupported(err) || errors.Is(err, onnx.ErrLimit), "%s: %v", name, err)
	}
	// Huge pads and dilation that only the middle tap reaches the input
	// through: y = w[:, :, 1]·x.
	out, err := runOp(t, 11, "Conv", 1, []pb{attrInts("pads", 1<<30, 1<<30), attrInts("dilations", 1<<30)},
		arg{t: ft([]int{1, 1, 3}, 1, 2, 3)}, arg{t: ft([]int{1, 1, 3}, 5, 10, 7), init: true})
	require.NoError(t, err)
	assert.Equal(t, []float32{10, 20, 30}, out[0].Float)
	// N = 0: an empty batch is computed (nothing).
	out, err = runOp(t, 11, "Conv", 1, nil, arg{t: ft([]int{0, 2, 4})}, w)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 2, 2}, out[0].Dims)
}
