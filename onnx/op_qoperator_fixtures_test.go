package onnx_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestQOperatorFixtures runs the committed cases of ONNX Runtime's
// QOperator-format operators (testdata/qoperator: random single nodes of
// QGemm, QLinearConcat, QLinearSigmoid, QLinearLeakyRelu,
// QLinearGlobalAveragePool, QLinearAveragePool, QLinearSoftmax and
// QLinearWhere, and chains of them, made by
// scripts/int8_crosscheck/gen_qop.py) and requires ONNX Runtime 1.31's
// outputs bit for bit, and a Run that allocates nothing.
func TestQOperatorFixtures(t *testing.T) {
	n := runORTFixtures(t, "testdata/qoperator", func(t *testing.T, _ string, name string, want, got *onnx.Tensor) {
		require.Equal(t, want.Len(), got.Len(), name)
		for k, w := range want.Float {
			require.Equal(t, math.Float32bits(w), math.Float32bits(got.Float[k]), "%s[%d]: got %v, want %v", name, k, got.Float[k], w)
		}
	})
	require.GreaterOrEqual(t, n, 40, "the committed cases")
}

// runORTFixtures runs each case directory under root (model.onnx and
// test_data_set_0, outputs from ONNX Runtime) as a subtest: every output's
// data type and integer values must equal ONNX Runtime's, compare checks
// the rest (dir is the case's directory), and Run must allocate nothing.
// It returns the number of cases.
func runORTFixtures(t *testing.T, root string, compare func(t *testing.T, dir, name string, want, got *onnx.Tensor)) int {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "*"))
	require.NoError(t, err)
	n := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
			require.NoError(t, err)
			data := filepath.Join(dir, "test_data_set_0")
			s, err := onnx.LoadDataSet(m, data)
			require.NoError(t, err)
			require.NoError(t, s.Run())
			for i, out := range m.Graph.Outputs {
				want, err := onnx.ReadTensorFile(filepath.Join(data, fmt.Sprintf("output_%d.pb", i)))
				require.NoError(t, err)
				got := s.Output(out.Name)
				require.Equal(t, want.DType, got.DType, out.Name)
				require.Equal(t, want.Int, got.Int, out.Name) // integer outputs bit for bit
				compare(t, dir, out.Name, want, got)
			}
			if !raceEnabled {
				require.Zero(t, testing.AllocsPerRun(5, func() { _ = s.Run() }))
			}
		})
	}
	return n
}
