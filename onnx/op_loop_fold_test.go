package onnx_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// foldLoopModel is a Loop of M iterations (an initializer) over x, n
// zeros made by ConstantOfShape, adding 1 each iteration: every input is
// known while planning, and the file is a few hundred bytes.
func foldLoopModel(t *testing.T, n, m int64) *onnx.Model {
	return foldLoopsModel(t, n, m, 1)
}

// foldLoopsModel is foldLoopModel with k such Loops one after the other,
// each carrying the previous one's output.
func foldLoopsModel(t *testing.T, n, m int64, k int) *onnx.Model {
	t.Helper()
	body := graph("body", graphSpec{
		nodes: []pb{
			node("Add", []string{"x", "one"}, []string{"x_out"}),
			node("Identity", []string{"c"}, []string{"c_out"}),
		},
		inits:   []pb{floatTensor("one", nil, 1)},
		inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, n)},
		outputs: []pb{valueInfo("c_out", onnx.Bool), valueInfo("x_out", onnx.Float, n)},
	})
	nodes := []pb{node("ConstantOfShape", []string{"shape"}, []string{"x0"}, attrTensor("value", floatTensor("v", []int64{1}, 0)))}
	for i := range k {
		out := fmt.Sprintf("x%d", i+1)
		if i == k-1 {
			out = "x"
		}
		nodes = append(nodes, node("Loop", []string{"M", "", fmt.Sprintf("x%d", i)}, []string{out}, attrGraph("body", body)))
	}
	g := graph("g", graphSpec{
		inits:   []pb{intTensor("shape", onnx.Int64, []int64{1}, n), intTensor("M", onnx.Int64, nil, m)},
		nodes:   nodes,
		outputs: []pb{pb{}.str(1, "x")},
	})
	mod, err := onnx.Parse(model(13, g))
	require.NoError(t, err)
	return mod
}

// foldScanModel is a Scan over T rows of ones (ConstantOfShape [T, 1])
// adding each to a state of n zeros: every input known while planning.
func foldScanModel(t *testing.T, n, rows int64) *onnx.Model {
	t.Helper()
	body := graph("body", graphSpec{
		nodes:   []pb{node("Add", []string{"s", "xt"}, []string{"s_out"})},
		inputs:  []pb{valueInfo("s", onnx.Float, n), valueInfo("xt", onnx.Float, 1)},
		outputs: []pb{valueInfo("s_out", onnx.Float, n)},
	})
	g := graph("g", graphSpec{
		inits: []pb{intTensor("sshape", onnx.Int64, []int64{1}, n), intTensor("xshape", onnx.Int64, []int64{2}, rows, 1)},
		nodes: []pb{
			node("ConstantOfShape", []string{"sshape"}, []string{"s0"}, attrTensor("value", floatTensor("v", []int64{1}, 0))),
			node("ConstantOfShape", []string{"xshape"}, []string{"x"}, attrTensor("value", floatTensor("w", []int64{1}, 1))),
			node("Scan", []string{"s0", "x"}, []string{"s"}, attrGraph("body", body), attrInt("num_scan_inputs", 1)),
		},
		outputs: []pb{pb{}.str(1, "s")},
	})
	mod, err := onnx.Parse(model(16, g))
	require.NoError(t, err)
	return mod
}

// newSessionWithin plans m, failing the test if planning takes longer
// than limit (the planning goroutine is then left running).
func newSessionWithin(t *testing.T, m *onnx.Model, limit time.Duration) *onnx.Session {
	t.Helper()
	type result struct {
		s   *onnx.Session
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := onnx.NewSession(m, nil, nil)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		return r.s
	case <-time.After(limit):
		t.Fatalf("NewSession still planning after %v", limit)
		return nil
	}
}

// TestLoopFoldWork: Loops and Scans whose inputs are all known run while
// planning only while their iterations times their plans' elements stay
// few, in all. A 300-byte file (a Loop of 2^20 iterations over 2^20
// elements, or a Scan of 2^20 rows) made NewSession run the whole loop,
// 2^40 additions, some forty minutes, and 600 loops of 2^26 each took
// a minute; they now plan in a moment and the loops run at Run.
func TestLoopFoldWork(t *testing.T) {
	const n = 1 << 20
	for name, m := range map[string]*onnx.Model{
		"Loop":  foldLoopModel(t, n, 1<<20),
		"Scan":  foldScanModel(t, n, 1<<20),
		"Loops": foldLoopsModel(t, 1<<16, 1300, 600),
	} {
		t.Run(name, func(t *testing.T) { newSessionWithin(t, m, 20*time.Second) })
	}
	// Loops too long to fold run at Run, with the same values.
	for name, m := range map[string]*onnx.Model{
		"Loop": foldLoopModel(t, n, 300),
		"Scan": foldScanModel(t, n, 300),
	} {
		t.Run(name+"Run", func(t *testing.T) {
			s := newSessionWithin(t, m, 20*time.Second)
			require.NoError(t, s.Run())
			out := s.Output(s.OutputNames()[0])
			require.Len(t, out.Float, n)
			for _, v := range out.Float {
				if v != 300 {
					require.Equal(t, float32(300), v)
				}
			}
		})
	}
	// Short loops are still folded: their values are known while planning.
	s := newSessionWithin(t, foldLoopModel(t, 4, 3), 20*time.Second)
	require.Equal(t, []float32{3, 3, 3, 3}, s.Output("x").Float)
}
