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
