package onnx_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// arg is an operand of a one-node test model: a graph input, or an
// initializer (known while planning) when init is set.
type arg struct {
	t    *onnx.Tensor
	init bool
}

func ft(dims []int, v ...float32) *onnx.Tensor {
	return &onnx.Tensor{DType: onnx.Float, Dims: dims, Float: v}
}

func it(dt onnx.DataType, dims []int, v ...int64) *onnx.Tensor {
	return &onnx.Tensor{DType: dt, Dims: dims, Int: v}
}

func tensorPB(name string, t *onnx.Tensor) pb {
	d := make([]int64, len(t.Dims))
	for i, v := range t.Dims {
		d[i] = int64(v)
	}
	switch t.DType {
	case onnx.Float:
		return floatTensor(name, d, t.Float...)
	case onnx.Float16:
		bits := make([]int64, len(t.Float))
		for i, v := range t.Float {
			bits[i] = int64(halfBits(v))
		}
		return intTensor(name, t.DType, d, bits...)
	}
	return intTensor(name, t.DType, d, t.Int...)
}

// runOp runs one node of op over args and returns its outputs.
func runOp(t *testing.T, opset int64, op string, nOut int, attrs []pb, args ...arg) ([]*onnx.Tensor, error) {
	t.Helper()
	s, outs, err := opSession(t, opset, op, nOut, attrs, args...)
	if err != nil {
		return nil, err
	}
	return runSession(s, outs, args)
}

// opSession returns the session of one node of op over args (an input
// named in<i> per argument: an initializer, or a graph input) and the
// names of its nOut outputs.
func opSession(t *testing.T, opset int64, op string, nOut int, attrs []pb, args ...arg) (*onnx.Session, []string, error) {
	t.Helper()
	return domainOpSession(t, "", opset, op, nOut, attrs, args...)
}

// msOpSession is opSession for an operator of the com.microsoft domain.
func msOpSession(t *testing.T, op string, nOut int, attrs []pb, args ...arg) (*onnx.Session, []string, error) {
	t.Helper()
	return domainOpSession(t, "com.microsoft", 13, op, nOut, attrs, args...)
}

// domainOpSession is opSession for an operator of domain ("" for the
// default one; com.microsoft models import it beside opset).
func domainOpSession(t *testing.T, domain string, opset int64, op string, nOut int, attrs []pb, args ...arg) (*onnx.Session, []string, error) {
	t.Helper()
	var spec graphSpec
	var ins, outs []string
	for i, a := range args {
		name := fmt.Sprint("in", i)
		if a.t == nil {
			ins = append(ins, "")
			continue
		}
		ins = append(ins, name)
		if a.init {
			spec.inits = append(spec.inits, tensorPB(name, a.t))
			continue
		}
		d := make([]int64, len(a.t.Dims))
		for i, v := range a.t.Dims {
			d[i] = int64(v)
		}
		spec.inputs = append(spec.inputs, valueInfo(name, a.t.DType, d...))
	}
	for i := range nOut {
		outs = append(outs, fmt.Sprint("out", i))
		spec.outputs = append(spec.outputs, pb{}.str(1, outs[i]))
	}
	n, build := node(op, ins, outs, attrs...), model
	if domain != "" {
		n, build = n.str(7, domain), msModel
	}
	spec.nodes = []pb{n}
	m, err := onnx.Parse(build(opset, graph("g", spec)))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	return s, outs, err
}

// runSession copies the graph inputs among args into s, runs it, and
// returns the outputs named outs.
func runSession(s *onnx.Session, outs []string, args []arg) ([]*onnx.Tensor, error) {
	for i, a := range args {
		if a.t != nil && !a.init {
			in := s.Input(fmt.Sprint("in", i))
			copy(in.Float, a.t.Float)
			copy(in.Int, a.t.Int)
		}
	}
	if err := s.Run(); err != nil {
		return nil, err
	}
	res := make([]*onnx.Tensor, len(outs))
	for i := range res {
		res[i] = s.Output(outs[i])
	}
	return res, nil
}

func TestCast(t *testing.T) {
	nan := float32(math.NaN())
	out, err := runOp(t, 13, "Cast", 1, []pb{attrInt("to", int64(onnx.Int64))}, arg{t: ft([]int{5}, 1.7, -1.7, 0, nan, 3e9)})
	require.NoError(t, err)
	assert.Equal(t, []int64{1, -1, 0, 0, 3000000000}, out[0].Int)
	out, err = runOp(t, 13, "Cast", 1, []pb{attrInt("to", int64(onnx.Bool))}, arg{t: ft([]int{3}, 0, 2, float32(math.Copysign(0, -1)))})
	require.NoError(t, err)
	assert.Equal(t, onnx.Bool, out[0].DType)
	assert.Equal(t, []int64{0, 1, 0}, out[0].Int)
	out, err = runOp(t, 13, "Cast", 1, []pb{attrInt("to", int64(onnx.Int32))}, arg{t: it(onnx.Int64, []int{2}, 1<<32+5, -1<<31-1)})
	require.NoError(t, err)
	assert.Equal(t, []int64{5, 1<<31 - 1}, out[0].Int, "wraps to 32 bits")
	out, err = runOp(t, 13, "Cast", 1, []pb{attrInt("to", int64(onnx.Float))}, arg{t: it(onnx.Bool, []int{2}, 1, 0)})
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 0}, out[0].Float)
	// Before opset 6, "to" names the type.
	toStr := pb{}.str(1, "to").varint(20, 3).str(4, "INT64")
	out, err = runOp(t, 5, "Cast", 1, []pb{toStr}, arg{t: ft([]int{2}, 2.5, -2.5)})
	require.NoError(t, err)
	assert.Equal(t, []int64{2, -2}, out[0].Int)
	_, err = runOp(t, 13, "Cast", 1, []pb{attrInt("to", int64(onnx.Double))}, arg{t: ft([]int{1}, 1)})
	assert.ErrorIs(t, err, onnx.ErrUnsupported)
	assert.Contains(t, err.Error(), "DOUBLE")
}

func TestIntegerArithmetic(t *testing.T) {
	out, err := runOp(t, 14, "Add", 1, nil, arg{t: it(onnx.Int32, []int{2}, math.MaxInt32, -5)}, arg{t: it(onnx.Int32, []int{1}, 1)})
	require.NoError(t, err)
	assert.Equal(t, []int64{math.MinInt32, -4}, out[0].Int, "INT32 wraps")
	out, err = runOp(t, 14, "Div", 1, nil, arg{t: it(onnx.Int64, []int{3}, -7, 7, math.MinInt64)}, arg{t: it(onnx.Int64, []int{3}, 2, -2, -1)})
	require.NoError(t, err)
	assert.Equal(t, []int64{-3, -3, math.MinInt64}, out[0].Int, "truncating division")
	_, err = runOp(t, 14, "Div", 1, nil, arg{t: it(onnx.Int64, []int{1}, 1)}, arg{t: it(onnx.Int64, []int{1}, 0)})
	assert.ErrorIs(t, err, onnx.ErrInput)
	_, err = runOp(t, 14, "Add", 1, nil, arg{t: ft([]int{2}, 1, 2)}, arg{t: ft([]int{3}, 1, 2, 3)})
	assert.ErrorIs(t, err, onnx.ErrShape)
}

func TestPadModes(t *testing.T) {
	x := arg{t: ft([]int{3}, 1, 2, 3)}
	pads := arg{t: it(onnx.Int64, []int{2}, 2, 3), init: true}
	for mode, want := range map[string][]float32{
		"reflect":  {3, 2, 1, 2, 3, 2, 1, 2},
		"edge":     {1, 1, 1, 2, 3, 3, 3, 3},
		"wrap":     {2, 3, 1, 2, 3, 1, 2, 3},
		"constant": {9, 9, 1, 2, 3, 9, 9, 9},
	} {
		mattr := pb{}.str(1, "mode").varint(20, 3).str(4, mode)
		out, err := runOp(t, 19, "Pad", 1, []pb{mattr}, x, pads, arg{t: ft(nil, 9)})
		require.NoError(t, err, mode)
		assert.Equal(t, want, out[0].Float, mode)
	}
	// A negative pad crops.
	out, err := runOp(t, 13, "Pad", 1, nil, x, arg{t: it(onnx.Int64, []int{2}, -1, 1), init: true})
	require.NoError(t, err)
	assert.Equal(t, []float32{2, 3, 0}, out[0].Float)
}

// TestMatMulBroadcast checks batch broadcasting against a direct loop.
func TestMatMulBroadcast(t *testing.T) {
	a := ft([]int{2, 1, 2, 3})
	b := ft([]int{3, 3, 2})
	for i := range 12 {
		a.Float = append(a.Float, float32(i)-5)
	}
	for i := range 18 {
		b.Float = append(b.Float, float32(i%7)-3)
	}
	out, err := runOp(t, 13, "MatMul", 1, nil, arg{t: a}, arg{t: b})
	require.NoError(t, err)
	y := out[0]
	require.Equal(t, []int{2, 3, 2, 2}, y.Dims)
	for i := range 2 {
		for j := range 3 {
			for r := range 2 {
				for c := range 2 {
					var s float32
					for k := range 3 {
						s += a.Float[i*6+r*3+k] * b.Float[j*6+k*2+c]
					}
					assert.Equal(t, s, y.Float[((i*3+j)*2+r)*2+c])
				}
			}
		}
	}
	// 1-D operands: a vector times a matrix, a matrix times a vector.
	out, err = runOp(t, 13, "MatMul", 1, nil, arg{t: ft([]int{2}, 1, 2)}, arg{t: ft([]int{2, 2}, 1, 2, 3, 4)})
	require.NoError(t, err)
	assert.Equal(t, []int{2}, out[0].Dims)
	assert.Equal(t, []float32{7, 10}, out[0].Float)
	out, err = runOp(t, 13, "MatMul", 1, nil, arg{t: ft([]int{2, 2}, 1, 2, 3, 4)}, arg{t: ft([]int{2}, 1, 2)})
	require.NoError(t, err)
	assert.Equal(t, []float32{5, 11}, out[0].Float)
}

func TestSoftmaxLegacyAxis(t *testing.T) {
	// Before opset 13, Softmax flattens to 2-D at axis: rows of 4 here.
	x := ft([]int{2, 2, 2}, 0, 0, 0, 0, 1, 1, 1, 1)
	out, err := runOp(t, 11, "Softmax", 1, []pb{attrInt("axis", 1)}, arg{t: x})
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float32{.25, .25, .25, .25, .25, .25, .25, .25}, out[0].Float, 1e-7)
	// Since, over one axis: pairs along axis 1.
	out, err = runOp(t, 13, "Softmax", 1, []pb{attrInt("axis", 1)}, arg{t: ft([]int{2, 2, 2}, 0, 0, 1, 1, 0, 0, 0, 0)})
	require.NoError(t, err)
	e := float32(1 / (1 + math.E))
	assert.InDeltaSlice(t, []float32{e, e, 1 - e, 1 - e, .5, .5, .5, .5}, out[0].Float, 1e-6)
}

func TestSliceNegativeSteps(t *testing.T) {
	x := arg{t: ft([]int{2, 4}, 0, 1, 2, 3, 4, 5, 6, 7)}
	ints := func(v ...int64) arg { return arg{t: it(onnx.Int64, []int{len(v)}, v...), init: true} }
	out, err := runOp(t, 13, "Slice", 1, nil, x, ints(-1, 100), ints(-100, 0), ints(1, 0), ints(-2, -1))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, out[0].Dims)
	assert.Equal(t, []float32{7, 5}, out[0].Float)
}

func TestSplitUneven(t *testing.T) {
	// num_outputs (opset 18) with an uneven split: the last part is smaller.
	out, err := runOp(t, 18, "Split", 3, []pb{attrInt("num_outputs", 3)}, arg{t: ft([]int{7}, 0, 1, 2, 3, 4, 5, 6)})
	require.NoError(t, err)
	assert.Equal(t, []float32{0, 1, 2}, out[0].Float)
	assert.Equal(t, []float32{3, 4, 5}, out[1].Float)
	assert.Equal(t, []float32{6}, out[2].Float)
}

func TestWhereBroadcast(t *testing.T) {
	out, err := runOp(t, 13, "Where", 1, nil,
		arg{t: it(onnx.Bool, []int{2, 1}, 1, 0)}, arg{t: ft([]int{3}, 1, 2, 3)}, arg{t: ft(nil, -1)})
	require.NoError(t, err)
	assert.Equal(t, []int{2, 3}, out[0].Dims)
	assert.Equal(t, []float32{1, 2, 3, -1, -1, -1}, out[0].Float)
}

// TestLegacyBroadcast: before opset 7, broadcast=1 places the second
// operand's shape at axis.
func TestLegacyBroadcast(t *testing.T) {
	a := ft([]int{2, 3, 2}, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1)
	out, err := runOp(t, 6, "Add", 1, []pb{attrInt("broadcast", 1), attrInt("axis", 1)}, arg{t: a}, arg{t: ft([]int{3}, 10, 20, 30)})
	require.NoError(t, err)
	assert.Equal(t, []float32{10, 10, 20, 20, 30, 30, 11, 11, 21, 21, 31, 31}, out[0].Float)
	// Without axis, at the end.
	out, err = runOp(t, 6, "Mul", 1, []pb{attrInt("broadcast", 1)}, arg{t: a}, arg{t: ft([]int{2}, 2, 3)})
	require.NoError(t, err)
	assert.Equal(t, []float32{0, 0, 0, 0, 0, 0, 2, 3, 2, 3, 2, 3}, out[0].Float)
	// Without broadcast=1, the shapes must be equal.
	_, err = runOp(t, 6, "Add", 1, nil, arg{t: a}, arg{t: ft([]int{2}, 2, 3)})
	assert.ErrorIs(t, err, onnx.ErrShape)
	// The second operand may not grow the first.
	_, err = runOp(t, 6, "Add", 1, []pb{attrInt("broadcast", 1)}, arg{t: ft([]int{1}, 1)}, arg{t: ft([]int{2}, 2, 3)})
	assert.ErrorIs(t, err, onnx.ErrShape)
}

// TestPowSquare: a known exponent of 2 (Silero's STFT magnitude) gives
// x·x, as the general path does, also where the exponent broadcasts the
// base to a larger shape (which the square path does not take).
func TestPowSquare(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	x := ft([]int{2, 3}, 1.5, -3, 0, nan, inf, 1e20)
	want := []float32{2.25, 9, 0, nan, float32(math.Inf(1)), float32(math.Inf(1))}
	for _, init := range []bool{true, false} {
		out, err := runOp(t, 15, "Pow", 1, nil, arg{t: x}, arg{t: ft([]int{}, 2), init: init})
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(want), fmt.Sprint(out[0].Float), "exponent known: %v", init)
	}
	out, err := runOp(t, 15, "Pow", 1, nil, arg{t: ft([]int{1}, -3)}, arg{t: ft([]int{2}, 2, 2), init: true})
	require.NoError(t, err)
	assert.Equal(t, []float32{9, 9}, out[0].Float)
}
