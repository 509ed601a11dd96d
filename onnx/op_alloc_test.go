package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestNewOpsAllocateNothing: the kernels whose backend tests are refused
// (DOUBLE) or do not reach every path run without allocating: CumSum,
// ReduceLogSumExp, TopK over integers, Mod over integers.
func TestNewOpsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not kept under -race")
	}
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	xi := it(onnx.Int32, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		op    string
		nOut  int
		attrs []pb
		args  []arg
	}{
		{"CumSum", 1, []pb{attrInt("reverse", 1)}, []arg{{t: x}, {t: it(onnx.Int64, []int{}, 1), init: true}}},
		{"CumSum", 1, nil, []arg{{t: xi}, {t: it(onnx.Int64, []int{}, 0), init: true}}},
		{"ReduceLogSumExp", 1, []pb{attrInts("axes", 0)}, []arg{{t: x}}},
		{"TopK", 2, nil, []arg{{t: xi}, {t: it(onnx.Int64, []int{1}, 2), init: true}}},
		{"Mod", 1, nil, []arg{{t: xi}, {t: it(onnx.Int32, []int{3}, 4, -5, 6)}}},
	} {
		s, outs, err := opSession(t, 14, c.op, c.nOut, c.attrs, c.args...)
		require.NoError(t, err, c.op)
		_, err = runSession(s, outs, c.args)
		require.NoError(t, err, c.op)
		require.Zero(t, testing.AllocsPerRun(5, func() { _ = s.Run() }), c.op)
	}
}
