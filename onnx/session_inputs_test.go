package onnx_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestRunRefusesReplacedInputs: an input whose values slice was replaced
// (shorter, longer, nil, or a new slice of the right length), whose Dims
// or DType changed, is refused by Run with ErrInput before any node runs,
// where kernels used to panic on the wrong length (or read the planned
// slice, ignoring the new values); with the input put back, the session
// runs as before.
func TestRunRefusesReplacedInputs(t *testing.T) {
	for _, name := range []string{"gru", "masked_mean", "mha", "kws_cnn"} {
		dir := filepath.Join("../testdata/onnx/torch", name)
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err)
		want := runDataSet(t, nil, m, filepath.Join(dir, "test_data_set_0"))
		s, err := onnx.LoadDataSet(m, filepath.Join(dir, "test_data_set_0"))
		require.NoError(t, err)
		for _, in := range s.InputNames() {
			x := s.Input(in)
			saved := *x
			edits := map[string]func(){
				"shorter": func() { x.Float, x.Int = x.Float[:len(x.Float)/2], x.Int[:len(x.Int)/2] },
				"longer":  func() { x.Float, x.Int = append(x.Float, 1), append(x.Int, 1) },
				"nil":     func() { x.Float, x.Int = nil, nil },
				"new slice": func() {
					x.Float, x.Int = append([]float32(nil), x.Float...), append([]int64(nil), x.Int...)
				},
				"dims":  func() { x.Dims = append([]int{1}, x.Dims...) },
				"dtype": func() { x.DType = onnx.Double },
			}
			for what, edit := range edits {
				edit()
				require.ErrorIs(t, s.Run(), onnx.ErrInput, "%s: input %q: %s", name, in, what)
				*x = saved
				require.NoError(t, s.Run())
				for i, o := range s.OutputNames() {
					require.True(t, sameBits(s.Output(o), want[i]), "%s: output %q after a refused Run", name, o)
				}
			}
		}
	}
}
