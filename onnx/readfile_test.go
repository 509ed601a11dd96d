package onnx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// copyFile copies the file src to dst.
func copyFile(t *testing.T, src, dst string) {
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o644))
}

// TestReadFileNotRegular: a directory or a device given as a model or a
// tensor is refused at once (os.ReadFile read /dev/zero until memory ran
// out).
func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	paths := []string{dir}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		_, err := onnx.ReadFile(p)
		require.ErrorContains(t, err, "not a regular file", p)
		_, err = onnx.ReadTensorFile(p)
		require.ErrorContains(t, err, "not a regular file", p)
	}
}

// TestDataSetDirNamedLikePattern: a data set whose directory's name holds
// glob characters is read from that directory, not from the ones the name
// would match as a pattern; files numbered twice are refused.
func TestDataSetDirNamedLikePattern(t *testing.T) {
	src := filepath.Join("testdata", "node", "test_neg")
	m, err := onnx.ReadFile(filepath.Join(src, "model.onnx"))
	require.NoError(t, err)
	root := t.TempDir()
	set := filepath.Join(root, "set[1]")
	require.NoError(t, os.Mkdir(set, 0o755))
	for _, f := range []string{"input_0.pb", "output_0.pb"} {
		copyFile(t, filepath.Join(src, "test_data_set_0", f), filepath.Join(set, f))
	}
	checks, err := onnx.CheckDataSet(m, set, onnx.TestRTol, onnx.TestATol)
	require.NoError(t, err)
	require.Len(t, checks, 1)
	require.True(t, checks[0].Diff.OK(), "%+v", checks[0].Diff)

	// A directory the pattern set[1] matches must not be read.
	other := filepath.Join(root, "set1")
	require.NoError(t, os.Mkdir(other, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(other, "input_0.pb"), []byte{0xff}, 0o644))
	_, err = onnx.CheckDataSet(m, set, onnx.TestRTol, onnx.TestATol)
	require.NoError(t, err)

	copyFile(t, filepath.Join(set, "input_0.pb"), filepath.Join(set, "input_00.pb"))
	_, err = onnx.LoadDataSet(m, set)
	require.ErrorIs(t, err, onnx.ErrFormat)
	require.ErrorContains(t, err, "two files are number 0")
}
