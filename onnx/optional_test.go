package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// tensorType is a TypeProto of a tensor; a negative dim is symbolic.
func tensorType(dt onnx.DataType, dims ...int64) pb {
	var shape pb
	for _, d := range dims {
		if d < 0 {
			shape = shape.bytes(1, pb{}.str(2, "n"))
		} else {
			shape = shape.bytes(1, pb{}.varint(1, uint64(d)))
		}
	}
	return pb{}.bytes(1, pb{}.varint(1, uint64(dt)).bytes(2, shape))
}

// optType is the TypeProto of an optional of elem.
func optType(elem pb) pb { return pb{}.bytes(9, pb{}.bytes(1, elem)) }

// seqType is the TypeProto of a sequence of elem.
func seqType(elem pb) pb { return pb{}.bytes(4, pb{}.bytes(1, elem)) }

// typedInfo declares a value of type ty.
func typedInfo(name string, ty pb) pb { return pb{}.str(1, name).bytes(2, ty) }

// attrType is a TYPE_PROTO attribute.
func attrType(name string, ty pb) pb { return pb{}.str(1, name).varint(20, 13).bytes(14, ty) }

func optModel(t *testing.T, opset int64, s graphSpec) *onnx.Model {
	t.Helper()
	m, err := onnx.Parse(model(opset, graph("g", s)))
	require.NoError(t, err)
	return m
}

// TestOptionalRunTimePresence: an optional graph input, given or not at
// run time, decides an If whose then_branch returns a full optional and
// whose else_branch an empty one; the outputs say whether they hold a
// value, and Run allocates nothing either way.
func TestOptionalRunTimePresence(t *testing.T) {
	x := optType(tensorType(onnx.Float, 3))
	then := graph("then", graphSpec{
		nodes: []pb{node("OptionalGetElement", []string{"x"}, []string{"xe"}),
			node("Neg", []string{"xe"}, []string{"n"}),
			node("Optional", []string{"n"}, []string{"full"})},
		outputs: []pb{typedInfo("full", x)},
	})
	els := graph("else", graphSpec{
		nodes:   []pb{node("Optional", nil, []string{"empty"}, attrType("type", tensorType(onnx.Float, 3)))},
		outputs: []pb{typedInfo("empty", x)},
	})
	m := optModel(t, 16, graphSpec{
		inputs: []pb{typedInfo("x", x)},
		nodes: []pb{node("OptionalHasElement", []string{"x"}, []string{"h"}),
			node("If", []string{"h"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", els)),
			node("Identity", []string{"x"}, []string{"x2"})},
		outputs: []pb{pb{}.str(1, "h"), typedInfo("y", x), typedInfo("x2", x)},
	})
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, s.OptionalInputNames())
	require.Equal(t, []string{"x"}, s.InputNames())
	require.Equal(t, []string{"y", "x2"}, s.OptionalOutputNames())
	copy(s.Input("x").Float, []float32{1, -2, 3})
	require.NoError(t, s.Run())
	require.Equal(t, []int64{1}, s.Output("h").Int)
	require.True(t, s.OutputHasValue("y"))
	require.True(t, s.OutputHasValue("x2"))
	require.True(t, s.OutputHasValue("h"))
	require.False(t, s.OutputHasValue("nothing"))
	require.Equal(t, []float32{-1, 2, -3}, s.Output("y").Float)

	require.NoError(t, s.SetInputHasValue("x", false))
	require.NoError(t, s.Run())
	require.Equal(t, []int64{0}, s.Output("h").Int)
	require.False(t, s.OutputHasValue("y"))
	require.False(t, s.OutputHasValue("x2"))

	require.NoError(t, s.SetInputHasValue("x", true))
	s.Input("x").Float[0] = 5
	require.NoError(t, s.Run())
	require.True(t, s.OutputHasValue("y"))
	require.Equal(t, []float32{-5, 2, -3}, s.Output("y").Float)
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() {
			_ = s.SetInputHasValue("x", false)
			require.NoError(t, s.Run())
			_ = s.SetInputHasValue("x", true)
			require.NoError(t, s.Run())
		}))
	}
	require.ErrorIs(t, s.SetInputHasValue("h", false), onnx.ErrShape)
	require.ErrorIs(t, s.SetInputHasValue("y", false), onnx.ErrShape)
}

// TestOptionalGetElementOfNone: OptionalGetElement of an optional input
// that holds nothing fails at run time (ErrInput), and of one known to be
// empty while planning (ErrShape).
func TestOptionalGetElementOfNone(t *testing.T) {
	x := optType(tensorType(onnx.Float, 2))
	m := optModel(t, 15, graphSpec{
		inputs:  []pb{typedInfo("x", x)},
		nodes:   []pb{node("OptionalGetElement", []string{"x"}, []string{"y"})},
		outputs: []pb{valueInfo("y", onnx.Float, 2)},
	})
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{7, 8})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{7, 8}, s.Output("y").Float)
	require.NoError(t, s.SetInputHasValue("x", false))
	require.ErrorIs(t, s.Run(), onnx.ErrInput)

	m = optModel(t, 15, graphSpec{
		nodes: []pb{node("Optional", nil, []string{"e"}, attrType("type", tensorType(onnx.Float, 2))),
			node("OptionalGetElement", []string{"e"}, []string{"y"})},
		outputs: []pb{valueInfo("y", onnx.Float, 2)},
	})
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrShape)

	// An If whose branches both give an empty optional, the condition
	// known only at run time: never a value to get.
	empty := graph("b", graphSpec{
		nodes:   []pb{node("Optional", nil, []string{"e"}, attrType("type", tensorType(onnx.Float, 2)))},
		outputs: []pb{pb{}.str(1, "e")},
	})
	m = optModel(t, 15, graphSpec{
		inputs: []pb{valueInfo("c", onnx.Bool)},
		nodes: []pb{node("If", []string{"c"}, []string{"o"}, attrGraph("then_branch", empty), attrGraph("else_branch", empty)),
			node("OptionalGetElement", []string{"o"}, []string{"y"})},
		outputs: []pb{valueInfo("y", onnx.Float, 2)},
	})
	_, err = onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrShape)
}

// TestOptionalFolded: whether an optional holds a value is folded while
// planning when it is known, and so is what depends on it.
func TestOptionalFolded(t *testing.T) {
	m := optModel(t, 15, graphSpec{
		inputs: []pb{valueInfo("x", onnx.Float, 2)},
		nodes: []pb{node("Optional", []string{"x"}, []string{"o"}),
			node("OptionalHasElement", []string{"o"}, []string{"h"}),
			node("Optional", nil, []string{"e"}, attrType("type", seqType(tensorType(onnx.Int64)))),
			node("OptionalHasElement", []string{"e"}, []string{"he"}),
			node("OptionalGetElement", []string{"o"}, []string{"y"})},
		outputs: []pb{pb{}.str(1, "h"), pb{}.str(1, "he"), pb{}.str(1, "y"), pb{}.str(1, "e")},
	})
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"e"}, s.OptionalOutputNames())
	require.Nil(t, s.OutputSequence("e"), "an optional that never holds a value has no buffers")
	copy(s.Input("x").Float, []float32{1, 2})
	require.NoError(t, s.Run())
	require.Equal(t, []int64{1}, s.Output("h").Int)
	require.Equal(t, []int64{0}, s.Output("he").Int)
	require.Equal(t, []float32{1, 2}, s.Output("y").Float)
	require.False(t, s.OutputHasValue("e"))
}

// TestOptionalLoopCarried: a Loop planned once carries an optional from
// iteration to iteration, its presence with its element.
func TestOptionalLoopCarried(t *testing.T) {
	o := optType(tensorType(onnx.Float, 2))
	body := graph("body", graphSpec{
		inputs: []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), typedInfo("o_in", o)},
		nodes: []pb{node("Identity", []string{"c"}, []string{"c_out"}),
			node("OptionalHasElement", []string{"o_in"}, []string{"h"}),
			node("If", []string{"h"}, []string{"o_out"},
				attrGraph("then_branch", graph("then", graphSpec{
					nodes: []pb{node("OptionalGetElement", []string{"o_in"}, []string{"v"}),
						node("Add", []string{"v", "v"}, []string{"w"}),
						node("Optional", []string{"w"}, []string{"ow"})},
					outputs: []pb{typedInfo("ow", o)},
				})),
				attrGraph("else_branch", graph("else", graphSpec{
					nodes:   []pb{node("Identity", []string{"o_in"}, []string{"same"})},
					outputs: []pb{typedInfo("same", o)},
				})))},
		outputs: []pb{valueInfo("c_out", onnx.Bool), typedInfo("o_out", o)},
	})
	m := optModel(t, 16, graphSpec{
		inputs:  []pb{valueInfo("m", onnx.Int64), typedInfo("x", o)},
		nodes:   []pb{node("Loop", []string{"m", "", "x"}, []string{"y"}, attrGraph("body", body))},
		outputs: []pb{typedInfo("y", o)},
	})
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	s.Input("m").Int[0] = 3
	copy(s.Input("x").Float, []float32{1, -1})
	require.NoError(t, s.Run())
	require.True(t, s.OutputHasValue("y"))
	require.Equal(t, []float32{8, -8}, s.Output("y").Float)
	require.NoError(t, s.SetInputHasValue("x", false))
	require.NoError(t, s.Run())
	require.False(t, s.OutputHasValue("y"))
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() { require.NoError(t, s.Run()) }))
	}
}

// TestOptionalLoopFromTensor: a Loop whose body declares an optional
// carried value and is given a tensor (which holds it) is planned once,
// the trip count known only at run time; the body empties the optional
// once the value exceeds 10.
func TestOptionalLoopFromTensor(t *testing.T) {
	o := optType(tensorType(onnx.Float, 1))
	body := graph("body", graphSpec{
		inputs: []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), typedInfo("o_in", o)},
		inits:  []pb{floatTensor("ten", []int64{1}, 10)},
		nodes: []pb{node("Identity", []string{"c"}, []string{"c_out"}),
			node("OptionalHasElement", []string{"o_in"}, []string{"h"}),
			node("If", []string{"h"}, []string{"o_out"},
				attrGraph("then_branch", graph("then", graphSpec{
					nodes: []pb{node("OptionalGetElement", []string{"o_in"}, []string{"v"}),
						node("Add", []string{"v", "v"}, []string{"w"}),
						node("Greater", []string{"w", "ten"}, []string{"big"}),
						node("Squeeze", []string{"big"}, []string{"big0"}),
						node("If", []string{"big0"}, []string{"ow"},
							attrGraph("then_branch", graph("t2", graphSpec{
								nodes:   []pb{node("Optional", nil, []string{"e"}, attrType("type", tensorType(onnx.Float, 1)))},
								outputs: []pb{typedInfo("e", o)},
							})),
							attrGraph("else_branch", graph("e2", graphSpec{
								nodes:   []pb{node("Optional", []string{"w"}, []string{"f"})},
								outputs: []pb{typedInfo("f", o)},
							})))},
					outputs: []pb{typedInfo("ow", o)},
				})),
				attrGraph("else_branch", graph("else", graphSpec{
					nodes:   []pb{node("Identity", []string{"o_in"}, []string{"same"})},
					outputs: []pb{typedInfo("same", o)},
				})))},
		outputs: []pb{valueInfo("c_out", onnx.Bool), typedInfo("o_out", o)},
	})
	m := optModel(t, 16, graphSpec{
		inputs:  []pb{valueInfo("m", onnx.Int64), valueInfo("x", onnx.Float, 1)},
		nodes:   []pb{node("Loop", []string{"m", "", "x"}, []string{"y"}, attrGraph("body", body))},
		outputs: []pb{typedInfo("y", o)},
	})
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	s.Input("x").Float[0] = 1
	for trip, want := range []float32{1, 2, 4, 8} {
		s.Input("m").Int[0] = int64(trip)
		require.NoError(t, s.Run())
		require.True(t, s.OutputHasValue("y"), "trip %d", trip)
		require.Equal(t, want, s.Output("y").Float[0], "trip %d", trip)
	}
	s.Input("m").Int[0] = 6
	require.NoError(t, s.Run())
	require.False(t, s.OutputHasValue("y"))
}

// TestOptionalLoopPresenceChanges: a Loop planned once, the trip count
// known only at run time, whose body empties the optional it carries in
// full, or fills the one it carries in empty (counting the iterations in
// it): an optional's presence is not its shape. An element that changes
// shape from one iteration to the next (here it grows) is still refused
// until the trip count is known.
func TestOptionalLoopPresenceChanges(t *testing.T) {
	o := optType(tensorType(onnx.Float, 1))
	bodyOf := func(nodes ...pb) pb {
		return graph("body", graphSpec{
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), typedInfo("o_in", o)},
			inits:   []pb{floatTensor("one", []int64{1}, 1)},
			nodes:   append([]pb{node("Identity", []string{"c"}, []string{"c_out"})}, nodes...),
			outputs: []pb{valueInfo("c_out", onnx.Bool), typedInfo("o_out", o)},
		})
	}
	// the optional carried in, o_in, plus one when it holds a value, else
	// one; grow concatenates one instead
	count := func(op string) pb {
		return bodyOf(node("OptionalHasElement", []string{"o_in"}, []string{"h"}),
			node("If", []string{"h"}, []string{"o_out"},
				attrGraph("then_branch", graph("then", graphSpec{
					nodes: []pb{node("OptionalGetElement", []string{"o_in"}, []string{"v"}),
						node(op, []string{"v", "one"}, []string{"w"}, attrInt("axis", 0)),
						node("Optional", []string{"w"}, []string{"ow"})},
					outputs: []pb{typedInfo("ow", o)},
				})),
				attrGraph("else_branch", graph("else", graphSpec{
					nodes:   []pb{node("Optional", []string{"one"}, []string{"first"})},
					outputs: []pb{typedInfo("first", o)},
				}))))
	}
	loopModel := func(body pb, empty bool) *onnx.Model {
		nodes := []pb{node("Optional", []string{"x"}, []string{"init"})}
		if empty {
			nodes = []pb{node("Optional", nil, []string{"init"}, attrType("type", tensorType(onnx.Float, 1)))}
		}
		return optModel(t, 16, graphSpec{
			inputs:  []pb{valueInfo("m", onnx.Int64), valueInfo("x", onnx.Float, 1)},
			nodes:   append(nodes, node("Loop", []string{"m", "", "init"}, []string{"y"}, attrGraph("body", body))),
			outputs: []pb{typedInfo("y", optType(tensorType(onnx.Float, -1)))},
		})
	}
	check := func(s *onnx.Session, trip int64, want float32, has bool) {
		t.Helper()
		s.Input("m").Int[0] = trip
		require.NoError(t, s.Run(), "trip %d", trip)
		require.Equal(t, has, s.OutputHasValue("y"), "trip %d", trip)
		if has {
			require.Equal(t, want, s.Output("y").Float[0], "trip %d", trip)
		}
	}

	empties := bodyOf(node("Optional", nil, []string{"o_out"}, attrType("type", tensorType(onnx.Float, 1))))
	s, err := onnx.NewSession(loopModel(empties, false), nil, nil)
	require.NoError(t, err)
	s.Input("x").Float[0] = 5
	check(s, 0, 5, true)
	check(s, 3, 0, false)
	check(s, 1, 0, false)
	check(s, 0, 5, true)

	s, err = onnx.NewSession(loopModel(count("Add"), true), nil, nil)
	require.NoError(t, err)
	check(s, 0, 0, false)
	check(s, 1, 1, true)
	check(s, 4, 4, true)
	check(s, 0, 0, false)
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() { require.NoError(t, s.Run()) }))
	}

	_, err = onnx.NewSession(loopModel(count("Concat"), true), nil, nil)
	require.ErrorIs(t, err, onnx.ErrValueDependent)
	s, err = onnx.NewSession(loopModel(count("Concat"), true), nil, &onnx.Options{Fixed: map[string]*onnx.Tensor{"m": {DType: onnx.Int64, Dims: []int{}, Int: []int64{3}}}})
	require.NoError(t, err)
	require.NoError(t, s.Run())
	require.Equal(t, []float32{1, 1, 1}, s.Output("y").Float)
}

// TestOptionalLoopNestedSecondPlans: Loops nested 40 deep, each carrying
// in an empty optional that its inner Loop fills, the trip count known
// only at run time: each plans its body a second time, which would plan
// the innermost body 2^40 times; the second plans count against the
// plan's unrolling bounds, so NewSession soon ends with ErrLimit. Five
// deep plan and run.
func TestOptionalLoopNestedSecondPlans(t *testing.T) {
	o := optType(tensorType(onnx.Float, 1))
	for _, depth := range []int{5, 40} {
		body := graph("inner", graphSpec{
			inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), typedInfo("o_in", o)},
			inits:   []pb{floatTensor("one", []int64{1}, 1)},
			nodes:   []pb{node("Identity", []string{"c"}, []string{"c_out"}), node("Optional", []string{"one"}, []string{"o_out"})},
			outputs: []pb{valueInfo("c_out", onnx.Bool), typedInfo("o_out", o)},
		})
		emptyLoop := func(out string, body pb) []pb {
			return []pb{node("Optional", nil, []string{"e"}, attrType("type", tensorType(onnx.Float, 1))),
				node("Loop", []string{"m", "", "e"}, []string{out}, attrGraph("body", body))}
		}
		for range depth {
			body = graph("b", graphSpec{
				inputs:  []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool), typedInfo("o_in", o)},
				nodes:   append([]pb{node("Identity", []string{"c"}, []string{"c_out"})}, emptyLoop("o_out", body)...),
				outputs: []pb{valueInfo("c_out", onnx.Bool), typedInfo("o_out", o)},
			})
		}
		m := optModel(t, 16, graphSpec{
			inputs:  []pb{valueInfo("m", onnx.Int64)},
			nodes:   emptyLoop("y", body),
			outputs: []pb{typedInfo("y", o)},
		})
		s, err := onnx.NewSession(m, nil, nil)
		if depth == 40 {
			require.ErrorIs(t, err, onnx.ErrLimit)
			continue
		}
		require.NoError(t, err)
		s.Input("m").Int[0] = 2
		require.NoError(t, s.Run())
		require.True(t, s.OutputHasValue("y"))
		require.Equal(t, []float32{1}, s.Output("y").Float)
		s.Input("m").Int[0] = 0
		require.NoError(t, s.Run())
		require.False(t, s.OutputHasValue("y"))
	}
}

// TestLoopScanOutputOptional: a Loop's scan outputs must be tensors; an
// optional one is refused as such, whether or not the trip count is known
// while planning (not as needing the trip count).
func TestLoopScanOutputOptional(t *testing.T) {
	o := optType(tensorType(onnx.Float, 1))
	body := graph("body", graphSpec{
		inputs: []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool)},
		inits:  []pb{floatTensor("one", []int64{1}, 1)},
		nodes: []pb{node("Identity", []string{"c"}, []string{"c_out"}),
			node("Optional", []string{"one"}, []string{"s"})},
		outputs: []pb{valueInfo("c_out", onnx.Bool), typedInfo("s", o)},
	})
	for _, fixed := range []map[string]*onnx.Tensor{nil, {"m": {DType: onnx.Int64, Dims: []int{}, Int: []int64{2}}}} {
		m := optModel(t, 16, graphSpec{
			inputs:  []pb{valueInfo("m", onnx.Int64)},
			nodes:   []pb{node("Loop", []string{"m", ""}, []string{"y"}, attrGraph("body", body))},
			outputs: []pb{valueInfo("y", onnx.Float, 2, 1)},
		})
		_, err := onnx.NewSession(m, nil, &onnx.Options{Fixed: fixed})
		require.ErrorIs(t, err, onnx.ErrShape, "fixed %v", fixed)
		require.NotErrorIs(t, err, onnx.ErrValueDependent)
		require.ErrorContains(t, err, "scan output 0 is optional of FLOAT [1]; a Loop's scan outputs are tensors")
	}
}

func TestOptionalRefusals(t *testing.T) {
	ox := optType(tensorType(onnx.Float, 2))
	for name, s := range map[string]graphSpec{
		"an optional to a tensor operator": {inputs: []pb{typedInfo("x", ox)},
			nodes: []pb{node("Relu", []string{"x"}, []string{"y"})}},
		"an optional to a sequence operator": {inputs: []pb{typedInfo("x", ox)},
			nodes: []pb{node("SequenceLength", []string{"x"}, []string{"y"})}},
		"an optional of an optional": {inputs: []pb{typedInfo("x", ox)},
			nodes: []pb{node("Optional", []string{"x"}, []string{"y"})}},
		"an empty Optional without type": {nodes: []pb{node("Optional", nil, []string{"y"})}},
		"type and input disagree": {inputs: []pb{valueInfo("x", onnx.Float, 2)},
			nodes: []pb{node("Optional", []string{"x"}, []string{"y"}, attrType("type", tensorType(onnx.Int64, 2)))}},
		"a tensor to OptionalHasElement before opset 18": {inputs: []pb{valueInfo("x", onnx.Float, 2)},
			nodes: []pb{node("OptionalHasElement", []string{"x"}, []string{"y"})}},
		"an optional of a map": {inputs: []pb{typedInfo("x", optType(pb{}.bytes(5, pb{}.varint(1, 7).bytes(2, tensorType(onnx.Float)))))},
			nodes: []pb{node("OptionalHasElement", []string{"x"}, []string{"y"})}},
		"an optional input fixed": {inputs: []pb{typedInfo("f", ox)},
			nodes: []pb{node("OptionalHasElement", []string{"f"}, []string{"y"})}},
		"an optional output declared a tensor": {inputs: []pb{typedInfo("x", ox)},
			nodes: []pb{node("Identity", []string{"x"}, []string{"y"})}},
		"If branches of an optional and a tensor": {inputs: []pb{typedInfo("x", ox), valueInfo("c", onnx.Bool)},
			nodes: []pb{node("If", []string{"c"}, []string{"y"},
				attrGraph("then_branch", graph("t", graphSpec{nodes: []pb{node("Identity", []string{"x"}, []string{"a"})}, outputs: []pb{pb{}.str(1, "a")}})),
				attrGraph("else_branch", graph("e", graphSpec{nodes: []pb{node("OptionalGetElement", []string{"x"}, []string{"b"})}, outputs: []pb{pb{}.str(1, "b")}})))}},
	} {
		s.outputs = []pb{valueInfo("y", onnx.Float, 2)}
		m := optModel(t, 16, s)
		_, err := onnx.NewSession(m, nil, &onnx.Options{Fixed: map[string]*onnx.Tensor{"f": ft([]int{2}, 1, 2)}})
		if name != "an optional input fixed" {
			_, err = onnx.NewSession(m, nil, nil)
		}
		require.Error(t, err, name)
		require.True(t, isSentinel(err), "%s: %v", name, err)
		t.Logf("%s: %v", name, err)
	}
}

// TestParseOptional reads OptionalProtos: none, a tensor, a sequence, and
// refuses malformed ones.
func TestParseOptional(t *testing.T) {
	tensor := floatTensor("t", []int64{2}, 1, 2)
	seq := pb{}.varint(2, 1).bytes(3, tensor)
	v, err := onnx.ParseOptional(pb{}.str(1, "o"))
	require.NoError(t, err)
	require.False(t, v.Has)
	v, err = onnx.ParseOptional(pb{}.varint(2, 1).bytes(3, tensor))
	require.NoError(t, err)
	require.True(t, v.Has)
	require.False(t, v.IsSequence)
	require.Equal(t, []float32{1, 2}, v.Tensor.Float)
	v, err = onnx.ParseOptional(pb{}.varint(2, 3).bytes(5, seq))
	require.NoError(t, err)
	require.True(t, v.Has && v.IsSequence)
	require.Len(t, v.Sequence, 1)
	for name, c := range map[string]struct {
		b    pb
		want error
	}{
		"two values":            {pb{}.varint(2, 1).bytes(3, tensor).bytes(3, tensor), onnx.ErrFormat},
		"elem_type of a tensor": {pb{}.varint(2, 1).bytes(5, seq), onnx.ErrFormat},
		"no elem_type":          {pb{}.bytes(3, tensor), onnx.ErrFormat},
		"a map":                 {pb{}.varint(2, 4).bytes(6, pb{}), onnx.ErrUnsupported},
		"an unknown elem_type":  {pb{}.varint(2, 9), onnx.ErrUnsupported},
		"truncated":             {pb{}.varint(2, 1).bytes(3, tensor)[:5], onnx.ErrFormat},
	} {
		_, err := onnx.ParseOptional(c.b)
		require.ErrorIs(t, err, c.want, name)
	}
}

// TestOptionalOpset18: from opset 18, OptionalHasElement and
// OptionalGetElement take a tensor or a sequence (which holds a value),
// and OptionalHasElement an omitted input (which does not).
func TestOptionalOpset18(t *testing.T) {
	m := optModel(t, 18, graphSpec{
		inputs: []pb{valueInfo("x", onnx.Float, 2)},
		nodes: []pb{node("OptionalHasElement", []string{"x"}, []string{"hx"}),
			node("OptionalHasElement", []string{""}, []string{"hn"}),
			node("SequenceConstruct", []string{"x", "x"}, []string{"q"}),
			node("OptionalHasElement", []string{"q"}, []string{"hq"}),
			node("OptionalGetElement", []string{"x"}, []string{"gx"}),
			node("OptionalGetElement", []string{"q"}, []string{"gq"})},
		outputs: []pb{pb{}.str(1, "hx"), pb{}.str(1, "hn"), pb{}.str(1, "hq"), pb{}.str(1, "gx"), pb{}.str(1, "gq")},
	})
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{3, 4})
	require.NoError(t, s.Run())
	require.Equal(t, []int64{1}, s.Output("hx").Int)
	require.Equal(t, []int64{0}, s.Output("hn").Int)
	require.Equal(t, []int64{1}, s.Output("hq").Int)
	require.Equal(t, []float32{3, 4}, s.Output("gx").Float)
	require.Len(t, s.OutputSequence("gq"), 2)
	require.Empty(t, s.OptionalOutputNames())
}

// TestOptionalSequenceInput: an optional of a sequence as a graph input,
// its elements' shapes in Options.SequenceShapes, given or not.
func TestOptionalSequenceInput(t *testing.T) {
	q := optType(seqType(tensorType(onnx.Float, -1)))
	m := optModel(t, 16, graphSpec{
		inputs: []pb{typedInfo("q", q)},
		nodes: []pb{node("OptionalHasElement", []string{"q"}, []string{"h"}),
			node("Identity", []string{"q"}, []string{"r"})},
		outputs: []pb{pb{}.str(1, "h"), typedInfo("r", q)},
	})
	_, err := onnx.NewSession(m, nil, nil)
	require.ErrorIs(t, err, onnx.ErrShape, "no element shapes")
	_, err = onnx.NewSession(m, map[string][]int{"q": {2}}, &onnx.Options{SequenceShapes: map[string][][]int{"q": {{2}}}})
	require.ErrorIs(t, err, onnx.ErrShape, "a tensor shape for an optional of a sequence")
	s, err := onnx.NewSession(m, nil, &onnx.Options{SequenceShapes: map[string][][]int{"q": {{2}, {1}}}})
	require.NoError(t, err)
	require.Equal(t, []string{"q"}, s.SequenceInputNames())
	require.Equal(t, []string{"r"}, s.SequenceOutputNames())
	in := s.InputSequence("q")
	require.Len(t, in, 2)
	copy(in[0].Float, []float32{1, 2})
	in[1].Float[0] = 3
	require.NoError(t, s.Run())
	require.Equal(t, []int64{1}, s.Output("h").Int)
	require.True(t, s.OutputHasValue("r"))
	require.Equal(t, []float32{3}, s.OutputSequence("r")[1].Float)
	require.NoError(t, s.SetInputHasValue("q", false))
	require.NoError(t, s.Run())
	require.Equal(t, []int64{0}, s.Output("h").Int)
	require.False(t, s.OutputHasValue("r"))
}
