package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// halfBits returns the binary16 bits of v, which must be a half.
func halfBits(v float32) uint16 {
	f := float64(v)
	if float16Round(v) != f && !math.IsNaN(f) {
		panic("halfBits: not a half")
	}
	var sign uint16
	if math.Signbit(f) {
		sign, f = 0x8000, -f
	}
	switch {
	case math.IsNaN(f):
		return 0x7e00
	case math.IsInf(f, 0):
		return sign | 0x7c00
	case f < 0x1p-14:
		return sign | uint16(f*0x1p24)
	}
	fr, e := math.Frexp(f) // f = fr·2^e, fr in [0.5, 1)
	return sign | uint16(e+14)<<10 | uint16(fr*2048)&0x3ff
}

// ht is a FLOAT16 tensor of half values.
func ht(dims []int, v ...float32) *onnx.Tensor {
	return &onnx.Tensor{DType: onnx.Float16, Dims: dims, Float: v}
}

// TestHalfArithmetic: a node on FLOAT16 computes in float32 and rounds its
// output to half (ties to even, overflow to Inf, subnormals kept); a
// FLOAT16 graph input is rounded by Run, in place.
func TestHalfArithmetic(t *testing.T) {
	inf := float32(math.Inf(1))
	// 2048+1 is a tie between 2048 and 2050 (to even: 2048); 2048+3 one
	// between 2050 and 2052 (2052); 300·300 overflows; 1e-4·1e-3 is the
	// subnormal 2^-23 (1.68 steps of 2^-24).
	x := ht([]int{5}, 2048, 2048, 300, float32(float16Round(1e-4)), -0.5)
	y := ht([]int{5}, 1, 3, 300, float32(float16Round(1e-3)), 0.25)
	out, err := runOp(t, 17, "Add", 1, nil, arg{t: x}, arg{t: y, init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Float16, out[0].DType)
	require.Equal(t, float32(2048), out[0].Float[0])
	require.Equal(t, float32(2052), out[0].Float[1])
	out, err = runOp(t, 17, "Mul", 1, nil, arg{t: x}, arg{t: y})
	require.NoError(t, err)
	require.Equal(t, inf, out[0].Float[2])
	require.Equal(t, float32(0x1p-23), out[0].Float[3])
	require.Equal(t, float32(-0.125), out[0].Float[4])

	// ScatterElements' reduction adds (its output is not a copy).
	out, err = runOp(t, 18, "ScatterElements", 1, []pb{attrStr("reduction", "add")},
		arg{t: ht([]int{2}, 2048, 1)}, arg{t: it(onnx.Int64, []int{2}, 0, 0)}, arg{t: ht([]int{2}, 1, 2)})
	require.NoError(t, err)
	require.Equal(t, []float32{2052, 1}, out[0].Float, "2048+1+2 is 2051 in float32, rounded after the node to 2052 (ties to even)")

	// A value given that is not a half is rounded by Run before use.
	s, outs, err := opSession(t, 17, "Neg", 1, nil, arg{t: ht([]int{3}, 0, 0, 0)})
	require.NoError(t, err)
	in := s.Input("in0")
	copy(in.Float, []float32{0.1, 70000, 1 + 0x1p-11})
	require.NoError(t, s.Run())
	want := []float32{-0.0999755859375, float32(math.Inf(-1)), -1}
	require.Equal(t, want, s.Output(outs[0]).Float)
	require.Equal(t, []float32{0.0999755859375, inf, 1}, in.Float, "rounded in place")
	allocs := testing.AllocsPerRun(5, func() {
		copy(in.Float, []float32{0.1, 70000, 1 + 0x1p-11})
		_ = s.Run()
	})
	require.Zero(t, allocs)

	// Options.Fixed takes float32 values for a FLOAT16 input and rounds them.
	m, err := onnx.Parse(model(17, graph("g", graphSpec{
		inputs:  []pb{valueInfo("x", onnx.Float16, 2)},
		nodes:   []pb{node("Neg", []string{"x"}, []string{"y"})},
		outputs: []pb{pb{}.str(1, "y")},
	})))
	require.NoError(t, err)
	s, err = onnx.NewSession(m, nil, &onnx.Options{Fixed: map[string]*onnx.Tensor{"x": ht([]int{2}, 0.1, 2049)}})
	require.NoError(t, err)
	require.NoError(t, s.Run())
	require.Equal(t, []float32{-0.0999755859375, -2048}, s.Output("y").Float)
}

// TestHalfTypes: FLOAT16 and FLOAT do not mix where ONNX gives them one
// type; they do at inputs of their own type (Pow's exponent since opset
// 12, OneHot's values, Resize's scales, BatchNormalization's statistics
// since opset 15), an output taking its input's type; LayerNormalization's
// statistics are FLOAT; operators that take no FLOAT16 refuse it.
func TestHalfTypes(t *testing.T) {
	x := ht([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	_, err := runOp(t, 17, "Add", 1, nil, arg{t: x}, arg{t: ft([]int{1}, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.Contains(t, err.Error(), "is FLOAT where input 0 is FLOAT16")
	_, err = runOp(t, 17, "Where", 1, nil, arg{t: it(onnx.Bool, []int{1}, 1)}, arg{t: ft([]int{1}, 1)}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)

	// Pow's exponent has a type of its own since opset 12; the output
	// takes the base's.
	out, err := runOp(t, 13, "Pow", 1, nil, arg{t: ht([]int{2}, 3, 300)}, arg{t: ft([]int{1}, 2), init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Float16, out[0].DType)
	require.Equal(t, []float32{9, float32(math.Inf(1))}, out[0].Float)
	out, err = runOp(t, 13, "Pow", 1, nil, arg{t: ft([]int{2}, 3, 300)}, arg{t: ht([]int{1}, 2), init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Float, out[0].DType)
	require.Equal(t, []float32{9, 90000}, out[0].Float)
	_, err = runOp(t, 11, "Pow", 1, nil, arg{t: ft([]int{2}, 3, 300)}, arg{t: ht([]int{1}, 2), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	// OneHot's output takes its values' type, whatever its indices' and
	// depth's.
	out, err = runOp(t, 11, "OneHot", 1, nil, arg{t: ht([]int{2}, 0, 2)}, arg{t: ht(nil, 3), init: true}, arg{t: ft([]int{2}, 0, 0.1), init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Float, out[0].DType)
	require.Equal(t, []float32{0.1, 0, 0, 0, 0, 0.1}, out[0].Float)

	out, err = runOp(t, 17, "Resize", 1, nil, arg{t: x}, arg{}, arg{t: ft([]int{4}, 1, 1, 2, 2), init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Float16, out[0].DType)
	require.Equal(t, []float32{1, 1, 2, 2}, out[0].Float[:4])

	stats := func(dt onnx.DataType) []arg {
		one := &onnx.Tensor{DType: dt, Dims: []int{1}, Float: []float32{1}}
		zero := &onnx.Tensor{DType: dt, Dims: []int{1}, Float: []float32{0}}
		return []arg{{t: x}, {t: one, init: true}, {t: zero, init: true}, {t: zero, init: true}, {t: one, init: true}}
	}
	out, err = runOp(t, 15, "BatchNormalization", 1, nil, stats(onnx.Float)...)
	require.NoError(t, err)
	require.Equal(t, onnx.Float16, out[0].DType)
	require.InDeltaSlice(t, []float32{1, 2, 3, 4}, out[0].Float, 1e-3)
	_, err = runOp(t, 14, "BatchNormalization", 1, nil, stats(onnx.Float)...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 14, "BatchNormalization", 1, nil, stats(onnx.Float16)...)
	require.NoError(t, err)

	out, err = runOp(t, 17, "LayerNormalization", 3, nil, arg{t: ht([]int{1, 3}, 1, 2, 4)}, arg{t: ht([]int{3}, 1, 1, 1), init: true})
	require.NoError(t, err)
	require.Equal(t, []onnx.DataType{onnx.Float16, onnx.Float, onnx.Float}, []onnx.DataType{out[0].DType, out[1].DType, out[2].DType})
	require.Equal(t, float32(7)/3, out[1].Float[0], "the mean in float32, not rounded to half")
	for _, v := range out[0].Float {
		require.Equal(t, float16Round(v), float64(v))
	}

	_, err = runOp(t, 17, "DynamicQuantizeLinear", 3, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.Contains(t, err.Error(), "FLOAT16 inputs")
	_, err = runOp(t, 17, "Range", 1, nil, arg{t: ht(nil, 0), init: true}, arg{t: ht(nil, 4), init: true}, arg{t: ht(nil, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.Contains(t, err.Error(), "FLOAT16 inputs")

	// A graph output declared FLOAT that computes FLOAT16.
	m, err := onnx.Parse(model(17, graph("g", graphSpec{
		inputs:  []pb{valueInfo("x", onnx.Float16, 2)},
		nodes:   []pb{node("Neg", []string{"x"}, []string{"y"})},
		outputs: []pb{valueInfo("y", onnx.Float, 2)},
	})))
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, nil)
	require.True(t, errors.Is(err, onnx.ErrShape), "%v", err)
}

// TestHalfChainsNotFused: Mul(x, Sigmoid(x)), which plan_fuse.go fuses
// into one SiLU node on FLOAT, runs as its two nodes on FLOAT16, the
// sigmoid rounded to half before the product, as two sessions give.
func TestHalfChainsNotFused(t *testing.T) {
	var xs []float32
	for i := range 512 {
		xs = append(xs, float32(float16Round(float32(i-256)/37)))
	}
	x := ht([]int{len(xs)}, xs...)
	m, err := onnx.Parse(model(17, graph("g", graphSpec{
		inputs: []pb{valueInfo("x", onnx.Float16, int64(len(xs)))},
		nodes: []pb{
			node("Sigmoid", []string{"x"}, []string{"s"}),
			node("Mul", []string{"x", "s"}, []string{"y"}),
		},
		outputs: []pb{pb{}.str(1, "y")},
	})))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, xs)
	require.NoError(t, s.Run())
	sig, err := runOp(t, 17, "Sigmoid", 1, nil, arg{t: x})
	require.NoError(t, err)
	want, err := runOp(t, 17, "Mul", 1, nil, arg{t: x}, arg{t: sig[0]})
	require.NoError(t, err)
	require.Equal(t, want[0].Float, s.Output("y").Float)
	fused := 0 // the elements where rounding once would differ
	for i, v := range xs {
		if float32(float16Round(v*sig[0].Float[i])) != float32(float16Round(float32(float64(v)/(1+math.Exp(-float64(v)))))) {
			fused++
		}
	}
	require.NotZero(t, fused, "the inputs tell the chain from the fused node")
}

// halfBitsTensor is a FLOAT16 TensorProto of half values.
func halfBitsTensor(name string, dims []int64, vals ...float32) pb {
	bits := make([]int64, len(vals))
	for i, v := range vals {
		bits[i] = int64(halfBits(v))
	}
	return intTensor(name, onnx.Float16, dims, bits...)
}

// TestHalfSubgraphsAndSequences: FLOAT16 values pass through If's
// branches (reading the outer x), a sequence (SplitToSequence,
// ConcatFromSequence) and Identity with their type, every computed value
// rounded to half.
func TestHalfSubgraphsAndSequences(t *testing.T) {
	then := graph("then", graphSpec{
		nodes:   []pb{node("Mul", []string{"x", "third"}, []string{"t"})},
		inits:   []pb{halfBitsTensor("third", nil, float32(float16Round(1.0/3)))},
		outputs: []pb{valueInfo("t", onnx.Float16, 3)},
	})
	els := graph("else", graphSpec{
		nodes:   []pb{node("Sub", []string{"x", "one"}, []string{"e"})},
		outputs: []pb{valueInfo("e", onnx.Float16, 3)},
	})
	m, err := onnx.Parse(model(13, graph("g", graphSpec{
		nodes: []pb{
			node("ReduceSum", []string{"x"}, []string{"s"}, attrInt("keepdims", 0)),
			node("Greater", []string{"s", "zero"}, []string{"c"}),
			node("If", []string{"c"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", els)),
			node("SplitToSequence", []string{"y"}, []string{"q"}, attrInt("axis", 0)),
			node("ConcatFromSequence", []string{"q"}, []string{"z"}, attrInt("axis", 0)),
			node("Identity", []string{"z"}, []string{"w"}),
		},
		inits:   []pb{halfBitsTensor("zero", nil, 0), halfBitsTensor("one", nil, 1)},
		inputs:  []pb{valueInfo("x", onnx.Float16, 3)},
		outputs: []pb{valueInfo("y", onnx.Float16, 3), valueInfo("w", onnx.Float16, 3)},
	})))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	third := float16Round(1.0 / 3)
	copy(s.Input("x").Float, []float32{1, 2, -1})
	require.NoError(t, s.Run())
	want := []float32{float32(float16Round(float32(third))), float32(float16Round(float32(2 * third))), float32(float16Round(float32(-third)))}
	for _, out := range []string{"y", "w"} {
		require.Equal(t, onnx.Float16, s.Output(out).DType, out)
		require.Equal(t, want, s.Output(out).Float, out)
	}
	copy(s.Input("x").Float, []float32{1, -2048, 0.1})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{0, -2048, -0.89990234375}, s.Output("w").Float, "−2049 rounds to −2048; 0.1 to 0.0999755859375, minus 1 to −1843·2^-11")
}

// TestHalfSequenceInputRounded: the elements of a FLOAT16 sequence input,
// and of an optional of one, are rounded to half by Run as a FLOAT16
// tensor input is (InputSequence's buffers are "as Input's").
func TestHalfSequenceInputRounded(t *testing.T) {
	seq := seqType(tensorType(onnx.Float16, -1))
	for name, in := range map[string]pb{"sequence": seq, "optional of a sequence": optType(seq)} {
		nodes := []pb{node("SequenceAt", []string{"s", "i"}, []string{"y"})}
		if name != "sequence" {
			nodes = []pb{node("OptionalGetElement", []string{"s"}, []string{"q"}), node("SequenceAt", []string{"q", "i"}, []string{"y"})}
		}
		m, err := onnx.Parse(model(18, graph("g", graphSpec{
			inputs:  []pb{typedInfo("s", in)},
			nodes:   nodes,
			inits:   []pb{intTensor("i", onnx.Int64, nil, 1)},
			outputs: []pb{pb{}.str(1, "y")},
		})))
		require.NoError(t, err, name)
		s, err := onnx.NewSession(m, nil, &onnx.Options{SequenceShapes: map[string][][]int{"s": {{1}, {3}}}})
		require.NoError(t, err, name)
		copy(s.InputSequence("s")[1].Float, []float32{0.1, 70000, 1 + 0x1p-11})
		require.NoError(t, s.Run(), name)
		require.Equal(t, onnx.Float16, s.Output("y").DType, name)
		require.Equal(t, []float32{0.0999755859375, float32(math.Inf(1)), 1}, s.Output("y").Float, name)
	}
}
