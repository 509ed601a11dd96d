package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestOpsEAllocateNothing: Run allocates nothing in the kernels of
// ReverseSequence, BitShift, Compress (run-time input), Det, LRN and
// MeanVarianceNormalization.
func TestOpsEAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not kept under -race")
	}
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	x4 := ft([]int{1, 3, 2, 1}, 1, 2, 3, 4, 5, 6)
	u := it(onnx.Uint16, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		op    string
		opset int64
		attrs []pb
		args  []arg
	}{
		{"ReverseSequence", 10, nil, []arg{{t: x}, {t: it(onnx.Int64, []int{3}, 1, 2, 0)}}},
		{"BitShift", 11, []pb{attrStr("direction", "LEFT")}, []arg{{t: u}, {t: it(onnx.Uint16, []int{3}, 1, 2, 20)}}},
		{"Compress", 11, []pb{attrInt("axis", 1)}, []arg{{t: x}, {t: it(onnx.Bool, []int{3}, 1, 0, 1), init: true}}},
		{"Det", 11, nil, []arg{{t: ft([]int{2, 2}, 1, 2, 3, 4)}}},
		{"LRN", 13, []pb{attrInt("size", 3)}, []arg{{t: x4}}},
		{"MeanVarianceNormalization", 13, nil, []arg{{t: x4}}},
	} {
		s, outs, err := opSession(t, c.opset, c.op, 1, c.attrs, c.args...)
		require.NoError(t, err, c.op)
		_, err = runSession(s, outs, c.args)
		require.NoError(t, err, c.op)
		require.Zero(t, testing.AllocsPerRun(5, func() { _ = s.Run() }), c.op)
	}
}
