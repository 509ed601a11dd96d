package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestTrig holds the trigonometric and hyperbolic operators to float64
// math rounded once, NaN outside their domains.
func TestTrig(t *testing.T) {
	vals := []float32{-2, -0.5, 0, 0.25, 1, 3}
	for op, f := range map[string]func(float64) float64{
		"Sin": math.Sin, "Cos": math.Cos, "Tan": math.Tan, "Asin": math.Asin,
		"Acos": math.Acos, "Atan": math.Atan, "Sinh": math.Sinh, "Cosh": math.Cosh,
		"Asinh": math.Asinh, "Acosh": math.Acosh, "Atanh": math.Atanh,
	} {
		out, err := runOp(t, 9, op, 1, nil, arg{t: ft([]int{len(vals)}, vals...)})
		require.NoError(t, err, op)
		for i, v := range vals {
			want := float32(f(float64(v)))
			got := out[0].Float[i]
			if math.IsNaN(float64(want)) {
				require.True(t, math.IsNaN(float64(got)), "%s(%g) = %g", op, v, got)
				continue
			}
			require.Equal(t, want, got, "%s(%g)", op, v)
		}
	}
	_, err := runOp(t, 13, "Sin", 1, nil, arg{t: it(onnx.Int64, []int{1}, 1)})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}
