package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestOpsAllocateNothing: the kernels whose backend tests are refused
// (DOUBLE, UINT64) or do not reach every path run without allocating:
// CumSum, ReduceLogSumExp, TopK and Mod over integers, ReverseSequence,
// BitShift, Compress (run-time data), Det, LRN, MeanVarianceNormalization.
func TestOpsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not kept under -race")
	}
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	xi := it(onnx.Int32, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	x4 := ft([]int{1, 3, 2, 1}, 1, 2, 3, 4, 5, 6)
	u := it(onnx.Uint16, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		op    string
		opset int64
		nOut  int
		attrs []pb
		args  []arg
	}{
		{"CumSum", 14, 1, []pb{attrInt("reverse", 1)}, []arg{{t: x}, {t: it(onnx.Int64, []int{}, 1), init: true}}},
		{"CumSum", 14, 1, nil, []arg{{t: xi}, {t: it(onnx.Int64, []int{}, 0), init: true}}},
		{"ReduceLogSumExp", 14, 1, []pb{attrInts("axes", 0)}, []arg{{t: x}}},
		{"TopK", 14, 2, nil, []arg{{t: xi}, {t: it(onnx.Int64, []int{1}, 2), init: true}}},
		{"Mod", 14, 1, nil, []arg{{t: xi}, {t: it(onnx.Int32, []int{3}, 4, -5, 6)}}},
		{"ReverseSequence", 10, 1, nil, []arg{{t: x}, {t: it(onnx.Int64, []int{3}, 1, 2, 0)}}},
		{"BitShift", 11, 1, []pb{attrStr("direction", "LEFT")}, []arg{{t: u}, {t: it(onnx.Uint16, []int{3}, 1, 2, 20)}}},
		{"Compress", 11, 1, []pb{attrInt("axis", 1)}, []arg{{t: x}, {t: it(onnx.Bool, []int{3}, 1, 0, 1), init: true}}},
		{"Det", 11, 1, nil, []arg{{t: ft([]int{2, 2}, 1, 2, 3, 4)}}},
		{"LRN", 13, 1, []pb{attrInt("size", 3)}, []arg{{t: x4}}},
		{"MeanVarianceNormalization", 13, 1, nil, []arg{{t: x4}}},
	} {
		s, outs, err := opSession(t, c.opset, c.op, c.nOut, c.attrs, c.args...)
		require.NoError(t, err, c.op)
		_, err = runSession(s, outs, c.args)
		require.NoError(t, err, c.op)
		require.Zero(t, testing.AllocsPerRun(5, func() { _ = s.Run() }), c.op)
	}
}
