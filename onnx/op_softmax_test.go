package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSoftmaxAllMasked: a row of −Inf only is NaN in Softmax and
// LogSoftmax, as the ONNX definition exp(x − max)/Σ gives it and as onnx's
// reference, ONNX Runtime and torch write it: an exported Transformer
// whose query has every key masked (a fully padded sequence, an attention
// mask row of −Inf) gave zeros here, the kernels' answer for attn's masks,
// and failed onnx check against torch. Other rows keep the kernels'
// values, a −Inf key 0 and an underflowing first element included; the
// inner-axis path and the flattening of opset 11 agree.
func TestSoftmaxAllMasked(t *testing.T) {
	inf := float32(math.Inf(-1))
	nan := float32(math.NaN())
	x := ft([]int{4, 3}, inf, inf, inf, inf, 0, 0, -200, 0, inf, 1, 2, 3)
	soft := []float32{nan, nan, nan, 0, .5, .5, float32(math.Exp(-200)), 1, 0}
	logSoft := []float32{nan, nan, nan, inf, -float32(math.Ln2), -float32(math.Ln2), -200, 0, inf}
	for _, c := range []struct {
		op   string
		want []float32
	}{{"Softmax", soft}, {"LogSoftmax", logSoft}} {
		for _, opset := range []int64{11, 13} {
			out, err := runOp(t, opset, c.op, 1, nil, arg{t: x})
			require.NoError(t, err)
			requireRows(t, c.op, c.want, out[0].Float[:9])
			// The last row is the kernels' own.
			require.False(t, math.IsNaN(float64(out[0].Float[9])), c.op)
		}
		// Over axis 0 of the transpose: the inner-axis path.
		xt := ft([]int{3, 4}, inf, inf, -200, 1, inf, 0, 0, 2, inf, 0, inf, 3)
		out, err := runOp(t, 13, c.op, 1, []pb{attrInt("axis", 0)}, arg{t: xt})
		require.NoError(t, err)
		got := make([]float32, 9)
		for r := range 3 {
			for k := range 3 {
				got[r*3+k] = out[0].Float[k*4+r]
			}
		}
		requireRows(t, c.op+" axis 0", c.want, got)
	}
}

// requireRows compares with NaN matching NaN and a relative 1e-6.
func requireRows(t *testing.T, what string, want, got []float32) {
	t.Helper()
	for i, w := range want {
		g := got[i]
		if math.IsNaN(float64(w)) {
			require.True(t, math.IsNaN(float64(g)), "%s[%d] = %v, want NaN", what, i, g)
			continue
		}
		require.InDelta(t, w, g, 1e-6*math.Max(1, math.Abs(float64(w))), "%s[%d]", what, i)
	}
}
