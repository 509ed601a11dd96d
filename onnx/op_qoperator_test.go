package onnx_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// Quantization parameters for the tests below: one value each.
func qs(v float32) arg                     { return arg{t: ft([]int{}, v), init: true} }
func qz(dt onnx.DataType, v int64) arg     { return arg{t: it(dt, []int{}, v), init: true} }
func qx(dt onnx.DataType, dims ...int) arg { return arg{t: it(dt, dims, make([]int64, prod(dims))...)} }

func prod(d []int) int {
	n := 1
	for _, v := range d {
		n *= v
	}
	return n
}

// TestQOperatorRefusals: malformed QOperator nodes (wrong ranks and
// types, parameters of the wrong shape, missing inputs and attributes,
// what ONNX Runtime does not define) are refused while planning with an
// error wrapping ErrUnsupported, ErrShape or ErrFormat, never a panic.
func TestQOperatorRefusals(t *testing.T) {
	u8, i8 := onnx.Uint8, onnx.Int8
	one := arg{t: ft([]int{1}, 0.5), init: true}
	two := arg{t: ft([]int{2}, 0.5, 0.5), init: true}
	gemm := func(a, b arg, rest ...arg) []arg {
		return append([]arg{a, qs(0.1), qz(a.t.DType, 0), b, qs(0.2), qz(b.t.DType, 0)}, rest...)
	}
	lookup := func(x arg) []arg { return []arg{x, qs(0.1), qz(x.t.DType, 0), qs(0.2), qz(x.t.DType, 0)} }
	pool := lookup
	for _, c := range []struct {
		name  string
		op    string
		attrs []pb
		args  []arg
		want  error
	}{
		{"QGemm of a 3-D A", "QGemm", nil, gemm(qx(u8, 2, 3, 4), qx(u8, 4, 2)), onnx.ErrShape},
		{"QGemm int8 by uint8", "QGemm", nil, gemm(qx(i8, 2, 3), qx(u8, 3, 2)), onnx.ErrUnsupported},
		{"QGemm of FLOAT A", "QGemm", nil, []arg{{t: ft([]int{2, 3}, 0, 0, 0, 0, 0, 0)}, qs(1), qz(u8, 0), qx(u8, 3, 2), qs(1), qz(u8, 0)}, onnx.ErrUnsupported},
		{"QGemm K mismatch", "QGemm", nil, gemm(qx(u8, 2, 3), qx(u8, 4, 2)), onnx.ErrShape},
		{"QGemm transB K mismatch", "QGemm", []pb{attrInt("transB", 1)}, gemm(qx(u8, 2, 3), qx(u8, 3, 2)), onnx.ErrShape},
		{"QGemm a_scale of two", "QGemm", nil, []arg{qx(u8, 2, 3), two, qz(u8, 0), qx(u8, 3, 2), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QGemm without a_zero_point", "QGemm", nil, []arg{qx(u8, 2, 3), qs(1), {}, qx(u8, 3, 2), qs(1), qz(u8, 0)}, onnx.ErrFormat},
		{"QGemm b_scale per column, b_zero_point not", "QGemm", nil, []arg{qx(u8, 2, 3), qs(1), qz(u8, 0), qx(u8, 3, 2), two, qz(u8, 0)}, onnx.ErrShape},
		{"QGemm b_scale of three for N=2", "QGemm", nil, []arg{qx(u8, 2, 3), qs(1), qz(u8, 0), qx(u8, 3, 2), {t: ft([]int{3}, 1, 1, 1), init: true}, {t: it(u8, []int{3}, 0, 0, 0), init: true}}, onnx.ErrShape},
		{"QGemm C of the wrong shape", "QGemm", nil, gemm(qx(u8, 2, 3), qx(u8, 3, 2), qx(onnx.Int32, 3, 2)), onnx.ErrShape},
		{"QGemm C not INT32", "QGemm", nil, gemm(qx(u8, 2, 3), qx(u8, 3, 2), qx(u8, 2)), onnx.ErrUnsupported},
		{"QGemm y_scale without y_zero_point", "QGemm", nil, gemm(qx(u8, 2, 3), qx(u8, 3, 2), arg{}, qs(1)), onnx.ErrUnsupported},
		{"QGemm y_zero_point of another type", "QGemm", nil, gemm(qx(u8, 2, 3), qx(u8, 3, 2), arg{}, qs(1), qz(i8, 0)), onnx.ErrUnsupported},
		{"QGemm K=0 with C", "QGemm", nil, gemm(qx(u8, 2, 0), qx(u8, 0, 2), qx(onnx.Int32, 2), qs(1), qz(u8, 0)), onnx.ErrUnsupported},
		{"QGemm K=0 to FLOAT", "QGemm", nil, gemm(qx(u8, 2, 0), qx(u8, 0, 2)), onnx.ErrUnsupported},
		{"QGemm K=0", "QGemm", nil, gemm(qx(u8, 2, 0), qx(u8, 0, 2), arg{}, qs(1), qz(u8, 3)), onnx.ErrUnsupported},
		{"QLinearSigmoid of FLOAT", "QLinearSigmoid", nil, []arg{{t: ft([]int{2}, 0, 0)}, qs(1), {}, qs(1), {}}, onnx.ErrUnsupported},
		{"QLinearSigmoid X_scale of two", "QLinearSigmoid", nil, []arg{qx(u8, 2), two, qz(u8, 0), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearLeakyRelu zero point of another type", "QLinearLeakyRelu", nil, []arg{qx(u8, 2), qs(1), qz(i8, 0), qs(1), qz(u8, 0)}, onnx.ErrUnsupported},
		{"QLinearLeakyRelu without Y_scale", "QLinearLeakyRelu", nil, []arg{qx(u8, 2), qs(1), qz(u8, 0)}, onnx.ErrFormat},
		{"QLinearLeakyRelu alpha of ints", "QLinearLeakyRelu", []pb{attrInts("alpha", 1)}, lookup(qx(u8, 2)), onnx.ErrFormat},
		{"QLinearConcat of four inputs", "QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8, 2), qs(1)}, onnx.ErrShape},
		{"QLinearConcat without axis", "QLinearConcat", nil, []arg{qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearConcat axis out of range", "QLinearConcat", []pb{attrInt("axis", 1)}, []arg{qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearConcat of a scalar", "QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearConcat ranks differ", "QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0), qx(u8, 2, 1), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearConcat dims differ", "QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8, 2, 3), qs(1), qz(u8, 0), qx(u8, 2, 1), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearConcat types differ", "QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0), qx(i8, 2), qs(1), qz(i8, 0)}, onnx.ErrUnsupported},
		{"QLinearConcat without a zero point", "QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8, 2), qs(1), {}}, onnx.ErrFormat},
		{"QLinearWhere of eight inputs", "QLinearWhere", nil, []arg{{t: it(onnx.Bool, []int{2}, 1, 0)}, qx(u8, 2), qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0), qs(1)}, onnx.ErrShape},
		{"QLinearWhere condition not BOOL", "QLinearWhere", nil, []arg{qx(u8, 2), qx(u8, 2), qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0), qs(1), qz(u8, 0)}, onnx.ErrUnsupported},
		{"QLinearWhere shapes do not broadcast", "QLinearWhere", nil, []arg{{t: it(onnx.Bool, []int{2}, 1, 0)}, qx(u8, 3), qs(1), qz(u8, 0), qx(u8, 2), qs(1), qz(u8, 0), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearSoftmax without opset", "QLinearSoftmax", nil, lookup(qx(u8, 2, 3)), onnx.ErrShape},
		{"QLinearSoftmax of four inputs", "QLinearSoftmax", []pb{attrInt("opset", 13)}, lookup(qx(u8, 2, 3))[:4], onnx.ErrShape},
		{"QLinearSoftmax of a scalar", "QLinearSoftmax", []pb{attrInt("opset", 13)}, lookup(qx(u8)), onnx.ErrShape},
		{"QLinearSoftmax axis out of range", "QLinearSoftmax", []pb{attrInt("opset", 11), attrInt("axis", 2)}, lookup(qx(u8, 2, 3)), onnx.ErrShape},
		{"QLinearSoftmax without Y_zero_point", "QLinearSoftmax", []pb{attrInt("opset", 13)}, append(lookup(qx(u8, 2, 3))[:4], arg{}), onnx.ErrFormat},
		{"QLinearGlobalAveragePool of a 2-D X", "QLinearGlobalAveragePool", nil, pool(qx(u8, 2, 3)), onnx.ErrShape},
		{"QLinearGlobalAveragePool of no positions", "QLinearGlobalAveragePool", nil, pool(qx(u8, 1, 2, 0)), onnx.ErrShape},
		{"QLinearGlobalAveragePool without a zero point", "QLinearGlobalAveragePool", nil, []arg{qx(u8, 1, 2, 3), qs(1), {}, qs(1), qz(u8, 0)}, onnx.ErrFormat},
		{"QLinearAveragePool without kernel_shape", "QLinearAveragePool", nil, pool(qx(u8, 1, 2, 3)), onnx.ErrShape},
		{"QLinearAveragePool with dilations", "QLinearAveragePool", []pb{attrInts("kernel_shape", 2), attrInts("dilations", 2)}, pool(qx(u8, 1, 2, 5)), onnx.ErrUnsupported},
		{"QLinearAveragePool pads as wide as the window", "QLinearAveragePool", []pb{attrInts("kernel_shape", 2), attrInts("pads", 2, 0)}, pool(qx(u8, 1, 2, 5)), onnx.ErrUnsupported},
		{"QLinearAveragePool of four spatial dimensions", "QLinearAveragePool", []pb{attrInts("kernel_shape", 1, 1, 1, 1)}, pool(qx(u8, 1, 1, 2, 2, 2, 2)), onnx.ErrUnsupported},
		{"QLinearAveragePool window beyond X", "QLinearAveragePool", []pb{attrInts("kernel_shape", 6)}, pool(qx(u8, 1, 2, 5)), onnx.ErrShape},
		{"QLinearAveragePool scale of one as [1]", "QLinearAveragePool", []pb{attrInts("kernel_shape", 2)}, []arg{qx(u8, 1, 2, 5), one, qz(u8, 0), qs(1), qz(u8, 0)}, onnx.ErrShape},
		{"QLinearAveragePool without x_zero_point", "QLinearAveragePool", []pb{attrInts("kernel_shape", 2)}, []arg{qx(u8, 1, 2, 5), qs(1), {}, qs(1), qz(u8, 0)}, onnx.ErrFormat},
		{"QLinearAveragePool auto_pad unknown", "QLinearAveragePool", []pb{attrInts("kernel_shape", 2), attrStr("auto_pad", "FULL")}, pool(qx(u8, 1, 2, 5)), onnx.ErrUnsupported},
	} {
		_, _, err := msOpSession(t, c.op, 1, c.attrs, c.args...)
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v, want %v", c.name, err, c.want)
	}
}

// TestQOperatorEmptyAndRunErrors: zero-size tensors plan and run (to
// zero-size outputs); a
// QLinearGlobalAveragePool multiplier outside ONNX Runtime's range is an
// error wrapping ErrInput from Run.
func TestQOperatorEmptyAndRunErrors(t *testing.T) {
	u8 := onnx.Uint8
	for _, c := range []struct {
		op    string
		attrs []pb
		args  []arg
		want  []int64
	}{
		{"QLinearSigmoid", nil, []arg{qx(u8, 0, 3), qs(0.1), qz(u8, 0), qs(0.1), qz(u8, 0)}, []int64{}},
		{"QLinearSoftmax", []pb{attrInt("opset", 13)}, []arg{qx(u8, 2, 0), qs(0.1), qz(u8, 0), qs(0.1), qz(u8, 0)}, []int64{}},
		{"QGemm", nil, []arg{qx(u8, 0, 3), qs(1), qz(u8, 0), qx(u8, 3, 2), qs(1), qz(u8, 0)}, []int64{}},
		{"QLinearConcat", []pb{attrInt("axis", 0)}, []arg{qs(1), qz(u8, 0), qx(u8, 0), qs(1), qz(u8, 0), qx(u8, 0), qs(2), qz(u8, 1)}, []int64{}},
	} {
		s, outs, err := msOpSession(t, c.op, 1, c.attrs, c.args...)
		require.NoError(t, err, c.op)
		got, err := runSession(s, outs, c.args)
		require.NoError(t, err, c.op)
		require.Equal(t, c.want, append([]int64{}, got[0].Int...), c.op)
	}
	// x_scale/(y_scale·H) = 1/(0.001·3) ≥ 256
	args := []arg{qx(u8, 1, 1, 3), qs(1), qz(u8, 0), qs(0.001), qz(u8, 0)}
	s, outs, err := msOpSession(t, "QLinearGlobalAveragePool", 1, nil, args...)
	require.NoError(t, err)
	_, err = runSession(s, outs, args)
	require.ErrorIs(t, err, onnx.ErrInput)
}

// TestQLinearSoftmaxOverflow: ONNX Runtime 1.31's outputs (probed) where
// QLinearSoftmax's t·S overflows float32: one element of weight FLT_MAX/e⁵
// times S = floor(1/Y_scale) above e⁵ ≈ 148.4 is +Inf, which uint8 turns
// into the zero point and int8 (−2^31 plus the zero point, wrapped, then
// saturated) into −128 or 127; below it, S exactly.
func TestQLinearSoftmaxOverflow(t *testing.T) {
	for _, c := range []struct {
		dt   onnx.DataType
		x    []int64
		ys   float32
		yz   int64
		want []int64
	}{
		{onnx.Uint8, []int64{54}, 1.0 / 256, 0, []int64{0}},
		{onnx.Uint8, []int64{54}, 1.0 / 256, 5, []int64{5}},
		{onnx.Uint8, []int64{54}, 1.0 / 128, 0, []int64{128}},
		{onnx.Uint8, []int64{54, 54}, 1.0 / 257, 0, []int64{128, 128}},
		{onnx.Uint8, []int64{54, 54}, 1.0 / 300, 0, []int64{0, 0}},
		{onnx.Int8, []int64{54}, 1.0 / 256, -128, []int64{127}},
		{onnx.Int8, []int64{54}, 1.0 / 256, 10, []int64{-128}},
		{onnx.Int8, []int64{54}, 1.0 / 129, -128, []int64{1}},
		{onnx.Int8, []int64{54, 54}, 1.0 / 256, -128, []int64{0, 0}},
	} {
		args := []arg{{t: it(c.dt, []int{1, len(c.x)}, c.x...)}, qs(0.03), qz(c.dt, 0), qs(c.ys), qz(c.dt, c.yz)}
		s, outs, err := msOpSession(t, "QLinearSoftmax", 1, []pb{attrInt("opset", 13)}, args...)
		require.NoError(t, err)
		got, err := runSession(s, outs, args)
		require.NoError(t, err)
		require.Equal(t, c.want, got[0].Int, "%v %v Y_scale 1/%v Y_zero_point %d", c.dt, c.x, 1/c.ys, c.yz)
	}
}
