package onnx_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// foldBudgetWork is the fold budget of a model with few weights (2^28
// multiply-adds or elements, maxFoldWork), against which the tests below
// count the work NewSession did.
const foldBudgetWork = 1 << 28

// sinNodes make name, of shape dims, from sin(0), sin(1), …: values
// known while planning that are neither zero nor all alike, from a few
// bytes of file (Range, Sin, Reshape).
func sinNodes(name string, dims ...int64) (nodes, inits []pb) {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	inits = []pb{
		floatTensor(name+"_start", nil, 0),
		floatTensor(name+"_limit", nil, float32(n)),
		floatTensor(name+"_delta", nil, 1),
		intTensor(name+"_shape", onnx.Int64, []int64{int64(len(dims))}, dims...),
	}
	nodes = []pb{
		node("Range", []string{name + "_start", name + "_limit", name + "_delta"}, []string{name + "_r"}),
		node("Sin", []string{name + "_r"}, []string{name + "_s"}),
		node("Reshape", []string{name + "_s", name + "_shape"}, []string{name}),
	}
	return nodes, inits
}

// copiesModel is a graph of k copies of one node (op over ins, with
// attrs), each output y<i> a graph output, after the nodes that make its
// inputs.
func copiesModel(t *testing.T, pre, inits []pb, k int, op string, ins []string, attrs ...pb) *onnx.Model {
	t.Helper()
	nodes := pre
	var outs []pb
	for i := range k {
		y := fmt.Sprintf("y%d", i)
		nodes = append(nodes, node(op, ins, []string{y}, attrs...))
		outs = append(outs, pb{}.str(1, y))
	}
	m, err := onnx.Parse(model(17, graph("g", graphSpec{nodes: nodes, inits: inits, outputs: outs})))
	require.NoError(t, err)
	return m
}

// foldedBeforeRun reports whether output name holds values before Run:
// folded outputs do; the buffers of the others are zero until Run.
func foldedBeforeRun(s *onnx.Session, name string) bool {
	o := s.Output(name)
	for _, v := range o.Float {
		if v != 0 {
			return true
		}
	}
	for _, v := range o.Int {
		if v != 0 {
			return true
		}
	}
	return false
}

// TestFoldWork: NewSession folds nodes whose inputs are all known only
// within a budget of work, not of elements only. Each graph is a few
// hundred bytes of copies of one node over constants, a little more work
// than the budget (2^28) in all: 3 MatMuls (Gemms, Einsums) of 2^27
// multiply-adds, 8 Convs of 2^25.3, 80 ReduceSums of 2^22 elements. All
// of them were folded, and as many copies as a file holds, of operands
// up to the element budget, were minutes or hours of NewSession. The
// test counts the work the folded copies did (their outputs hold values
// before Run) against the budget, not the time it took (small here, to
// keep the test fast under emulation), and checks that the copies run
// at Run give the same values, bit for bit, as those folded.
func TestFoldWork(t *testing.T) {
	aN, aI := sinNodes("a", 1024, 2048)
	bN, bI := sinNodes("b", 2048, 64)
	xN, xI := sinNodes("x", 1, 32, 32, 32)
	wN, wI := sinNodes("w", 32, 32, 8, 8)
	cases := []struct {
		name string
		m    *onnx.Model
		k    int
		work int64 // of one copy
	}{
		{"MatMul", copiesModel(t, append(aN, bN...), append(aI, bI...), 3, "MatMul", []string{"a", "b"}), 3, 1 << 27},
		{"Gemm", copiesModel(t, append(aN, bN...), append(aI, bI...), 3, "Gemm", []string{"a", "b"}), 3, 1 << 27},
		{"Einsum", copiesModel(t, append(aN, bN...), append(aI, bI...), 3, "Einsum", []string{"a", "b"}, attrStr("equation", "ik,kj->ij")), 3, 1 << 27},
		// 32×25×25 outputs of 32×8×8 products each.
		{"Conv", copiesModel(t, append(xN, wN...), append(xI, wI...), 8, "Conv", []string{"x", "w"}), 8, 32 * 25 * 25 * 32 * 8 * 8},
		{"ReduceSum", copiesModel(t,
			[]pb{node("ConstantOfShape", []string{"shape"}, []string{"z"}, attrTensor("value", floatTensor("v", []int64{1}, 1)))},
			[]pb{intTensor("shape", onnx.Int64, []int64{1}, 1<<22)},
			80, "ReduceSum", []string{"z"}, attrInt("keepdims", 0)), 80, 1 << 22},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && (tc.name == "Gemm" || tc.name == "Einsum") {
				t.Skip("as MatMul but for the estimate: slow under emulation (-short)")
			}
			s := newSessionWithin(t, tc.m, 20*time.Second)
			folded := 0
			for i := range tc.k {
				if foldedBeforeRun(s, fmt.Sprintf("y%d", i)) {
					folded++
				}
			}
			require.LessOrEqual(t, int64(folded)*tc.work, int64(foldBudgetWork), "%d of %d copies folded", folded, tc.k)
			require.Positive(t, folded, "copies within the budget still fold")
			require.Less(t, folded, tc.k)
			require.True(t, foldedBeforeRun(s, "y0"))
			want := s.Output("y0")
			require.NoError(t, s.Run())
			for i := 1; i < tc.k; i++ {
				got := s.Output(fmt.Sprintf("y%d", i))
				require.Equal(t, want.Dims, got.Dims)
				require.Equal(t, want.Float, got.Float, "copy %d", i)
			}
		})
	}
}

// TestFoldWorkChain: a chain of Gemms over a known start folds while
// the budget lasts, and the rest of the chain (which reads values no
// longer known) runs at Run, with the values planning them from the
// start at Run gives: the same graph with the start a graph input.
func TestFoldWorkChain(t *testing.T) {
	const n, k = 256, 20 // 2^24 multiply-adds a link, 2^28.3 in all
	chain := func(known bool) *onnx.Model {
		bN, bI := sinNodes("b", n, n)
		nodes, inits := bN, append(bI, floatTensor("one", nil, 1))
		var ins []pb
		if known {
			aN, aI := sinNodes("a0", n, n)
			nodes, inits = append(nodes, aN...), append(inits, aI...)
		} else {
			ins = []pb{valueInfo("a0", onnx.Float, n, n)}
		}
		var outs []pb
		for i := range k {
			a := fmt.Sprintf("a%d", i+1)
			// a_{i+1} = a_i·b/1024 + 1 stays near 1.
			nodes = append(nodes, node("Gemm", []string{fmt.Sprintf("a%d", i), "b", "one"}, []string{a}, attrF("alpha", 1.0/1024)))
			outs = append(outs, pb{}.str(1, a))
		}
		outs = append(outs, pb{}.str(1, "b"))
		m, err := onnx.Parse(model(17, graph("g", graphSpec{nodes: nodes, inits: inits, inputs: ins, outputs: outs})))
		require.NoError(t, err)
		return m
	}
	s := newSessionWithin(t, chain(true), 20*time.Second)
	folded := 0
	for i := range k {
		if foldedBeforeRun(s, fmt.Sprintf("a%d", i+1)) {
			require.Equal(t, i, folded, "the folded links are the chain's start")
			folded++
		}
	}
	require.LessOrEqual(t, int64(folded)*n*n*n, int64(foldBudgetWork))
	require.Positive(t, folded)
	require.NoError(t, s.Run())

	// The reference: nothing known but b.
	ref, err := onnx.NewSession(chain(false), nil, nil)
	require.NoError(t, err)
	aN, aI := sinNodes("a0", n, n)
	start, err := onnx.NewSession(mustParse(t, model(17, graph("g", graphSpec{nodes: aN, inits: aI, outputs: []pb{pb{}.str(1, "a0")}}))), nil, nil)
	require.NoError(t, err)
	copy(ref.Input("a0").Float, start.Output("a0").Float)
	require.NoError(t, ref.Run())
	for i := range k {
		a := fmt.Sprintf("a%d", i+1)
		require.Equal(t, ref.Output(a).Float, s.Output(a).Float, "link %d", i+1)
	}
}

// loopBodyModel is a Loop of m iterations whose body multiplies the
// carried x [1024, 256] by b [256, 256] (2^26 multiply-adds), b known while
// planning and x0 too (known) or a graph input.
func loopBodyModel(t *testing.T, m int64, known bool) *onnx.Model {
	bN, bI := sinNodes("b", 256, 256)
	body := graph("body", graphSpec{
		nodes: []pb{
			node("Gemm", []string{"x", "b"}, []string{"x_out"}, attrF("alpha", 1.0/64)),
			node("Identity", []string{"c"}, []string{"c_out"}),
		},
		inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, 1024, 256)},
		outputs: []pb{valueInfo("c_out", onnx.Bool), valueInfo("x_out", onnx.Float, 1024, 256)},
	})
	nodes, inits := bN, append(bI, intTensor("M", onnx.Int64, nil, m))
	var ins []pb
	if known {
		xN, xI := sinNodes("x0", 1024, 256)
		nodes, inits = append(nodes, xN...), append(inits, xI...)
	} else {
		ins = []pb{valueInfo("x0", onnx.Float, 1024, 256)}
	}
	nodes = append(nodes, node("Loop", []string{"M", "", "x0"}, []string{"x"}, attrGraph("body", body)))
	return mustParse(t, model(13, graph("g", graphSpec{nodes: nodes, inits: inits, inputs: ins, outputs: []pb{pb{}.str(1, "x")}})))
}

// TestFoldWorkLoopBody: a Loop's fold work counts its body's work, not
// only its elements: 5 iterations of a body of 2^26 multiply-adds
// allocate 2^18 elements a plan but do 2^28.3 multiply-adds, beyond the
// budget (and 2^20 iterations of it, folded, were days of NewSession). It runs
// at Run; 2 iterations still fold; both give what the loop gives when
// nothing is known.
func TestFoldWorkLoopBody(t *testing.T) {
	xN, xI := sinNodes("x0", 1024, 256)
	start, err := onnx.NewSession(mustParse(t, model(13, graph("g", graphSpec{nodes: xN, inits: xI, outputs: []pb{pb{}.str(1, "x0")}}))), nil, nil)
	require.NoError(t, err)
	for _, m := range []int64{5, 2} {
		s := newSessionWithin(t, loopBodyModel(t, m, true), 20*time.Second)
		require.Equal(t, m == 2, foldedBeforeRun(s, "x"), "%d iterations folded", m)
		require.NoError(t, s.Run())
		ref, err := onnx.NewSession(loopBodyModel(t, m, false), nil, nil)
		require.NoError(t, err)
		copy(ref.Input("x0").Float, start.Output("x0").Float)
		require.NoError(t, ref.Run())
		require.Equal(t, ref.Output("x").Float, s.Output("x").Float, "%d iterations", m)
	}
}

func mustParse(t *testing.T, b pb) *onnx.Model {
	t.Helper()
	m, err := onnx.Parse(b)
	require.NoError(t, err)
	return m
}
