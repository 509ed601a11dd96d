package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/onnx"
)

// TestGeluMish: Gelu (opset 20) is the GELU kernel, or GELUTanh with
// approximate="tanh", bit for bit; Mish (opset 18) is x·tanh(softplus(x))
// in float64, rounded once (NaN at −∞, as torch and ONNX's reference
// give); an unknown approximation is refused.
func TestGeluMish(t *testing.T) {
	in := []float32{-30, -3, -1, -0.5, 0, float32(math.Copysign(0, -1)), 0.25, 1, 2.5, 30, float32(math.Inf(1)), float32(math.Inf(-1))}
	x := ft([]int{len(in)}, in...)
	for approx, f := range map[string]func(dst, src []float32){"none": kernel.GELU, "tanh": kernel.GELUTanh} {
		out, err := runOp(t, 20, "Gelu", 1, []pb{attrStr("approximate", approx)}, arg{t: x})
		require.NoError(t, err)
		want := make([]float32, len(in))
		f(want, in)
		require.Equal(t, want, out[0].Float, approx)
	}
	_, err := runOp(t, 20, "Gelu", 1, []pb{attrStr("approximate", "erf")}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 19, "Gelu", 1, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrUnsupported)

	out, err := runOp(t, 18, "Mish", 1, nil, arg{t: x})
	require.NoError(t, err)
	for i, v := range in {
		d := float64(v)
		want := float32(d * math.Tanh(math.Log1p(math.Exp(d))))
		if d > 30 || math.IsInf(d, 1) {
			want = v // softplus(x) = x there, tanh = 1
		}
		if math.IsInf(d, -1) {
			// −∞·tanh(0): NaN, as torch's mish and ONNX's reference give.
			require.True(t, out[0].Float[i] != out[0].Float[i], "Mish(-Inf) = %g", out[0].Float[i])
			continue
		}
		require.Equal(t, want, out[0].Float[i], "Mish(%g)", v)
	}
	nan := float32(math.NaN())
	out, err = runOp(t, 18, "Mish", 1, nil, arg{t: ft([]int{1}, nan)})
	require.NoError(t, err)
	require.True(t, out[0].Float[0] != out[0].Float[0])
}
