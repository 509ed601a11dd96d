package onnx_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// ortOptimizedTol bounds |ours − ONNX Runtime| on the graphs ONNX Runtime
// 1.31's optimizer saved (testdata/ortopt), in units of max(1, |ONNX
// Runtime's value|), by kind of model: the float models (FusedConv,
// FusedMatMul, Gelu, SkipLayerNormalization, LayerNormalization…) through
// several layers, and the int8 ones (DynamicQuantizeMatMul, QGemm,
// QLinearConv, QLinearMatMul, MaxPool of uint8), whose exact integer sums
// agree, so that only the float steps between them differ. Measured on
// the committed cases at AVX2, the generic level and NEON: 1.15e-6 for the
// float models (the GPT decoder's logits), 2.6e-7 for the dynamically
// quantized ones, 1.8e-7 for the QDQ ones.
var ortOptimizedTol = map[string]float64{
	"float": 1.5e-6,
	"dyn":   5e-7,
	"qdq":   5e-7,
}

// TestORTOptimizedFixtures runs the graphs that ONNX Runtime 1.31 saved
// after optimizing (SessionOptions.optimizedModelFilePath at the levels
// basic and extended) small torch models of the kinds the tests use, and
// their int8 versions (scripts/ort_optimized: a keyword-spotting CNN, a
// CRNN with a GRU, LSTM and GRU nets, an MLP with GELU, transformer encoder
// layers norm first and last with ReLU and GELU at opsets 14 and 17, a tiny
// GPT-style decoder), and requires each output within ortOptimizedTol of
// ONNX Runtime's own run of the saved graph, and a Run that allocates
// nothing.
func TestORTOptimizedFixtures(t *testing.T) {
	n := runORTFixtures(t, "testdata/ortopt", func(t *testing.T, dir, name string, want, got *onnx.Tensor) {
		kind := "float"
		base := filepath.Base(dir)
		for k := range ortOptimizedTol {
			if strings.Contains(base, "_"+k+".") {
				kind = k
			}
		}
		tol := ortOptimizedTol[kind]
		require.Equal(t, want.Dims, got.Dims, name)
		worst := 0.0
		for k, w := range want.Float {
			g := got.Float[k]
			d := math.Abs(float64(g)-float64(w)) / math.Max(1, math.Abs(float64(w)))
			worst = math.Max(worst, d)
			require.True(t, g == w || d <= tol, "%s[%d]: got %v, want %v", name, k, g, w)
		}
		t.Logf("%s: worst %.3g", name, worst)
	})
	require.GreaterOrEqual(t, n, 20, "the committed cases")
}
