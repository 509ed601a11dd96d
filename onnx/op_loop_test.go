package onnx_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// loopBody is a Loop body over one carried FLOAT vector x of n elements:
// x_out = x + iteration number, cond_out = cond_in (or the output named
// condOut), and a scan output of x_out.
func loopBody(n int64, condOut string, extra ...pb) pb {
	nodes := []pb{
		node("Cast", []string{"i"}, []string{"fi"}, attrInt("to", int64(onnx.Float))),
		node("Add", []string{"x", "fi"}, []string{"x_out"}),
		node("Identity", []string{"x_out"}, []string{"s_out"}),
	}
	if condOut == "" {
		nodes = append(nodes, node("Identity", []string{"c"}, []string{"c_out"}))
		condOut = "c_out"
	}
	return graph("body", graphSpec{
		nodes:   append(nodes, extra...),
		inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, n)},
		outputs: []pb{valueInfo(condOut, onnx.Bool), valueInfo("x_out", onnx.Float, n), valueInfo("s_out", onnx.Float, n)},
	})
}

// loopModel is a graph with one Loop over loopBody; the trip count and the
// condition are initializers when given (m, cond non-nil) or graph inputs.
func loopModel(t *testing.T, body pb, m *int64, cond *bool, outs ...string) *onnx.Model {
	t.Helper()
	var spec graphSpec
	if m != nil {
		spec.inits = append(spec.inits, intTensor("M", onnx.Int64, nil, *m))
	} else {
		spec.inputs = append(spec.inputs, valueInfo("M", onnx.Int64))
	}
	if cond != nil {
		v := int64(0)
		if *cond {
			v = 1
		}
		spec.inits = append(spec.inits, intTensor("cond", onnx.Bool, nil, v))
	} else {
		spec.inputs = append(spec.inputs, valueInfo("cond", onnx.Bool))
	}
	spec.inputs = append(spec.inputs, valueInfo("x0", onnx.Float, 2))
	spec.nodes = []pb{node("Loop", []string{"M", "cond", "x0"}, outs, attrGraph("body", body))}
	for _, o := range outs {
		spec.outputs = append(spec.outputs, pb{}.str(1, o))
	}
	mod, err := onnx.Parse(model(13, graph("g", spec)))
	require.NoError(t, err)
	return mod
}

func ptr[T any](v T) *T { return &v }

func TestLoopFixedTripCount(t *testing.T) {
	m := loopModel(t, loopBody(2, ""), ptr(int64(4)), ptr(true), "x", "scan")
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x0").Float, []float32{10, 20})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{16, 26}, s.Output("x").Float)
	require.Equal(t, []int{4, 2}, s.Output("scan").Dims)
	require.Equal(t, []float32{10, 20, 11, 21, 13, 23, 16, 26}, s.Output("scan").Float)
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() { require.NoError(t, s.Run()) }))
	}
	// Run again from other inputs: the carried values start over.
	copy(s.Input("x0").Float, []float32{0, 1})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{6, 7}, s.Output("x").Float)
}

func TestLoopTripCountAtRun(t *testing.T) {
	// No scan output: the trip count and condition may come at run time.
	m := loopModel(t, loopBody(2, ""), nil, nil, "x")
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		m    int64
		cond bool
		want []float32
	}{{3, true, []float32{4, 5}}, {0, true, []float32{1, 2}}, {-5, true, []float32{1, 2}}, {3, false, []float32{1, 2}}} {
		s.Input("M").Int[0] = tc.m
		s.Input("cond").Int[0] = btoi(tc.cond)
		copy(s.Input("x0").Float, []float32{1, 2})
		require.NoError(t, s.Run())
		require.Equal(t, tc.want, s.Output("x").Float, "M=%d cond=%v", tc.m, tc.cond)
	}
	// A scan output needs the trip count while planning.
	m = loopModel(t, loopBody(2, ""), nil, nil, "x", "scan")
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrValueDependent)
}

func btoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// TestLoopHostileTripCount: a huge trip count with a condition that never
// turns false ends with ErrLimit at Options.MaxIterations, at run and when
// the loop is folded while planning.
func TestLoopHostileTripCount(t *testing.T) {
	m := loopModel(t, loopBody(2, ""), ptr(int64(math.MaxInt64)), nil, "x")
	s, err := onnx.NewSession(m, nil, &onnx.Options{MaxIterations: 1000})
	require.NoError(t, err)
	s.Input("cond").Int[0] = 1
	require.ErrorIs(t, s.Run(), onnx.ErrLimit)
	// The default bound.
	s, err = onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	s.Input("cond").Int[0] = 1
	start := time.Now()
	require.ErrorIs(t, s.Run(), onnx.ErrLimit)
	require.Less(t, time.Since(start), 30*time.Second)
	// No trip count and no condition: no bound but MaxIterations.
	body := loopBody(2, "")
	g := graph("g", graphSpec{
		inits:   []pb{floatTensor("x0", []int64{2}, 1, 2)},
		nodes:   []pb{node("Loop", []string{"", "", "x0"}, []string{"x"}, attrGraph("body", body))},
		outputs: []pb{pb{}.str(1, "x")},
	})
	mod, err := onnx.Parse(model(13, g))
	require.NoError(t, err)
	_, err = onnx.NewSession(mod, nil, &onnx.Options{MaxIterations: 50})
	require.ErrorIs(t, err, onnx.ErrLimit, "folded while planning")
	// Scan outputs of a huge trip count exceed the element budget.
	m = loopModel(t, loopBody(2, ""), ptr(int64(1)<<50), nil, "x", "scan")
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrLimit)
}

func TestLoopEndsBeforeScanRows(t *testing.T) {
	// cond_out = i < 1: two iterations of the four planned rows.
	body := loopBody(2, "lt",
		node("Less", []string{"i", "one"}, []string{"lt"}))
	body = append(body, pb{}.bytes(5, intTensor("one", onnx.Int64, nil, 1))...)
	m := loopModel(t, body, ptr(int64(4)), ptr(true), "x", "scan")
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.ErrorIs(t, s.Run(), onnx.ErrInput)
	// Without scan outputs the loop just ends.
	m = loopModel(t, body, ptr(int64(4)), ptr(true), "x")
	s, err = onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x0").Float, []float32{1, 1})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{2, 2}, s.Output("x").Float)
}

func TestLoopMalformedBody(t *testing.T) {
	good := loopBody(2, "")
	for name, body := range map[string]pb{
		"too few inputs": graph("body", graphSpec{
			nodes:   []pb{node("Identity", []string{"c"}, []string{"c_out"})},
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool)},
			outputs: []pb{valueInfo("c_out", onnx.Bool)},
		}),
		"too few outputs": graph("body", graphSpec{
			nodes:   []pb{node("Identity", []string{"c"}, []string{"c_out"})},
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, 2)},
			outputs: []pb{valueInfo("c_out", onnx.Bool)},
		}),
		"carried input declared INT64": graph("body", graphSpec{
			nodes:   []pb{node("Identity", []string{"c"}, []string{"c_out"}), node("Identity", []string{"x"}, []string{"x_out"})},
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Int64, 2)},
			outputs: []pb{valueInfo("c_out", onnx.Bool), valueInfo("x_out", onnx.Float, 2)},
		}),
		"condition output FLOAT": graph("body", graphSpec{
			nodes:   []pb{node("Identity", []string{"x"}, []string{"x_out"})},
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, 2)},
			outputs: []pb{valueInfo("x_out", onnx.Float, 2), valueInfo("x_out", onnx.Float, 2)},
		}),
		"output not computed": graph("body", graphSpec{
			nodes:   []pb{node("Identity", []string{"c"}, []string{"c_out"})},
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, 2)},
			outputs: []pb{valueInfo("c_out", onnx.Bool), valueInfo("nowhere", onnx.Float, 2)},
		}),
	} {
		m := loopModel(t, body, ptr(int64(3)), ptr(true), "x")
		_, err := onnx.NewSession(m, nil, nil)
		require.Error(t, err, name)
		require.True(t, isSentinel(err), "%s: %v", name, err)
	}
	// More node outputs than the body gives.
	m := loopModel(t, good, ptr(int64(3)), ptr(true), "x", "scan", "more")
	_, err := onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrShape)
}

// growBody concatenates the iteration number to the carried vector: its
// shape changes every iteration.
func growBody() pb {
	return graph("body", graphSpec{
		nodes: []pb{
			node("Cast", []string{"i"}, []string{"fi"}, attrInt("to", int64(onnx.Float))),
			node("Unsqueeze", []string{"fi", "zero"}, []string{"v"}),
			node("Concat", []string{"x", "v"}, []string{"x_out"}, attrInt("axis", 0)),
			node("Identity", []string{"c"}, []string{"c_out"}),
		},
		inits:   []pb{intTensor("zero", onnx.Int64, []int64{1}, 0)},
		inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float, -1)},
		outputs: []pb{valueInfo("c_out", onnx.Bool), valueInfo("x_out", onnx.Float, -1)},
	})
}

func TestLoopCarriedShapeChanges(t *testing.T) {
	// A known trip count: unrolled.
	m := loopModel(t, growBody(), ptr(int64(3)), ptr(true), "x")
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x0").Float, []float32{7, 8})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{7, 8, 0, 1, 2}, s.Output("x").Float)
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() { require.NoError(t, s.Run()) }))
	}
	// Ending early leaves the carried value of another shape than planned.
	m = loopModel(t, growBody(), ptr(int64(3)), nil, "x")
	s, err = onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.ErrorIs(t, s.Run(), onnx.ErrInput) // cond is false (zero)
	s.Input("cond").Int[0] = 1
	require.NoError(t, s.Run())
	// A trip count known only at run time: refused.
	m = loopModel(t, growBody(), nil, ptr(true), "x")
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.ErrorContains(t, err, "after an iteration")
	// More iterations than a plan may unroll.
	m = loopModel(t, growBody(), ptr(int64(100)), ptr(true), "x")
	_, err = onnx.NewSession(m, nil, &onnx.Options{MaxIterations: 50})
	require.ErrorIs(t, err, onnx.ErrLimit)
}

// TestLoopSwapsCarriedValues: a body that passes each of two carried
// values to the other's place (the carry stages one of them).
func TestLoopSwapsCarriedValues(t *testing.T) {
	body := graph("body", graphSpec{
		nodes:   []pb{node("Identity", []string{"c"}, []string{"c_out"})},
		inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("a", onnx.Float, 2), valueInfo("b", onnx.Float, 2)},
		outputs: []pb{valueInfo("c_out", onnx.Bool), valueInfo("b", onnx.Float, 2), valueInfo("a", onnx.Float, 2)},
	})
	g := graph("g", graphSpec{
		inits:   []pb{intTensor("M", onnx.Int64, nil, 3)},
		inputs:  []pb{valueInfo("a0", onnx.Float, 2), valueInfo("b0", onnx.Float, 2)},
		nodes:   []pb{node("Loop", []string{"M", "", "a0", "b0"}, []string{"a", "b"}, attrGraph("body", body))},
		outputs: []pb{pb{}.str(1, "a"), pb{}.str(1, "b")},
	})
	m, err := onnx.Parse(model(13, g))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("a0").Float, []float32{1, 2})
	copy(s.Input("b0").Float, []float32{3, 4})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{3, 4}, s.Output("a").Float)
	require.Equal(t, []float32{1, 2}, s.Output("b").Float)
}

// TestLoopUnrolledNodeBudget: an unrolled Loop (a carried [1 2] tensor
// transposed every iteration) plans its body once per iteration, so
// iterations × body nodes are planned; a body of many nodes that compute
// on one element costs its plan far more than the element budget counts
// (a 130 KB file of 4000 nodes over 1024 iterations took 5 GB and 45 s to
// plan). The body nodes planned one by one are bounded in all.
func TestLoopUnrolledNodeBudget(t *testing.T) {
	loop := func(nodes, trip int) *onnx.Model {
		body := []pb{
			node("Identity", []string{"c"}, []string{"c_out"}),
			node("Transpose", []string{"v"}, []string{"v_out"}),
		}
		prev := "x"
		for k := range nodes {
			body = append(body, node("Relu", []string{prev}, []string{fmt.Sprint("r", k)}))
			prev = fmt.Sprint("r", k)
		}
		body = append(body, node("Identity", []string{prev}, []string{"x_out"}))
		g := graph("body", graphSpec{
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), valueInfo("x", onnx.Float), valueInfo("v", onnx.Float)},
			nodes:   body,
			outputs: []pb{pb{}.str(1, "c_out"), pb{}.str(1, "x_out"), pb{}.str(1, "v_out")},
		})
		m, err := onnx.Parse(model(13, graph("g", graphSpec{
			inputs:  []pb{valueInfo("x0", onnx.Float, 1), valueInfo("v0", onnx.Float, 1, 2)},
			inits:   []pb{intTensor("M", onnx.Int64, nil, int64(trip))},
			nodes:   []pb{node("Loop", []string{"M", "", "x0", "v0"}, []string{"x", "v"}, attrGraph("body", g))},
			outputs: []pb{pb{}.str(1, "x"), pb{}.str(1, "v")},
		})))
		require.NoError(t, err)
		return m
	}
	_, err := onnx.NewSession(loop(150, 1024), nil, nil)
	require.ErrorIs(t, err, onnx.ErrLimit, "1024 iterations of a body of 153 nodes")
	s, err := onnx.NewSession(loop(10, 1023), nil, nil)
	require.NoError(t, err)
	s.Input("x0").Float[0] = -2
	copy(s.Input("v0").Float, []float32{3, 4})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{0}, s.Output("x").Float)
	require.Equal(t, []int{2, 1}, s.Output("v").Dims)
	require.Equal(t, []float32{3, 4}, s.Output("v").Float)
}
