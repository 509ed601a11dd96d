package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// mlpModel is x[n,4] → Relu(x·W + b) → Softmax, with W and b initializers,
// plus a shape path (Shape → Gather → Unsqueeze → Concat → Reshape) that
// flattens the result, as torch exports it.
func mlpModel() pb {
	w := make([]float32, 12)
	for i := range w {
		w[i] = float32(i%5) - 2
	}
	return model(17, graph("mlp", graphSpec{
		nodes: []pb{
			node("MatMul", []string{"x", "W"}, []string{"xw"}),
			node("Add", []string{"xw", "b"}, []string{"h"}),
			node("Relu", []string{"h"}, []string{"r"}),
			node("Softmax", []string{"r"}, []string{"p"}, attrInt("axis", -1)),
			node("Shape", []string{"p"}, []string{"shape"}),
			node("Gather", []string{"shape", "zero"}, []string{"n"}, attrInt("axis", 0)),
			node("Unsqueeze", []string{"n", "axes0"}, []string{"n1"}),
			node("Concat", []string{"n1", "minus1"}, []string{"newshape"}, attrInt("axis", 0)),
			node("Reshape", []string{"p", "newshape"}, []string{"y"}),
		},
		inits: []pb{
			floatTensor("W", []int64{4, 3}, w...),
			floatTensor("b", []int64{3}, 0.5, -0.5, 0),
			intTensor("zero", onnx.Int64, nil, 0),
			intTensor("axes0", onnx.Int64, []int64{1}, 0),
			intTensor("minus1", onnx.Int64, []int64{1}, -1),
		},
		inputs:  []pb{valueInfo("x", onnx.Float, -1, 4)},
		outputs: []pb{valueInfo("y", onnx.Float, -1, 3)},
	}))
}

func TestSessionMLP(t *testing.T) {
	m, err := onnx.Parse(mlpModel())
	require.NoError(t, err)
	s, err := onnx.NewSession(m, map[string][]int{"x": {2, 4}}, nil)
	require.NoError(t, err)
	x := s.Input("x")
	require.Equal(t, []int{2, 4}, x.Dims)
	copy(x.Float, []float32{1, 2, 3, 4, -1, 0, 1, 0})
	require.NoError(t, s.Run())
	y := s.Output("y")
	require.Equal(t, []int{2, 3}, y.Dims)
	// Reference by hand: W[i][j] = (3i+j)%5 − 2.
	for r := 0; r < 2; r++ {
		h := []float64{0.5, -0.5, 0}
		for j := range h {
			for i := 0; i < 4; i++ {
				h[j] += float64(x.Float[r*4+i]) * float64((3*i+j)%5-2)
			}
			h[j] = max(h[j], 0)
		}
		want := softmax64(h)
		for j := range h {
			assert.InDelta(t, want[j], y.Float[r*3+j], 1e-6)
		}
	}
	// Steady state: nothing allocates.
	if !raceEnabled {
		allocs := testing.AllocsPerRun(100, func() {
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "allocations per Run")
	}
	// A declared fixed dimension must match.
	_, err = onnx.NewSession(m, map[string][]int{"x": {2, 5}}, nil)
	assert.ErrorIs(t, err, onnx.ErrShape)
	// A symbolic one must be given.
	_, err = onnx.NewSession(m, nil, nil)
	assert.ErrorIs(t, err, onnx.ErrShape)
}

func softmax64(h []float64) []float64 {
	m := h[0]
	for _, v := range h {
		m = max(m, v)
	}
	s := 0.0
	out := make([]float64, len(h))
	for i, v := range h {
		out[i] = exp(v - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// ifModel computes y = If(sum(x) > 0, then: x·2 (reading x from the outer
// scope), else: x − 1), with the condition known only at run time.
func ifModel() pb {
	then := graph("then", graphSpec{
		nodes:   []pb{node("Mul", []string{"x", "two"}, []string{"t"})},
		inits:   []pb{floatTensor("two", nil, 2)},
		outputs: []pb{valueInfo("t", onnx.Float, 3)},
	})
	els := graph("else", graphSpec{
		nodes:   []pb{node("Sub", []string{"x", "one"}, []string{"e"})},
		outputs: []pb{valueInfo("e", onnx.Float, 3)},
	})
	return model(13, graph("if", graphSpec{
		nodes: []pb{
			node("ReduceSum", []string{"x"}, []string{"s"}, attrInt("keepdims", 0)),
			node("Greater", []string{"s", "zero"}, []string{"c"}),
			node("If", []string{"c"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", els)),
		},
		inits:   []pb{floatTensor("zero", nil, 0), floatTensor("one", nil, 1)},
		inputs:  []pb{valueInfo("x", onnx.Float, 3)},
		outputs: []pb{valueInfo("y", onnx.Float, 3)},
	}))
}

func TestSessionIfAtRunTime(t *testing.T) {
	m, err := onnx.Parse(ifModel())
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	x, y := s.Input("x"), s.Output("y")
	copy(x.Float, []float32{1, 2, -1})
	require.NoError(t, s.Run())
	assert.Equal(t, []float32{2, 4, -2}, y.Float)
	copy(x.Float, []float32{1, -2, -1})
	require.NoError(t, s.Run())
	assert.Equal(t, []float32{0, -3, -2}, y.Float)
	allocs := testing.AllocsPerRun(50, func() {
		x.Float[0] = -x.Float[0]
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)

	// With x fixed, the condition is known while planning: everything
	// folds, and Run has nothing to do.
	fixed := &onnx.Tensor{DType: onnx.Float, Dims: []int{3}, Float: []float32{1, 2, -1}}
	s2, err := onnx.NewSession(m, nil, &onnx.Options{Fixed: map[string]*onnx.Tensor{"x": fixed}})
	require.NoError(t, err)
	assert.Nil(t, s2.Input("x"))
	require.NoError(t, s2.Run())
	assert.Equal(t, []float32{2, 4, -2}, s2.Output("y").Float)
}

func TestSessionRefusals(t *testing.T) {
	unknownOp := model(13, graph("g", graphSpec{
		nodes:   []pb{node("Frobnicate", []string{"x"}, []string{"y"})},
		inputs:  []pb{valueInfo("x", onnx.Float, 2)},
		outputs: []pb{valueInfo("y", onnx.Float, 2)},
	}))
	m, err := onnx.Parse(unknownOp)
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	assert.Contains(t, err.Error(), "Frobnicate")
	assert.Contains(t, err.Error(), "Frobnicate_node")
	assert.Contains(t, err.Error(), "opset 13")
	var ne *onnx.NodeError
	require.True(t, errors.As(err, &ne))
	assert.Equal(t, "Frobnicate_node", ne.Node)

	// A reshape whose target shape is an input value: refused at planning,
	// accepted with the value fixed.
	dyn := model(13, graph("g", graphSpec{
		nodes:   []pb{node("Reshape", []string{"x", "shape"}, []string{"y"})},
		inputs:  []pb{valueInfo("x", onnx.Float, 2, 3), valueInfo("shape", onnx.Int64, 2)},
		outputs: []pb{valueInfo("y", onnx.Float, 3, 2)},
	}))
	m, err = onnx.Parse(dyn)
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.ErrorIs(t, err, onnx.ErrValueDependent)
	shape := &onnx.Tensor{DType: onnx.Int64, Dims: []int{2}, Int: []int64{3, 2}}
	s, err := onnx.NewSession(m, nil, &onnx.Options{Fixed: map[string]*onnx.Tensor{"shape": shape}})
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{1, 2, 3, 4, 5, 6})
	require.NoError(t, s.Run())
	assert.Equal(t, []int{3, 2}, s.Output("y").Dims)
	assert.Equal(t, []float32{1, 2, 3, 4, 5, 6}, s.Output("y").Float)

	// A newer opset than this package knows.
	m, err = onnx.Parse(model(99, graph("g", graphSpec{})))
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	assert.ErrorIs(t, err, onnx.ErrUnsupported)
}

// TestSessionBudget: a tiny model whose shapes expand enormously is
// refused while planning, not run out of memory.
func TestSessionBudget(t *testing.T) {
	huge := model(13, graph("g", graphSpec{
		nodes:   []pb{node("ConstantOfShape", []string{"shape"}, []string{"y"})},
		inits:   []pb{intTensor("shape", onnx.Int64, []int64{3}, 1<<20, 1<<20, 1<<20)},
		outputs: []pb{valueInfo("y", onnx.Float)},
	}))
	m, err := onnx.Parse(huge)
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	assert.ErrorIs(t, err, onnx.ErrLimit)
}

// TestGatherIndexAtRunTime: indices given at run time are checked then.
func TestGatherIndexAtRunTime(t *testing.T) {
	g := model(13, graph("g", graphSpec{
		nodes:   []pb{node("Gather", []string{"x", "i"}, []string{"y"})},
		inputs:  []pb{valueInfo("x", onnx.Float, 3), valueInfo("i", onnx.Int64, 2)},
		outputs: []pb{valueInfo("y", onnx.Float, 2)},
	}))
	m, err := onnx.Parse(g)
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{10, 20, 30})
	copy(s.Input("i").Int, []int64{2, -3})
	require.NoError(t, s.Run())
	assert.Equal(t, []float32{30, 10}, s.Output("y").Float)
	s.Input("i").Int[1] = 3
	err = s.Run()
	assert.ErrorIs(t, err, onnx.ErrInput)
	assert.Contains(t, err.Error(), "Gather_node")
}

func exp(x float64) float64 { return math.Exp(x) }

// TestIfBranchUnplannable: a branch that cannot be planned for these
// shapes (here a Reshape meant for other inputs) is an error only when Run
// selects it.
func TestIfBranchUnplannable(t *testing.T) {
	then := graph("then", graphSpec{
		nodes:   []pb{node("Reshape", []string{"x", "five"}, []string{"t"})},
		inits:   []pb{intTensor("five", onnx.Int64, []int64{1}, 5)},
		outputs: []pb{valueInfo("t", onnx.Float, 5)},
	})
	els := graph("else", graphSpec{
		nodes:   []pb{node("Neg", []string{"x"}, []string{"e"})},
		outputs: []pb{valueInfo("e", onnx.Float, 3)},
	})
	m, err := onnx.Parse(model(13, graph("if", graphSpec{
		nodes:   []pb{node("If", []string{"c"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", els))},
		inputs:  []pb{valueInfo("x", onnx.Float, 3), valueInfo("c", onnx.Bool)},
		outputs: []pb{valueInfo("y", onnx.Float, 3)},
	})))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{1, 2, 3})
	require.NoError(t, s.Run())
	assert.Equal(t, []float32{-1, -2, -3}, s.Output("y").Float)
	s.Input("c").Int[0] = 1
	err = s.Run()
	assert.ErrorIs(t, err, onnx.ErrShape)
	assert.Contains(t, err.Error(), "Reshape")
}
