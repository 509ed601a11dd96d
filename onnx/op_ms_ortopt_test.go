package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestORTOptimizedRefusals: malformed FusedConv, DynamicQuantizeMatMul and
// MatMulIntegerToFloat nodes are refused while planning with an error wrapping ErrShape,
// ErrUnsupported or ErrFormat, never a panic.
func TestORTOptimizedRefusals(t *testing.T) {
	x := func(dims ...int) arg { return arg{t: ft(dims, make([]float32, prod(dims))...)} }
	w := func(dims ...int) arg { return arg{t: ft(dims, make([]float32, prod(dims))...), init: true} }
	i8 := func(dims ...int) arg { return arg{t: it(onnx.Int8, dims, make([]int64, prod(dims))...), init: true} }
	u8 := func(dims ...int) arg { return arg{t: it(onnx.Uint8, dims, make([]int64, prod(dims))...), init: true} }
	act := func(name string, p ...float32) []pb {
		a := []pb{attrStr("activation", name)}
		if p != nil {
			a = append(a, attrFs("activation_params", p...))
		}
		return a
	}
	conv := []arg{x(1, 2, 5), w(3, 2, 2), w(3)}
	for _, c := range []struct {
		name  string
		op    string
		attrs []pb
		args  []arg
		want  error
	}{
		{"FusedConv activation Gelu", "FusedConv", act("Gelu"), conv, onnx.ErrUnsupported},
		{"FusedConv activation Silu", "FusedConv", act("Silu"), conv, onnx.ErrUnsupported},
		{"FusedConv LeakyRelu without params", "FusedConv", act("LeakyRelu"), conv, onnx.ErrShape},
		{"FusedConv Clip with one param", "FusedConv", act("Clip", 0), conv, onnx.ErrShape},
		{"FusedConv HardSigmoid with three params", "FusedConv", act("HardSigmoid", 0.2, 0.5, 1), conv, onnx.ErrShape},
		{"FusedConv activation of ints", "FusedConv", []pb{attrInt("activation", 1)}, conv, onnx.ErrFormat},
		{"FusedConv Z of another shape", "FusedConv", act("Relu"), append(conv, x(1, 3, 5)), onnx.ErrShape},
		{"FusedConv Z INT8", "FusedConv", act("Relu"), append(conv, arg{t: it(onnx.Int8, []int{1, 3, 4}, make([]int64, 12)...)}), onnx.ErrUnsupported},
		{"FusedConv five inputs", "FusedConv", nil, append(conv, x(1, 3, 4), x(1)), onnx.ErrShape},
		{"FusedConv bias size", "FusedConv", nil, []arg{x(1, 2, 5), w(3, 2, 2), w(2)}, onnx.ErrShape},
		{"DynamicQuantizeMatMul B 3-D", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), i8(1, 3, 2), w()}, onnx.ErrUnsupported},
		{"DynamicQuantizeMatMul K mismatch", "DynamicQuantizeMatMul", nil, []arg{x(2, 4), i8(3, 2), w()}, onnx.ErrShape},
		{"DynamicQuantizeMatMul of a scalar", "DynamicQuantizeMatMul", nil, []arg{x(), i8(1, 2), w()}, onnx.ErrShape},
		{"DynamicQuantizeMatMul scales of three for two columns", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), i8(3, 2), w(3)}, onnx.ErrUnsupported},
		{"DynamicQuantizeMatMul scale 2-D", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), i8(3, 2), w(1, 2)}, onnx.ErrUnsupported},
		{"DynamicQuantizeMatMul zero point type", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), i8(3, 2), w(), u8()}, onnx.ErrUnsupported},
		{"DynamicQuantizeMatMul zero points of three", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), u8(3, 2), w(), u8(3)}, onnx.ErrUnsupported},
		{"DynamicQuantizeMatMul six inputs", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), u8(3, 2), w(), u8(), w(2), w(2)}, onnx.ErrShape},
		{"MatMulIntegerToFloat A FLOAT", "MatMulIntegerToFloat", nil, []arg{x(2, 3), i8(3, 2), w(), w()}, onnx.ErrUnsupported},
		{"MatMulIntegerToFloat a_scale of two", "MatMulIntegerToFloat", nil, []arg{{t: it(onnx.Uint8, []int{2, 3}, make([]int64, 6)...)}, i8(3, 2), w(2), w()}, onnx.ErrUnsupported},
		{"MatMulIntegerToFloat a_zero_point type", "MatMulIntegerToFloat", nil, []arg{{t: it(onnx.Uint8, []int{2, 3}, make([]int64, 6)...)}, i8(3, 2), w(), w(), i8()}, onnx.ErrUnsupported},
		{"MatMulIntegerToFloat a_zero_point per row", "MatMulIntegerToFloat", nil, []arg{{t: it(onnx.Uint8, []int{2, 3}, make([]int64, 6)...)}, i8(3, 2), w(), w(), u8(2)}, onnx.ErrUnsupported},
		{"MatMulIntegerToFloat K mismatch", "MatMulIntegerToFloat", nil, []arg{{t: it(onnx.Uint8, []int{2, 4}, make([]int64, 8)...)}, i8(3, 2), w(), w()}, onnx.ErrShape},
		{"MatMulIntegerToFloat without b_scale", "MatMulIntegerToFloat", nil, []arg{{t: it(onnx.Uint8, []int{2, 3}, make([]int64, 6)...)}, i8(3, 2), w()}, onnx.ErrFormat},
		{"MatMulIntegerToFloat bias size", "MatMulIntegerToFloat", nil, []arg{{t: it(onnx.Uint8, []int{2, 3}, make([]int64, 6)...)}, i8(3, 2), w(), w(), {}, {}, w(3)}, onnx.ErrShape},
		{"DynamicQuantizeMatMul bias size", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), i8(3, 2), w(), {}, w(3)}, onnx.ErrShape},
		{"DynamicQuantizeMatMul B FLOAT", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), w(3, 2), w()}, onnx.ErrUnsupported},
		{"DynamicQuantizeMatMul without b_scale", "DynamicQuantizeMatMul", nil, []arg{x(2, 3), i8(3, 2)}, onnx.ErrFormat},
	} {
		_, _, err := msOpSession(t, c.op, 1, c.attrs, c.args...)
		require.Error(t, err, c.name)
		require.ErrorIs(t, err, c.want, c.name)
	}
	// MaxPool takes int8 and uint8 from opset 12 only.
	_, _, err := opSession(t, 11, "MaxPool", 1, []pb{attrInts("kernel_shape", 2)}, arg{t: it(onnx.Uint8, []int{1, 1, 4}, 1, 2, 3, 4)})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}

// TestQuantizedMatMulHalf: DynamicQuantizeMatMul's A, b_scale and bias are
// FLOAT only (ONNX Runtime's schema; its loader calls a FLOAT16 A an
// invalid model), so FLOAT16 ones are refused, naming the operator and the
// type; MatMulIntegerToFloat's scales, bias and output may be FLOAT16, as
// its schema says, computed in float32 and rounded to half: ONNX Runtime
// 1.31 gives the halves 0x4a65, 0xa5bb, 0xc543, 0xc61b here.
func TestQuantizedMatMulHalf(t *testing.T) {
	half := func(init bool, dims []int, v ...float32) arg {
		for i := range v {
			v[i] = float32(float16Round(v[i]))
		}
		return arg{t: &onnx.Tensor{DType: onnx.Float16, Dims: dims, Float: v}, init: init}
	}
	b := arg{t: it(onnx.Int8, []int{3, 2}, 1, -2, 3, 4, -5, 6), init: true}
	for name, args := range map[string][]arg{
		"A and b_scale":  {half(false, []int{2, 3}, 1, 2, 3, -1, 0.5, 2), b, half(true, nil, 0.5)},
		"A, FLOAT scale": {half(false, []int{2, 3}, 1, 2, 3, -1, 0.5, 2), b, {t: ft(nil, 0.5), init: true}},
		"bias":           {{t: ft([]int{2, 3}, 1, 2, 3, -1, 0.5, 2)}, b, {t: ft(nil, 0.5), init: true}, {}, half(true, []int{2}, 1, 2)},
	} {
		_, _, err := msOpSession(t, "DynamicQuantizeMatMul", 1, nil, args...)
		require.ErrorIs(t, err, onnx.ErrUnsupported, name)
		require.ErrorContains(t, err, "DynamicQuantizeMatMul", name)
		require.ErrorContains(t, err, "FLOAT16", name)
	}

	args := []arg{{t: it(onnx.Uint8, []int{2, 3}, 1, 200, 3, 250, 0, 128)}, b, half(true, nil, 0.037), half(true, []int{2}, 0.5, 0.3),
		{t: it(onnx.Uint8, nil, 100), init: true}, {}, half(true, []int{2}, 0.1, -0.2)}
	s, outs, err := msOpSession(t, "MatMulIntegerToFloat", 1, nil, args...)
	require.NoError(t, err)
	res, err := runSession(s, outs, args)
	require.NoError(t, err)
	require.Equal(t, onnx.Float16, res[0].DType)
	require.Equal(t, []float32{12.7890625, -0.0223846435546875, -5.26171875, -6.10546875}, res[0].Float)
}

// TestDynamicQuantizeMatMulSteps checks ONNX Runtime's steps on a hand-made
// case: A's scale from its range widened to 0, the zero point, the exact
// sums less the zero points, one float32 multiplier, the bias; A with NaN
// is ErrInput from Run; A of one positive value v has the range [0, v].
func TestDynamicQuantizeMatMulSteps(t *testing.T) {
	a := []float32{0, 2.55, 5.1, -1.275, 0, 1}
	args := []arg{{t: ft([]int{2, 3}, a...)}, {t: it(onnx.Int8, []int{3, 2}, 1, -2, 3, 4, -5, 6), init: true},
		{t: ft(nil, 0.5), init: true}, {t: it(onnx.Int8, nil, 1), init: true}, {t: ft([]int{2}, 10, 20), init: true}}
	s, outs, err := msOpSession(t, "DynamicQuantizeMatMul", 1, nil, args...)
	require.NoError(t, err)
	res, err := runSession(s, outs, args)
	require.NoError(t, err)
	// the steps, written out
	mn, mx := float32(-1.275), float32(5.1)
	scale := (mx - mn) / 255
	zp := float32(math.RoundToEven(float64(0 - mn/scale)))
	q := make([]float32, len(a))
	for i, v := range a {
		q[i] = min(max(float32(math.RoundToEven(float64(v/scale)))+zp, 0), 255)
	}
	b := []float32{1, -2, 3, 4, -5, 6}
	mult := scale * 0.5
	for i := range 2 {
		for j := range 2 {
			var sum float32
			for r := range 3 {
				sum += (q[i*3+r] - zp) * (b[r*2+j] - 1)
			}
			require.Equal(t, float32(sum*mult)+[]float32{10, 20}[j], res[0].Float[i*2+j], "y[%d,%d]", i, j)
		}
	}
	s.Input("in0").Float[0] = float32(math.NaN())
	require.ErrorIs(t, s.Run(), onnx.ErrInput)
	for i := range a {
		s.Input("in0").Float[i] = 3
	}
	require.NoError(t, s.Run())
	// scale 3/255, zero point 0, qa = 255: Σ 255·(b − 1) over each column
	m3 := float32(3) / 255 * 0.5
	require.Equal(t, []float32{float32(float32(255*(0+2-6))*m3) + 10, float32(float32(255*(-3+3+5))*m3) + 20}, s.Output(outs[0]).Float[:2])
}

// TestLayerNormalizationBeforeOpset17: ONNX Runtime's optimizer writes
// LayerNormalization into opset 14 graphs (it registers the operator in
// the default domain since opset 1); it runs there as at opset 17.
func TestLayerNormalizationBeforeOpset17(t *testing.T) {
	args := []arg{{t: ft([]int{2, 3}, 1, 2, 4, -1, 0, 7)}, {t: ft([]int{3}, 1, 0.5, 2), init: true}, {t: ft([]int{3}, 0, 1, -1), init: true}}
	var want []float32
	for _, opset := range []int64{17, 14, 1} {
		out, err := runOp(t, opset, "LayerNormalization", 1, nil, args...)
		require.NoError(t, err, "opset %d", opset)
		if want == nil {
			want = out[0].Float
		}
		require.Equal(t, want, out[0].Float, "opset %d", opset)
	}
}
