package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestReverseSequence reverses the first sequence_lens[b] steps of each
// batch entry, with time along axis 0 and along axis 1, and refuses
// lengths outside [0, T] at run time with ErrInput.
func TestReverseSequence(t *testing.T) {
	// x [T=3, B=2, 2]: value 100t + 10b + k.
	x := ft([]int{3, 2, 2}, 0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211)
	out, err := runOp(t, 10, "ReverseSequence", 1, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{2}, 3, 2)})
	require.NoError(t, err)
	require.Equal(t, []float32{200, 201, 110, 111, 100, 101, 10, 11, 0, 1, 210, 211}, out[0].Float)
	// batch along axis 0, time along axis 1, integers.
	xi := it(onnx.Int32, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	attrs := []pb{attrInt("batch_axis", 0), attrInt("time_axis", 1)}
	out, err = runOp(t, 10, "ReverseSequence", 1, attrs, arg{t: xi}, arg{t: it(onnx.Int64, []int{2}, 0, 3)})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2, 3, 6, 5, 4}, out[0].Int)
	for _, bad := range []int64{4, -1, math.MaxInt64, math.MinInt64} {
		_, err = runOp(t, 10, "ReverseSequence", 1, attrs, arg{t: xi}, arg{t: it(onnx.Int64, []int{2}, 1, bad)})
		require.ErrorIs(t, err, onnx.ErrInput, bad)
	}
	_, err = runOp(t, 10, "ReverseSequence", 1, []pb{attrInt("batch_axis", 0), attrInt("time_axis", 0)}, arg{t: xi}, arg{t: it(onnx.Int64, []int{2}, 1, 1)})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 10, "ReverseSequence", 1, attrs, arg{t: xi}, arg{t: it(onnx.Int64, []int{3}, 1, 1, 1)})
	require.ErrorIs(t, err, onnx.ErrShape)
}

// TestBitShift shifts within the type's width, drops the bits shifted
// out, gives 0 for shifts of the width or more, and broadcasts.
func TestBitShift(t *testing.T) {
	left := []pb{attrStr("direction", "LEFT")}
	right := []pb{attrStr("direction", "RIGHT")}
	x := it(onnx.Uint8, []int{2, 3}, 1, 0x81, 255, 16, 3, 200)
	out, err := runOp(t, 11, "BitShift", 1, left, arg{t: x}, arg{t: it(onnx.Uint8, []int{3}, 1, 7, 8)})
	require.NoError(t, err)
	require.Equal(t, []int64{2, 0x80, 0, 32, 0x80, 0}, out[0].Int)
	out, err = runOp(t, 11, "BitShift", 1, right, arg{t: x}, arg{t: it(onnx.Uint8, []int{1}, 4)})
	require.NoError(t, err)
	require.Equal(t, []int64{0, 8, 15, 1, 0, 12}, out[0].Int)
	out, err = runOp(t, 11, "BitShift", 1, left, arg{t: it(onnx.Uint32, []int{3}, 1, 3, math.MaxUint32)}, arg{t: it(onnx.Uint32, []int{3}, 31, 32, math.MaxUint32)})
	require.NoError(t, err)
	require.Equal(t, []int64{1 << 31, 0, 0}, out[0].Int)
	out, err = runOp(t, 11, "BitShift", 1, right, arg{t: it(onnx.Uint16, []int{2}, 0x8000, 0x8000)}, arg{t: it(onnx.Uint16, []int{2}, 15, 16)})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 0}, out[0].Int)
	_, err = runOp(t, 11, "BitShift", 1, []pb{attrStr("direction", "UP")}, arg{t: x}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 11, "BitShift", 1, left, arg{t: it(onnx.Int32, []int{1}, 1)}, arg{t: it(onnx.Int32, []int{1}, 1)})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 11, "BitShift", 1, left, arg{t: x}, arg{t: it(onnx.Uint16, []int{1}, 1)})
	require.ErrorIs(t, err, onnx.ErrShape)
}
