package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
	"github.com/stretchr/testify/require"
)

// testFiles writes the files the command tests use: a small nn.RNN model
// with a head, inputs in CSV and JSON, a text to train on, and broken
// versions of each.
func testFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	net, err := rnn.New(rnn.Config{Input: 3, Hidden: 5, Output: 2}, 7)
	require.NoError(t, err)
	require.NoError(t, net.Save(p("net.safetensors"), nil))
	good, err := os.ReadFile(p("net.safetensors"))
	require.NoError(t, err)
	files := map[string][]byte{
		"in.csv":           []byte("a,b,c\n1,0,0\n0,1,0\n0.5,-0.5,2\n"),
		"in.json":          []byte("[[1,0,0],[0,1,0],[0.5,-0.5,2]]"),
		"wide.csv":         []byte("1,2,3,4\n"),
		"nan.csv":          []byte("1,NaN,0\n"),
		"text.csv":         []byte("1,2,3\n4,x,6\n"),
		"bad.json":         []byte("[[1,2,3],"),
		"truncated.st":     good[:len(good)/2],
		"garbage.st":       []byte("\xff\xff\xff\xff\xff\xff\xff\x7fhello"),
		"empty.st":         nil,
		"corpus.txt":       []byte(strings.Repeat("the quick brown fox jumps over the lazy dog. ", 40)),
		"invalid-utf8.txt": []byte(strings.Repeat("ab\xffcd", 100)),
		"tiny.txt":         []byte("ab"),
	}
	out := map[string]string{"net": p("net.safetensors"), "dir": dir}
	for name, data := range files {
		require.NoError(t, os.WriteFile(p(name), data, 0o644))
		out[name] = p(name)
	}
	return out
}

// saveRNNLM writes a new rnn.LM of cfg, drawn from seed, with the
// tokenizer tok, to path, and returns path.
func saveRNNLM(t *testing.T, path string, cfg rnn.LMConfig, seed uint64, tok rnn.Tokenizer) string {
	t.Helper()
	lm, err := rnn.NewLM(cfg, seed)
	require.NoError(t, err)
	lm.Tokenizer = tok
	require.NoError(t, lm.Save(path, nil))
	return path
}

// saveTinyTLM writes a new byte-level transformer language model (tlm:
// vocabulary 256, d_model 8, 2 heads, context 8) to path, and returns
// path.
func saveTinyTLM(t *testing.T, path string) string {
	t.Helper()
	m, err := tlm.New(tlm.Config{Vocab: 256, DModel: 8, Heads: 2, MaxLen: 8}, 1)
	require.NoError(t, err)
	m.Tokenizer = rnn.Bytes{}
	require.NoError(t, m.Save(path, nil))
	return path
}

func TestBinaryModelErrorsExit2WithOneLine(t *testing.T) {
	if testing.Short() && runtime.GOARCH != "amd64" {
		t.Skip("builds the command; slow under emulation")
	}
	f := testFiles(t)
	cases := map[string][]string{
		"generate missing model":   {"generate", "-model", filepath.Join(f["dir"], "nope.safetensors")},
		"generate garbage model":   {"generate", "-model", f["garbage.st"]},
		"generate truncated model": {"generate", "-model", f["truncated.st"]},
		"generate rnn not lm":      {"generate", "-model", f["net"]},
		"generate bad n":           {"generate", "-n", "-3"},
		"generate bad temperature": {"generate", "-temperature", "-1"},
		"generate NaN temperature": {"generate", "-temperature", "NaN"},
		"generate bad topk":        {"generate", "-topk", "-2"},
		"generate empty prompt":    {"generate", "-prompt", ""},
		"generate unknown char":    {"generate", "-prompt", "\u2603\u2603"},
		"run no flags":             {"run"},
		"run missing model":        {"run", "-model", filepath.Join(f["dir"], "nope"), "-input", f["in.csv"]},
		"run empty model":          {"run", "-model", f["empty.st"], "-input", f["in.csv"]},
		"run truncated model":      {"run", "-model", f["truncated.st"], "-input", f["in.csv"]},
		"run missing input":        {"run", "-model", f["net"], "-input", filepath.Join(f["dir"], "nope.csv")},
		"run wrong width":          {"run", "-model", f["net"], "-input", f["wide.csv"]},
		"run NaN input":            {"run", "-model", f["net"], "-input", f["nan.csv"]},
		"run text in csv":          {"run", "-model", f["net"], "-input", f["text.csv"]},
		"run bad json":             {"run", "-model", f["net"], "-input", f["bad.json"]},
		"run bad mode":             {"run", "-model", f["net"], "-input", f["in.csv"], "-mode", "middle"},
		"run bad format":           {"run", "-model", f["net"], "-input", f["in.csv"], "-format", "xml"},
		"run bad nonlinearity":     {"run", "-model", f["net"], "-input", f["in.csv"], "-nonlinearity", "gelu"},
		"train no text":            {"train"},
		"train missing text":       {"train", "-text", filepath.Join(f["dir"], "nope.txt")},
		"train text too short":     {"train", "-text", f["tiny.txt"], "-out", filepath.Join(f["dir"], "x.st")},
		"train invalid utf8":       {"train", "-text", f["invalid-utf8.txt"]},
		"train bad hidden":         {"train", "-text", f["corpus.txt"], "-hidden", "0"},
		"train bad lr":             {"train", "-text", f["corpus.txt"], "-lr", "2"},
		"train bad tokenizer":      {"train", "-text", f["corpus.txt"], "-tokenizer", "words"},
		"train resume missing":     {"train", "-text", f["corpus.txt"], "-resume", "-out", filepath.Join(f["dir"], "none.st")},
		"train unwritable out":     {"train", "-text", f["corpus.txt"], "-steps", "1", "-out", filepath.Join(f["dir"], "no", "such", "dir", "m.st")},
		"demo stray argument":      {"demo", "x"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, args...)
			require.Equal(t, 2, code, "stdout: %s stderr: %s", stdout, stderr)
			require.True(t, strings.HasPrefix(stderr, "simdcore: "), stderr)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "want one line, got %q", stderr)
			require.NotContains(t, stderr, "goroutine", "a panic trace leaked")
		})
	}
}

func TestRunModes(t *testing.T) {
	f := testFiles(t)
	net, err := rnn.Load(f["net"])
	require.NoError(t, err)
	xs := kernel.MatrixFrom(3, 3, []float32{1, 0, 0, 0, 1, 0, 0.5, -0.5, 2})
	want, err := net.Forward(xs)
	require.NoError(t, err)

	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"run", "-model", f["net"], "-input", f["in.csv"]}, &out, &errb), errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	require.Equal(t, 2, strings.Count(lines[0], ",")+1)

	out.Reset()
	require.Equal(t, 0, run([]string{"run", "-model", f["net"], "-input", f["in.json"], "-mode", "last"}, &out, &errb), errb.String())
	var got [][]float32
	require.NoError(t, jsonUnmarshal(out.Bytes(), &got))
	require.Len(t, got, 1)
	require.InDeltaSlice(t, want.Row(2), got[0], 1e-6)
}

func TestTrainThenGenerate(t *testing.T) {
	f := testFiles(t)
	model := filepath.Join(f["dir"], "lm.safetensors")
	var out, errb bytes.Buffer
	code := run([]string{"train", "-text", f["corpus.txt"], "-hidden", "16", "-embed", "8", "-steps", "30", "-seqlen", "20", "-batch", "4", "-lr", "0.02", "-out", model}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	require.Contains(t, out.String(), "done: 30 updates")
	require.Contains(t, errb.String(), "tok/s")

	out.Reset()
	require.Equal(t, 0, run([]string{"generate", "-model", model, "-prompt", "the ", "-n", "40", "-seed", "3"}, &out, &errb), errb.String())
	text := strings.TrimSpace(out.String())
	require.True(t, strings.HasPrefix(text, "the "))
	require.Equal(t, 44, len([]rune(text)))

	// Resuming continues the step count.
	out.Reset()
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-steps", "5", "-seqlen", "20", "-batch", "2", "-resume", "-out", model}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "(35 in all)")
}

// TestGatedCells trains an LSTM and a GRU language model, generates from
// each and resumes one; and runs a saved LSTM network (with a projection,
// bidirectional) on CSV input, which must give what rnn gives.
func TestGatedCells(t *testing.T) {
	f := testFiles(t)
	for _, cell := range []string{"lstm", "gru"} {
		model := filepath.Join(f["dir"], cell+".safetensors")
		var out, errb bytes.Buffer
		require.Equal(t, 0, run([]string{"train", "-cell", cell, "-text", f["corpus.txt"], "-hidden", "16", "-embed", "8", "-steps", "5", "-seqlen", "20", "-batch", "2", "-out", model}, &out, &errb), errb.String())
		lm, err := rnn.LoadLM(model)
		require.NoError(t, err)
		require.Equal(t, cell, lm.Net.Config().Cell.String())
		out.Reset()
		require.Equal(t, 0, run([]string{"generate", "-model", model, "-prompt", "the ", "-n", "10"}, &out, &errb), errb.String())
		require.Equal(t, 14, len([]rune(strings.TrimSpace(out.String()))))
		out.Reset()
		require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-steps", "2", "-seqlen", "20", "-batch", "2", "-resume", "-out", model}, &out, &errb), errb.String())
		require.Contains(t, out.String(), "(7 in all)")
	}
	requireUsageError(t, "-cell", "train", "-cell", "transformer", "-text", f["corpus.txt"], "-out", filepath.Join(f["dir"], "x.st"))

	net, err := rnn.New(rnn.Config{Cell: rnn.LSTM, Input: 3, Hidden: 5, Proj: 2, Bidirectional: true, Output: 2}, 4)
	require.NoError(t, err)
	path := filepath.Join(f["dir"], "lstm-net.safetensors")
	require.NoError(t, net.Save(path, nil))
	xs := kernel.MatrixFrom(3, 3, []float32{1, 0, 0, 0, 1, 0, 0.5, -0.5, 2})
	want, err := net.Forward(xs)
	require.NoError(t, err)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"run", "-model", path, "-input", f["in.json"]}, &out, &errb), errb.String())
	var got [][]float32
	require.NoError(t, jsonUnmarshal(out.Bytes(), &got))
	require.Len(t, got, 3)
	for i := range got {
		require.InDeltaSlice(t, want.Row(i), got[i], 1e-6)
	}
}

// TestTransformerLM trains a transformer LM from the command, generates
// from it (generate tells the architecture from the file), resumes it,
// and refuses flags of the other architecture.
func TestTransformerLM(t *testing.T) {
	f := testFiles(t)
	model := filepath.Join(f["dir"], "tf.safetensors")
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"train", "-arch", "transformer", "-text", f["corpus.txt"], "-embed", "16", "-heads", "2", "-ff", "24", "-layers", "2",
		"-positions", "learned", "-steps", "5", "-seqlen", "20", "-batch", "2", "-out", model}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "(5 in all)")
	m, err := tlm.Load(model)
	require.NoError(t, err)
	require.Equal(t, tlm.Config{Vocab: m.Vocab(), DModel: 16, Heads: 2, FF: 24, Layers: 2, MaxLen: 20, Activation: nn.GELU, Learned: true}, m.Config())
	out.Reset()
	// 30 tokens from a context of 20: Generate slides its window.
	require.Equal(t, 0, run([]string{"generate", "-model", model, "-prompt", "the ", "-n", "30"}, &out, &errb), errb.String())
	require.Equal(t, 34, len([]rune(strings.TrimSpace(out.String()))), out.String())
	out.Reset()
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-steps", "2", "-seqlen", "20", "-batch", "2", "-heads", "2", "-resume", "-out", model}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "(7 in all)")

	x := filepath.Join(f["dir"], "x.st")
	requireUsageError(t, "-hidden does not apply to -arch transformer", "train", "-arch", "transformer", "-hidden", "8", "-text", f["corpus.txt"], "-out", x)
	requireUsageError(t, "-heads does not apply to -arch rnn", "train", "-heads", "2", "-text", f["corpus.txt"], "-out", x)
	requireUsageError(t, "-arch", "train", "-arch", "lstm", "-text", f["corpus.txt"], "-out", x)
	requireUsageError(t, "multiple of -heads", "train", "-arch", "transformer", "-embed", "10", "-heads", "4", "-text", f["corpus.txt"], "-out", x)
	requireUsageError(t, "conflicts", "train", "-arch", "rnn", "-resume", "-text", f["corpus.txt"], "-out", model)
	requireUsageError(t, "-cell does not apply", "train", "-cell", "gru", "-resume", "-text", f["corpus.txt"], "-out", model)
	requireUsageError(t, "context", "train", "-seqlen", "21", "-resume", "-text", f["corpus.txt"], "-out", model)
}

// TestTrainInterrupt sends SIGINT to a training run of the real binary:
// it must save a checkpoint and exit with status 130.
func TestTrainInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" || (testing.Short() && runtime.GOARCH != "amd64") {
		t.Skip("needs POSIX signals and the built binary")
	}
	f := testFiles(t)
	for _, arch := range [][]string{{"-hidden", "32"}, {"-arch", "transformer", "-embed", "16", "-heads", "2"}} {
		model := filepath.Join(f["dir"], "ckpt.safetensors")
		args := append([]string{"train", "-text", f["corpus.txt"], "-steps", "1000000", "-seqlen", "20", "-batch", "2", "-force", "-out", model}, arch...)
		cmd := exec.Command(builtBinary(t), args...)
		var o, e syncBuffer
		cmd.Stdout, cmd.Stderr = &o, &e
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(e.String(), "loss") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		err := cmd.Wait()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "stderr: %s", e.String())
		require.Equal(t, 130, ee.ExitCode(), "stderr: %s", e.String())
		require.Contains(t, o.String(), "interrupted; checkpoint saved")
		lf, err := loadLM(model)
		require.NoError(t, err)
		require.Equal(t, arch[0] == "-arch", lf.tf != nil, "%v", arch)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// syncBuffer is a bytes.Buffer that a running command may write while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
