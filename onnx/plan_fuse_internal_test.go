package onnx

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTorchTransformerChainsFused: in every transformer torch exported
// (testdata/onnx/torch/tf_*, opset 14, layer norms and GELUs of both
// forms), each layer norm and GELU chain is fused: none of the operators
// only those chains use is left, and one LayerNormalization remains per
// pair of ReduceMeans, one Gelu per Erf or Tanh.
func TestTorchTransformerChainsFused(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/onnx/torch/tf_*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		m, err := ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err)
		count := func(nodes []*Node) map[string]int {
			c := map[string]int{}
			for _, n := range nodes {
				c[n.OpType]++
			}
			return c
		}
		before := count(m.Graph.Nodes)
		after := count(fusedPatterns(m.Graph, withoutWideningCasts(m.Graph)))
		require.NotZero(t, before["ReduceMean"], dir)
		require.Equal(t, before["ReduceMean"]/2, after["LayerNormalization"], dir)
		require.Equal(t, before["Erf"]+before["Tanh"], after["Gelu"], dir)
		for _, op := range []string{"ReduceMean", "Pow", "Sqrt", "Erf", "Tanh"} {
			require.Zero(t, after[op], "%s: %s left", dir, op)
		}
	}
}
