package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestSequenceOps splits x into a sequence, reads an element at a position
// given at run time, erases one, inserts x's first row at the front,
// counts and stacks it.
func TestSequenceOps(t *testing.T) {
	g := graph("g", graphSpec{
		inputs: []pb{valueInfo("x", onnx.Float, 3, 2), valueInfo("pos", onnx.Int64)},
		inits:  []pb{intTensor("one", onnx.Int64, nil, 1), intTensor("zero", onnx.Int64, nil, 0)},
		nodes: []pb{
			node("SplitToSequence", []string{"x"}, []string{"rows"}, attrInt("keepdims", 0)),
			node("SequenceAt", []string{"rows", "pos"}, []string{"at"}),
			node("SequenceErase", []string{"rows", "one"}, []string{"erased"}),
			node("SequenceAt", []string{"rows", "zero"}, []string{"first"}),
			node("SequenceInsert", []string{"erased", "first", "zero"}, []string{"inserted"}),
			node("SequenceLength", []string{"inserted"}, []string{"n"}),
			node("ConcatFromSequence", []string{"inserted"}, []string{"stacked"}, attrInt("axis", -1), attrInt("new_axis", 1)),
		},
		outputs: []pb{pb{}.str(1, "at"), pb{}.str(1, "n"), pb{}.str(1, "stacked")},
	})
	m, err := onnx.Parse(model(13, g))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{1, 2, 3, 4, 5, 6})
	s.Input("pos").Int[0] = -1
	require.NoError(t, s.Run())
	require.Equal(t, []float32{5, 6}, s.Output("at").Float)
	require.Equal(t, []int64{3}, s.Output("n").Int)
	require.Equal(t, []int{2, 3}, s.Output("stacked").Dims)
	require.Equal(t, []float32{1, 1, 5, 2, 2, 6}, s.Output("stacked").Float)
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() { require.NoError(t, s.Run()) }))
	}
	s.Input("pos").Int[0] = 3
	require.ErrorIs(t, s.Run(), onnx.ErrInput)
}

func TestSequenceRefusals(t *testing.T) {
	for name, nodes := range map[string][]pb{
		"tensor operator on a sequence": {node("SplitToSequence", []string{"x"}, []string{"q"}),
			node("Relu", []string{"q"}, []string{"y"})},
		"position out of range": {node("SplitToSequence", []string{"x"}, []string{"q"}),
			node("SequenceErase", []string{"q", "five"}, []string{"r"}),
			node("ConcatFromSequence", []string{"r"}, []string{"y"}, attrInt("axis", 0))},
		"split sizes do not sum": {node("SplitToSequence", []string{"x", "five1"}, []string{"q"}),
			node("ConcatFromSequence", []string{"q"}, []string{"y"}, attrInt("axis", 0))},
		"concat of an empty sequence": {node("SequenceEmpty", nil, []string{"q"}),
			node("ConcatFromSequence", []string{"q"}, []string{"y"}, attrInt("axis", 0))},
		"insert of another type": {node("SequenceEmpty", nil, []string{"q"}, attrInt("dtype", int64(onnx.Int64))),
			node("SequenceInsert", []string{"q", "x"}, []string{"r"}),
			node("ConcatFromSequence", []string{"r"}, []string{"y"}, attrInt("axis", 0))},
	} {
		g := graph("g", graphSpec{
			inputs:  []pb{valueInfo("x", onnx.Float, 3, 2)},
			inits:   []pb{intTensor("five", onnx.Int64, nil, 5), intTensor("five1", onnx.Int64, []int64{1}, 5)},
			nodes:   nodes,
			outputs: []pb{pb{}.str(1, "y")},
		})
		m, err := onnx.Parse(model(13, g))
		require.NoError(t, err)
		_, err = onnx.NewSession(m, nil, nil)
		require.Error(t, err, name)
		require.True(t, isSentinel(err), "%s: %v", name, err)
	}
}

// seqInfo declares a sequence of FLOAT tensors of rank r (symbolic dims).
func seqInfo(name string, r int) pb {
	var shape pb
	for range r {
		shape = shape.bytes(1, pb{}.str(2, "n"))
	}
	tt := pb{}.varint(1, uint64(onnx.Float)).bytes(2, shape)
	return pb{}.str(1, name).bytes(2, pb{}.bytes(4, pb{}.bytes(1, pb{}.bytes(1, tt))))
}

// TestSequenceGraphInputsAndOutputs: a sequence given as a graph input
// (its elements' shapes in Options.SequenceShapes) and returned as an
// output.
func TestSequenceGraphInputsAndOutputs(t *testing.T) {
	g := graph("g", graphSpec{
		inputs:  []pb{seqInfo("q", 1), valueInfo("x", onnx.Float, 3)},
		nodes:   []pb{node("SequenceInsert", []string{"q", "x"}, []string{"r"})},
		outputs: []pb{seqInfo("r", 1)},
	})
	m, err := onnx.Parse(model(13, g))
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrShape, "no element shapes given")
	_, err = onnx.NewSession(m, nil, &onnx.Options{SequenceShapes: map[string][][]int{"x": {{3}}}})
	require.ErrorIs(t, err, onnx.ErrShape, "element shapes for a tensor input")
	s, err := onnx.NewSession(m, nil, &onnx.Options{SequenceShapes: map[string][][]int{"q": {{2}, {1}}}})
	require.NoError(t, err)
	require.Equal(t, []string{"q"}, s.SequenceInputNames())
	require.Equal(t, []string{"r"}, s.SequenceOutputNames())
	require.Nil(t, s.Output("r"))
	q := s.InputSequence("q")
	require.Len(t, q, 2)
	copy(q[0].Float, []float32{1, 2})
	q[1].Float[0] = 3
	copy(s.Input("x").Float, []float32{4, 5, 6})
	require.NoError(t, s.Run())
	r := s.OutputSequence("r")
	require.Len(t, r, 3)
	require.Equal(t, []float32{1, 2}, r[0].Float)
	require.Equal(t, []float32{3}, r[1].Float)
	require.Equal(t, []float32{4, 5, 6}, r[2].Float)

	// An output declared a tensor that computes a sequence.
	g = graph("g", graphSpec{
		inputs:  []pb{valueInfo("x", onnx.Float, 3)},
		nodes:   []pb{node("SplitToSequence", []string{"x"}, []string{"y"})},
		outputs: []pb{valueInfo("y", onnx.Float, 3)},
	})
	m, err = onnx.Parse(model(13, g))
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrShape)
}
