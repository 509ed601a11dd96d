package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// TestQuantizeNetThenRun: quantize writes a quantized network that Load
// reads as quantized and run runs, prints the size saved and the largest
// output difference, and the outputs run prints are the quantized
// network's.
func TestQuantizeNetThenRun(t *testing.T) {
	f := testFiles(t)
	out := filepath.Join(f["dir"], "q.safetensors")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"quantize", "-model", f["net"], "-out", out}, &stdout, &stderr), stderr.String())
	// This network is so small that the int8 scales outweigh the savings.
	require.Contains(t, stdout.String(), "larger")
	require.Contains(t, stdout.String(), "max |int8 - float|")
	q, err := rnn.Load(out)
	require.NoError(t, err)
	require.True(t, q.Quantized())

	xs := kernel.MatrixFrom(3, 3, []float32{1, 0, 0, 0, 1, 0, 0.5, -0.5, 2})
	want, err := q.Forward(xs)
	require.NoError(t, err)
	stdout.Reset()
	require.Equal(t, 0, run([]string{"run", "-model", out, "-input", f["in.json"]}, &stdout, &stderr), stderr.String())
	var got [][]float32
	require.NoError(t, jsonUnmarshal(stdout.Bytes(), &got))
	require.Len(t, got, 3)
	for i := range got {
		require.Equal(t, want.Row(i), got[i])
	}
}

// TestQuantizeLMThenGenerate: quantize on a trained language model
// prints the perplexity of both models on -text, and generate runs the
// quantized file.
func TestQuantizeLMThenGenerate(t *testing.T) {
	f := testFiles(t)
	in := saveRNNLM(t, filepath.Join(f["dir"], "lm.safetensors"), rnn.LMConfig{Cell: rnn.LSTM, Vocab: 256, Embed: 8, Hidden: 32}, 3, rnn.Bytes{})
	out := filepath.Join(f["dir"], "lmq.safetensors")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"quantize", "-model", in, "-out", out, "-text", f["corpus.txt"]}, &stdout, &stderr), stderr.String())
	require.Contains(t, stdout.String(), "perplexity on "+f["corpus.txt"])
	q, err := rnn.LoadLM(out)
	require.NoError(t, err)
	require.True(t, q.Net.Quantized())
	stdout.Reset()
	require.Equal(t, 0, run([]string{"generate", "-model", out, "-n", "20", "-prompt", "the "}, &stdout, &stderr), stderr.String())
	require.NotEmpty(t, strings.TrimSpace(stdout.String()))
}

// TestQuantizeRefuses: the flags and paths quantize refuses, each before
// writing anything, with one line and status 2.
func TestQuantizeRefuses(t *testing.T) {
	f := testFiles(t)
	out := filepath.Join(f["dir"], "q.safetensors")
	requireUsageError(t, "-model FILE and -out FILE are required", "quantize", "-model", f["net"])
	requireUsageError(t, "-model FILE and -out FILE are required", "quantize", "-out", out)
	requireUsageError(t, "it would be overwritten", "quantize", "-model", f["net"], "-out", f["net"], "-force")
	requireUsageError(t, "exists (-force replaces it)", "quantize", "-model", f["net"], "-out", f["in.csv"])
	requireUsageError(t, "is not a regular file", "quantize", "-model", f["net"], "-out", f["dir"])
	requireUsageError(t, "no such file", "quantize", "-model", filepath.Join(f["dir"], "none"), "-out", out)
	requireUsageError(t, "malformed", "quantize", "-model", f["garbage.st"], "-out", out)
	requireUsageError(t, "unexpected argument", "quantize", "-model", f["net"], "-out", out, "extra")
	_, err := os.Stat(out)
	require.ErrorIs(t, err, os.ErrNotExist, "a refused quantize wrote -out")

	// A link to the model is the model.
	link := filepath.Join(f["dir"], "link.safetensors")
	require.NoError(t, os.Symlink(f["net"], link))
	requireUsageError(t, "it would be overwritten", "quantize", "-model", f["net"], "-out", link, "-force")

	// A quantized model is refused, and so is an LM's text it cannot encode.
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"quantize", "-model", f["net"], "-out", out}, &stdout, &stderr), stderr.String())
	requireUsageError(t, "quantized already", "quantize", "-model", out, "-out", filepath.Join(f["dir"], "q2.safetensors"))
}
