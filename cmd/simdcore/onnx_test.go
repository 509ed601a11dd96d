package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/simdcore/simdcore/internal/race"
)

// nodeTest is a committed ONNX node test (see onnx/testdata/node).
func nodeTest(name string) string {
	return filepath.Join("..", "..", "onnx", "testdata", "node", name)
}

// doubleModel writes a model that Session refuses for its data type, an
// Identity of a DOUBLE input of shape [1], with a test_data_set_0 beside
// it, and returns its path.
func doubleModel(t *testing.T) string {
	msg := func(fields ...[]byte) []byte { return bytes.Join(fields, nil) }
	field := func(num protowire.Number, b []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
	}
	varint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	// TypeProto.tensor_type: elem_type DOUBLE (11), shape [1]
	ty := field(1, msg(varint(1, 11), field(2, field(1, varint(1, 1)))))
	graph := msg(
		field(1, msg(field(1, []byte("x")), field(2, []byte("y")), field(4, []byte("Identity")))),
		field(2, []byte("g")),
		field(11, msg(field(1, []byte("x")), field(2, ty))),
		field(12, msg(field(1, []byte("y")), field(2, ty))),
	)
	model := msg(varint(1, 8), field(7, graph), field(8, varint(2, 13)))
	dir := t.TempDir()
	path := filepath.Join(dir, "model.onnx")
	require.NoError(t, os.WriteFile(path, model, 0o644))
	set := filepath.Join(dir, "test_data_set_0")
	require.NoError(t, os.Mkdir(set, 0o755))
	for _, name := range []string{"input_0.pb", "output_0.pb"} {
		// TensorProto: dims [1], DOUBLE, raw_data 1.0
		tensor := msg(varint(1, 1), varint(2, 11), field(9, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}))
		require.NoError(t, os.WriteFile(filepath.Join(set, name), tensor, 0o644))
	}
	return path
}

func TestONNXCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	model := filepath.Join(nodeTest("test_gemm_all_attributes"), "model.onnx")
	status := run([]string{"onnx", "check", model}, &out, &errOut)
	assert.Equal(t, 0, status, errOut.String())
	assert.Contains(t, out.String(), "test_data_set_0 y: ok, max |diff|")

	// A data set named explicitly.
	out.Reset()
	status = run([]string{"onnx", "check", model, filepath.Join(nodeTest("test_gemm_all_attributes"), "test_data_set_0")}, &out, &errOut)
	assert.Equal(t, 0, status, errOut.String())

	// An expected output that differs: status 1, the worst error printed.
	dir := t.TempDir()
	set := filepath.Join(dir, "test_data_set_0")
	require.NoError(t, os.MkdirAll(set, 0o755))
	src := nodeTest("test_relu")
	copyFile(t, filepath.Join(src, "model.onnx"), filepath.Join(dir, "model.onnx"))
	copyFile(t, filepath.Join(src, "test_data_set_0", "input_0.pb"), filepath.Join(set, "input_0.pb"))
	// The expected output of another test of the same shape (softmax).
	copyFile(t, filepath.Join(nodeTest("test_softmax_default_axis"), "test_data_set_0", "output_0.pb"), filepath.Join(set, "output_0.pb"))
	out.Reset()
	errOut.Reset()
	status = run([]string{"onnx", "check", filepath.Join(dir, "model.onnx")}, &out, &errOut)
	assert.Equal(t, 1, status, errOut.String())
	assert.Contains(t, out.String(), "MISMATCH")
	assert.Empty(t, errOut.String())

	// An unsupported data type: status 2, one line naming it.
	out.Reset()
	errOut.Reset()
	status = run([]string{"onnx", "check", doubleModel(t)}, &out, &errOut)
	assert.Equal(t, 2, status)
	assert.Equal(t, 1, strings.Count(errOut.String(), "\n"))
	assert.Contains(t, errOut.String(), "DOUBLE")

	// Usage errors.
	errOut.Reset()
	assert.Equal(t, 2, run([]string{"onnx"}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"onnx", "check"}, &out, &errOut))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

// TestONNXTime: onnx time plans the model on its data set, runs it for
// the duration asked and reports the runs and allocations (none); bad
// flags and missing files are one-line errors with status 2.
func TestONNXTime(t *testing.T) {
	var out, errOut bytes.Buffer
	model := filepath.Join(nodeTest("test_gemm_all_attributes"), "model.onnx")
	require.Equal(t, 0, run([]string{"onnx", "time", "-for", "50ms", "-threads", "1", model}, &out, &errOut), errOut.String())
	assert.Regexp(t, `test_data_set_0: \d+ runs, median .+, fastest .+ per Run, \d+\.\d\d allocations per Run`, out.String())
	if !race.Enabled { // the kernels' pooled scratch (sync.Pool) drops items at random under the detector
		assert.Contains(t, out.String(), " 0.00 allocations per Run")
	}
	for _, args := range [][]string{
		{"onnx", "time"},
		{"onnx", "time", "-for", "-1s", model},
		{"onnx", "time", "-threads", "-2", model},
		{"onnx", "time", model, "a", "b"},
		{"onnx", "time", filepath.Join(t.TempDir(), "model.onnx")},
		{"onnx", "time", doubleModel(t)},
	} {
		errOut.Reset()
		assert.Equal(t, 2, run(args, &out, &errOut), "%v", args)
		assert.Equal(t, 1, strings.Count(errOut.String(), "\n"), "%v: %q", args, errOut.String())
	}
}

// TestRunTimesBounded: onnx time keeps at most maxTimedRuns run times,
// however many runs it times (it kept every one: -for 1h of a 150 ns
// model needed tens of gigabytes), and its median is the median of a
// uniform sample of them.
func TestRunTimesBounded(t *testing.T) {
	r := newRunTimes()
	const n = 4 * maxTimedRuns
	for i := range n {
		r.add(time.Duration(n - i)) // 1..n ns, slowest first
	}
	assert.Equal(t, n, r.runs)
	assert.Len(t, r.kept, maxTimedRuns)
	assert.Equal(t, time.Duration(1), r.fastest)
	assert.InDelta(t, float64(n/2), float64(r.median()), n/100)
	assert.Zero(t, newRunTimes().median())
}

// TestONNXDataSetsBesideLiteralDir: the data sets beside a model are
// those of its own directory, even when its name is also a pattern.
func TestONNXDataSetsBesideLiteralDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "m[1]")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "test_data_set_0"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "m1", "test_data_set_0"), 0o755))
	assert.Equal(t, []string{filepath.Join(dir, "test_data_set_0")}, dataSetsBeside(filepath.Join(dir, "model.onnx")))
}
