package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
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

// TestQuantizeDefaultTextOutsideVocabulary: quantize without -text, as
// the README shows it, works on a model trained on another text than the
// embedded corpus: the corpus's characters outside the model's vocabulary
// are left out of the perplexity, and the report says how many (it used
// to fail on the first one, for any model but the embedded one).
func TestQuantizeDefaultTextOutsideVocabulary(t *testing.T) {
	f := testFiles(t)
	tok := rnn.NewChars("xyz") // few of the corpus's characters: a quick perplexity
	in := saveRNNLM(t, filepath.Join(f["dir"], "fox.st"), rnn.LMConfig{Cell: rnn.GRU, Vocab: tok.Vocab(), Embed: 4, Hidden: 8}, 1, tok)
	out := filepath.Join(f["dir"], "fox-int8.st")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"quantize", "-model", in, "-out", out}, &stdout, &stderr), stderr.String())
	require.Regexp(t, `perplexity on the embedded corpus \(\d+ tokens; [1-9]\d* characters outside the model's vocabulary left out`, stdout.String())
	require.FileExists(t, out)
}

// TestQuantizeTransformerRefused: quantize refuses a transformer LM with
// one line (it dereferenced the missing recurrent model: "internal
// error: invalid memory address").
func TestQuantizeTransformerRefused(t *testing.T) {
	f := testFiles(t)
	in, out := saveTinyTLM(t, filepath.Join(f["dir"], "tlm.st")), filepath.Join(f["dir"], "tlm-int8.st")
	requireUsageError(t, "is a transformer language model", "quantize", "-model", in, "-out", out)
	require.NoFileExists(t, out)
}

// TestQuantizedCheckpointNotResumable: quantize drops a checkpoint's
// optimiser metadata with its tensors, and train -resume refuses an int8
// model in one line that says why (it failed on "tensor missing:
// optim.adam.m.embedding.weight", or on the network being quantized).
func TestQuantizedCheckpointNotResumable(t *testing.T) {
	f := testFiles(t)
	ck, q := filepath.Join(f["dir"], "ck.st"), filepath.Join(f["dir"], "ck-int8.st")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-steps", "1", "-seqlen", "8", "-batch", "1", "-out", ck}, &stdout, &stderr), stderr.String())
	require.Equal(t, 0, run([]string{"quantize", "-model", ck, "-text", f["corpus.txt"], "-out", q}, &stdout, &stderr), stderr.String())
	file, err := weights.Open(q)
	require.NoError(t, err)
	for k := range file.Metadata() {
		require.False(t, strings.HasPrefix(k, optim.StatePrefix), "the quantized model keeps %s", k)
	}
	requireUsageError(t, "holds int8 weights", "train", "-text", f["corpus.txt"], "-resume", "-steps", "1", "-seqlen", "8", "-batch", "1", "-out", q)
}

// TestQuantizeSizeChange: a model that quantizing makes larger (a tiny
// one: the scales outweigh the int8 savings) is reported "larger", not
// "-0.3 KiB smaller (-41.9%)".
func TestQuantizeSizeChange(t *testing.T) {
	require.Equal(t, "0.5 KiB smaller (50.0%)", sizeChange(1024, 512))
	require.Equal(t, "0.5 KiB larger (50.0%)", sizeChange(1024, 1536))
	f := testFiles(t)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"quantize", "-model", f["net"], "-out", filepath.Join(f["dir"], "q.st")}, &stdout, &stderr), stderr.String())
	first := strings.SplitN(stdout.String(), "\n", 2)[0]
	require.Contains(t, first, "larger")
	require.NotContains(t, first, "-", "a negative size or share")
}

// TestRunLanguageModelSaysGenerate: run on a model that train wrote says
// it is a language model and names generate (it gave rnn.Load's advice
// to Go programmers: "use WithPrefix, WithHead or WithEmbedding, or
// LoadLM").
func TestRunLanguageModelSaysGenerate(t *testing.T) {
	f := testFiles(t)
	in := saveRNNLM(t, filepath.Join(f["dir"], "lm.st"), rnn.LMConfig{Cell: rnn.Elman, Vocab: 256, Embed: 4, Hidden: 8}, 1, rnn.Bytes{})
	tin := saveTinyTLM(t, filepath.Join(f["dir"], "tlm.st"))
	for _, model := range []string{in, tin} {
		requireUsageError(t, "is a language model, which takes tokens, not vectors (simdcore generate -model", "run", "-model", model, "-input", f["in.csv"])
	}
	// A network's own errors are unchanged.
	requireUsageError(t, "malformed", "run", "-model", f["garbage.st"], "-input", f["in.csv"])
}

// TestTrainLRUnderflow: a learning rate that is 0 in float32, where Adam
// steps, is refused (-lr 1e-300 trained nothing and reported updates).
func TestTrainLRUnderflow(t *testing.T) {
	f := testFiles(t)
	out := filepath.Join(f["dir"], "lr.st")
	for _, lr := range []string{"1e-300", "1e-46"} {
		requireUsageError(t, "-lr "+lr+" out of range", "train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-steps", "1", "-seqlen", "8", "-batch", "1", "-lr", lr, "-out", out)
	}
	require.NoFileExists(t, out)
}

// TestGenerateNetworkNotLanguageModel: generate on a network for run
// says it is not a language model (it said "malformed model", or spoke of
// a one-hot input's shape).
func TestGenerateNetworkNotLanguageModel(t *testing.T) {
	f := testFiles(t)
	requireUsageError(t, "is not a language model, with no tokenizer or embedding (simdcore run -model runs a network)", "generate", "-model", f["net"], "-n", "1")
	requireUsageError(t, "is not a language model", "generate", "-model", "../../testdata/torch/lstm_bidir.safetensors", "-n", "1")
}
