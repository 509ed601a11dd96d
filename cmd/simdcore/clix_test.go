package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchSizeLimitsByClass: the int8 matrix kernels have the float
// ones' size limits (bench -kernel qgemv -sizes 60000 allocated a
// 60000×60000 matrix and died out of memory with a runtime trace).
func TestBenchSizeLimitsByClass(t *testing.T) {
	for _, c := range []struct{ kernel, size string }{
		{"qgemv", "16385"}, {"qgemvadd", "60000"}, {"gemvt", "16385"},
		{"qgemm", "4097"}, {"qgemmadd", "20000"}, {"gemm", "4097"},
	} {
		requireUsageError(t, "too large", "bench", "-kernel", c.kernel, "-sizes", c.size, "-time", "1ms")
	}
}

// fullWriter fails every write, as stdout on a full disk does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestOutputWriteErrorsFail: a command whose output cannot be written
// exits 2 with one line, never 0 (help, -h, onnx check and quantize
// ignored the error of their writes and reported success).
func TestOutputWriteErrorsFail(t *testing.T) {
	f := testFiles(t)
	for _, args := range [][]string{
		{"help"},
		{"train", "-h"},
		{"onnx", "check", "../../onnx/testdata/node/test_tanh/model.onnx"},
		{"quantize", "-model", f["net"], "-out", filepath.Join(f["dir"], "q.st")},
		{"generate", "-n", "3"},
	} {
		var errb bytes.Buffer
		require.Equal(t, 2, run(args, fullWriter{}, &errb), "%q: %s", args, errb.String())
		require.Equal(t, 1, strings.Count(errb.String(), "\n"), "%q: %q", args, errb.String())
		require.Contains(t, errb.String(), "no space left on device", "%q", args)
	}
}

// TestONNXCheckTolerances: onnx check refuses a NaN, infinite or
// negative tolerance (-rtol NaN reported every element a mismatch,
// -atol -1 likewise, with status 1 as if the model were wrong).
func TestONNXCheckTolerances(t *testing.T) {
	model := "../../onnx/testdata/node/test_tanh/model.onnx"
	for _, v := range []string{"NaN", "Inf", "-Inf"} {
		requireUsageError(t, "finite", "onnx", "check", "-rtol", v, model)
		requireUsageError(t, "finite", "onnx", "check", "-atol", v, model)
	}
	requireUsageError(t, "≥ 0", "onnx", "check", "-rtol", "-1", model)
	requireUsageError(t, "≥ 0", "onnx", "check", "-atol", "-1e-9", model)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"onnx", "check", "-rtol", "0", "-atol", "1e-3", model}, &out, &errb), errb.String())
}
