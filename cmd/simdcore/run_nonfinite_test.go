package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// TestRunNonFiniteWeights: a model with a NaN weight is refused, naming
// the tensor; -allow-nonfinite runs it and writes NaN (null in JSON). The
// old command printed NaN and exited 0.
func TestRunNonFiniteWeights(t *testing.T) {
	f := testFiles(t)
	file, err := weights.Open(f["net"])
	require.NoError(t, err)
	var ts []weights.Tensor
	for _, n := range file.Names() {
		tt, err := file.Tensor(n)
		require.NoError(t, err)
		if n == "weight_hh_l0" {
			tt.Data[0] = float32(math.NaN())
		}
		ts = append(ts, tt)
	}
	path := filepath.Join(f["dir"], "nan.safetensors")
	require.NoError(t, weights.Save(path, ts, file.Metadata()))

	var out, errb bytes.Buffer
	require.Equal(t, 2, run([]string{"run", "-model", path, "-input", f["in.csv"]}, &out, &errb))
	require.Contains(t, errb.String(), `tensor "weight_hh_l0" holds NaN at index [0 0]`)
	require.Empty(t, out.String())

	out.Reset()
	errb.Reset()
	require.Equal(t, 0, run([]string{"run", "-model", path, "-input", f["in.csv"], "-allow-nonfinite"}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "NaN")

	out.Reset()
	require.Equal(t, 0, run([]string{"run", "-model", path, "-input", f["in.json"], "-allow-nonfinite"}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "null")
	var got [][]*float32
	require.NoError(t, jsonUnmarshal(out.Bytes(), &got), "JSON output with non-finite values stays valid JSON")
}

// TestRunNonFiniteOutputs: finite weights and inputs whose outputs
// overflow are an error naming the first bad output, with nothing
// written; -allow-nonfinite writes them.
func TestRunNonFiniteOutputs(t *testing.T) {
	dir := t.TempDir()
	net, err := rnn.New(rnn.Config{Input: 3, Hidden: 5, Output: 2, Activation: rnn.ReLU}, 7)
	require.NoError(t, err)
	for _, p := range net.Params() {
		for i := range p.Data {
			p.Data[i] = 10
		}
	}
	model := filepath.Join(dir, "big.safetensors")
	require.NoError(t, net.Save(model, nil))
	in := filepath.Join(dir, "big.csv")
	require.NoError(t, os.WriteFile(in, []byte("1,1,1\n3e38,3e38,3e38\n"), 0o644))

	var out, errb bytes.Buffer
	require.Equal(t, 2, run([]string{"run", "-model", model, "-input", in}, &out, &errb))
	require.Contains(t, errb.String(), "output row 2 column 1 is +Inf")
	require.Empty(t, out.String())

	out.Reset()
	errb.Reset()
	require.Equal(t, 0, run([]string{"run", "-model", model, "-input", in, "-allow-nonfinite"}, &out, &errb), errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	require.Equal(t, "+Inf,+Inf", lines[1])
}
