package onnx_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// planAlloc returns the bytes NewSession allocated planning m, and its
// error.
func planAlloc(m *onnx.Model, opts *onnx.Options) (uint64, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := onnx.NewSession(m, nil, opts)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

// TestSequenceInsertChainBudget: a chain of n SequenceInsert nodes plans
// sequences of 1, 2, … n elements, n²/2 element slots for a file of n
// nodes. The slots count against the element budget, so that a small
// file cannot make planning take memory quadratic in its size.
func TestSequenceInsertChainBudget(t *testing.T) {
	const n = 3000
	nodes := []pb{node("SequenceEmpty", nil, []string{"q0"})}
	for k := 1; k <= n; k++ {
		nodes = append(nodes, node("SequenceInsert", []string{fmt.Sprint("q", k-1), "x"}, []string{fmt.Sprint("q", k)}))
	}
	nodes = append(nodes, node("SequenceLength", []string{fmt.Sprint("q", n)}, []string{"len"}))
	m, err := onnx.Parse(model(13, graph("g", graphSpec{
		inputs:  []pb{valueInfo("x", onnx.Float, 1)},
		nodes:   nodes,
		outputs: []pb{pb{}.str(1, "len")},
	})))
	require.NoError(t, err)
	const budget = 1 << 16
	bytes, err := planAlloc(m, &onnx.Options{MaxElements: budget})
	require.ErrorIs(t, err, onnx.ErrLimit, "a plan of %d sequence slots under a budget of %d elements (%d bytes allocated)", n*(n+1)/2, budget, bytes)
	s, err := onnx.NewSession(m, nil, nil) // the default budget holds them
	require.NoError(t, err)
	require.NoError(t, s.Run())
	require.Equal(t, []int64{n}, s.Output("len").Int)
}

// TestLoopUnrolledStateBudget: an unrolled Loop (a carried [1 2] tensor
// transposed every iteration, so its shape changes) that also carries a
// sequence of L elements through keeps each iteration's carried values,
// L+1 slots per iteration, iterations·L in all: they count against the
// element budget.
func TestLoopUnrolledStateBudget(t *testing.T) {
	const L, trip = 2048, 2048
	body := graph("body", graphSpec{
		inputs: []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), seqInfo("q", 1), valueInfo("v", onnx.Float)},
		nodes: []pb{
			node("Identity", []string{"c"}, []string{"c_out"}),
			node("Identity", []string{"q"}, []string{"q_out"}),
			node("Transpose", []string{"v"}, []string{"v_out"}),
		},
		outputs: []pb{pb{}.str(1, "c_out"), pb{}.str(1, "q_out"), pb{}.str(1, "v_out")},
	})
	m, err := onnx.Parse(model(13, graph("g", graphSpec{
		inputs: []pb{valueInfo("x", onnx.Float, L), valueInfo("v0", onnx.Float, 1, 2)},
		inits:  []pb{intTensor("M", onnx.Int64, nil, trip)},
		nodes: []pb{
			node("SplitToSequence", []string{"x"}, []string{"q0"}),
			node("Loop", []string{"M", "", "q0", "v0"}, []string{"q", "v"}, attrGraph("body", body)),
			node("SequenceLength", []string{"q"}, []string{"len"}),
		},
		outputs: []pb{pb{}.str(1, "len"), pb{}.str(1, "v")},
	})))
	require.NoError(t, err)
	const budget = 1 << 16
	bytes, err := planAlloc(m, &onnx.Options{MaxElements: budget, MaxIterations: trip})
	require.ErrorIs(t, err, onnx.ErrLimit, "%d iterations keeping %d slots each under a budget of %d elements (%d bytes allocated)", trip, L+1, budget, bytes)
	s, err := onnx.NewSession(m, nil, &onnx.Options{MaxIterations: trip}) // the default budget holds them
	require.NoError(t, err)
	require.NoError(t, s.Run())
	require.Equal(t, []int64{L}, s.Output("len").Int)
	require.Equal(t, []int{1, 2}, s.Output("v").Dims)
}
