package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestCastFromHalf: a FLOAT16 or BFLOAT16 initializer or Constant (weights
// stored at half size) cast to FLOAT gives its values exactly, and to INT64
// and BOOL as FLOAT would; other operators take FLOAT16 too (plan_half.go),
// casting to FLOAT16 rounds to half, and casting to BFLOAT16 is refused.
func TestCastFromHalf(t *testing.T) {
	// FLOAT16 bits: 1, -2.5, 65504, the smallest subnormal, -0, +Inf, NaN.
	half := []int64{0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00}
	// BFLOAT16 bits: 1, -2.5, 3.3895314e38, -Inf.
	bf := []int64{0x3f80, 0xc020, 0x7f7f, 0xff80}
	cast := func(dt onnx.DataType, bits []int64, to onnx.DataType) (*onnx.Tensor, error) {
		m, err := onnx.Parse(model(13, graph("g", graphSpec{
			inits:   []pb{intTensor("w", dt, []int64{int64(len(bits))}, bits...)},
			nodes:   []pb{node("Cast", []string{"w"}, []string{"y"}, attrInt("to", int64(to)))},
			outputs: []pb{pb{}.str(1, "y")},
		})))
		require.NoError(t, err)
		s, err := onnx.NewSession(m, nil, nil)
		if err != nil {
			return nil, err
		}
		require.NoError(t, s.Run())
		return s.Output("y"), nil
	}
	y, err := cast(onnx.Float16, half, onnx.Float)
	require.NoError(t, err)
	require.Equal(t, onnx.Float, y.DType)
	require.Equal(t, []float32{1, -2.5, 65504, float32(math.Ldexp(1, -24))}, y.Float[:4])
	require.True(t, math.Signbit(float64(y.Float[4])) && y.Float[4] == 0, "-0")
	require.True(t, math.IsInf(float64(y.Float[5]), 1))
	require.True(t, y.Float[6] != y.Float[6], "NaN")
	y, err = cast(onnx.Float16, half[:5], onnx.Int64)
	require.NoError(t, err)
	require.Equal(t, []int64{1, -2, 65504, 0, 0}, y.Int)
	y, err = cast(onnx.Float16, half[:5], onnx.Bool)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 1, 1, 1, 0}, y.Int)
	y, err = cast(onnx.BFloat16, bf, onnx.Float)
	require.NoError(t, err)
	require.Equal(t, []float32{1, -2.5, 3.3895314e38, float32(math.Inf(-1))}, y.Float)

	m, err := onnx.Parse(model(13, graph("g", graphSpec{
		nodes: []pb{
			node("Constant", nil, []string{"c"}, attrTensor("value", intTensor("", onnx.Float16, []int64{2}, half[:2]...))),
			node("Cast", []string{"c"}, []string{"y"}, attrInt("to", int64(onnx.Float))),
		},
		outputs: []pb{pb{}.str(1, "y")},
	})))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.NoError(t, s.Run())
	require.Equal(t, []float32{1, -2.5}, s.Output("y").Float)
	m, err = onnx.Parse(model(13, graph("g", graphSpec{
		nodes: []pb{
			node("Constant", nil, []string{"c"}, attrTensor("value", intTensor("", onnx.Float16, []int64{2}, half[:2]...))),
			node("Neg", []string{"c"}, []string{"z"}),
		},
		outputs: []pb{pb{}.str(1, "z")},
	})))
	require.NoError(t, err)
	s, err = onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.NoError(t, s.Run())
	require.Equal(t, onnx.Float16, s.Output("z").DType)
	require.Equal(t, []float32{-1, 2.5}, s.Output("z").Float)

	// FLOAT to FLOAT16: to nearest even (1+2^-11 is a tie, to 1), beyond
	// 65504 to Inf from the threshold 65520, subnormals kept.
	m, err = onnx.Parse(model(13, graph("g", graphSpec{
		inits:   []pb{floatTensor("w", []int64{6}, 1+0x1p-11, 1+0x3p-11, 65519, 65520, -0x1p-24, 0x1p-26)},
		nodes:   []pb{node("Cast", []string{"w"}, []string{"y"}, attrInt("to", int64(onnx.Float16)))},
		outputs: []pb{pb{}.str(1, "y")},
	})))
	require.NoError(t, err)
	s, err = onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	require.NoError(t, s.Run())
	y = s.Output("y")
	require.Equal(t, onnx.Float16, y.DType)
	require.Equal(t, []float32{1, 1 + 0x1p-9, 65504, float32(math.Inf(1)), -0x1p-24, 0}, y.Float)

	_, err = cast(onnx.Float, nil, onnx.BFloat16)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.Contains(t, err.Error(), "cast to BFLOAT16")
}

// TestHalfNaNs: FLOAT16 values that are NaNs are half NaNs, quiet, of the
// sign and leading payload bits of the float32 they round: the bits ONNX
// Runtime 1.31 gives on amd64 for Cast from FLOAT (each float32 pattern
// beside its half) and for Relu, Sqrt and Add(x, x) of FLOAT16 NaNs
// (each half beside what the three give for it). Relu of an initializer,
// whose halves it copies, keeps a signalling NaN as it is (a half too).
func TestHalfNaNs(t *testing.T) {
	fromBits := func(bits ...uint32) []float32 {
		f := make([]float32, len(bits))
		for i, b := range bits {
			f[i] = math.Float32frombits(b)
		}
		return f
	}
	requireHalves := func(what string, y *onnx.Tensor, halves ...uint16) {
		t.Helper()
		require.Equal(t, onnx.Float16, y.DType, what)
		for i, h := range halves {
			// the float32 of a half NaN: sign, exponent, mantissa<<13
			want := uint32(h&0x8000)<<16 | 0x7f800000 | uint32(h&0x3ff)<<13
			require.Equal(t, want, math.Float32bits(y.Float[i]), "%s [%d]: want half %#x", what, i, h)
		}
	}
	x := ft([]int{8}, fromBits(0x7fc00000, 0x7fc00001, 0x7f800001, 0xffc12345, 0x7fa00000, 0xff800001, 0x7f802000, 0x7fffffff)...)
	out, err := runOp(t, 13, "Cast", 1, []pb{attrInt("to", int64(onnx.Float16))}, arg{t: x})
	require.NoError(t, err)
	requireHalves("Cast", out[0], 0x7e00, 0x7e00, 0x7e00, 0xfe09, 0x7f00, 0xfe00, 0x7e01, 0x7fff)

	// FLOAT16 NaNs 0x7e00, 0x7e01, 0x7c01 (signalling), 0xfe55, 0x7d00
	// (signalling), 0xfc01 (signalling), 0x7fff, from an initializer (the
	// halves exactly) and from a graph input (their float32s, which Run
	// rounds to half).
	halves := []int64{0x7e00, 0x7e01, 0x7c01, 0xfe55, 0x7d00, 0xfc01, 0x7fff}
	var nodes, outputs []pb
	ops := map[string][]string{"w": {"Sqrt", "Add"}, "x": {"Relu", "Sqrt", "Add"}}
	for _, in := range []string{"w", "x"} {
		for _, op := range ops[in] {
			ins := []string{in}
			if op == "Add" {
				ins = append(ins, in)
			}
			nodes = append(nodes, node(op, ins, []string{op + "_" + in}))
			outputs = append(outputs, pb{}.str(1, op+"_"+in))
		}
	}
	m, err := onnx.Parse(model(13, graph("g", graphSpec{
		inits:   []pb{intTensor("w", onnx.Float16, []int64{7}, halves...)},
		inputs:  []pb{valueInfo("x", onnx.Float16, 7)},
		nodes:   nodes,
		outputs: outputs,
	})))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, fromBits(0x7fc00000, 0x7fc02000, 0x7f802000, 0xffcaa000, 0x7fa00000, 0xff802000, 0x7fffe000))
	require.NoError(t, s.Run())
	for _, in := range []string{"w", "x"} {
		for _, op := range ops[in] {
			requireHalves(op+"_"+in, s.Output(op+"_"+in), 0x7e00, 0x7e01, 0x7e01, 0xfe55, 0x7f00, 0xfe01, 0x7fff)
		}
	}
}
