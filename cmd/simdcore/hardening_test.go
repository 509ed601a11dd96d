package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// requireUsageError runs args in-process and requires exit status 2 with
// one line on stderr that contains want.
func requireUsageError(t *testing.T, want string, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	require.Equal(t, 2, code, "args %q: stdout %q stderr %q", args, out.String(), errb.String())
	require.Equal(t, 1, strings.Count(errb.String(), "\n"), "want one line, got %q", errb.String())
	require.True(t, strings.HasPrefix(errb.String(), "simdcore: "), errb.String())
	require.Contains(t, errb.String(), want)
}

// TestNonFiniteFloatFlagsRejected: no float flag accepts NaN or ±Inf
// (train -clip NaN used to write an all-NaN model and exit 0).
func TestNonFiniteFloatFlagsRejected(t *testing.T) {
	f := testFiles(t)
	out := filepath.Join(f["dir"], "nan.st")
	train := []string{"train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-steps", "2", "-seqlen", "8", "-batch", "1", "-out", out}
	for _, v := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf"} {
		requireUsageError(t, "finite", append(train, "-clip", v)...)
		requireUsageError(t, "finite", append(train, "-lr", v)...)
		requireUsageError(t, "finite", "generate", "-temperature", v, "-n", "1")
	}
	require.NoFileExists(t, out)
}

// TestCommandHelp: "simdcore <command> -h" prints that command's flags on
// stdout and exits 0.
func TestCommandHelp(t *testing.T) {
	want := map[string][]string{
		"bench":    {"-kernel", "-sizes", "-json", "-time"},
		"demo":     {"-seed"},
		"generate": {"-prompt", "-temperature", "-topk", "-model"},
		"train":    {"-text", "-clip", "-lr", "-out", "-resume"},
		"run":      {"-model", "-input", "-mode"},
		"info":     {"info takes no flags"},
	}
	for cmd, flags := range want {
		for _, h := range []string{"-h", "-help", "--help"} {
			var out, errb bytes.Buffer
			require.Equal(t, 0, run([]string{cmd, h}, &out, &errb), errb.String())
			require.Empty(t, errb.String())
			require.Contains(t, out.String(), "usage: simdcore "+cmd)
			require.NotContains(t, out.String(), "commands:", "%s %s printed the general usage", cmd, h)
			for _, fl := range flags {
				require.Contains(t, out.String(), fl, "%s %s", cmd, h)
			}
		}
	}
}

// TestTrainChecksOutputFirst: train refuses an -out it must not or cannot
// write before it trains at all: the training text (by its own path, a
// symbolic link or a hard link), an existing model without -resume or
// -force, a directory, a place where nothing can be created.
func TestTrainChecksOutputFirst(t *testing.T) {
	f := testFiles(t)
	text := f["corpus.txt"]
	orig, err := os.ReadFile(text)
	require.NoError(t, err)
	sym := filepath.Join(f["dir"], "link-to-corpus.txt")
	require.NoError(t, os.Symlink(text, sym))
	hard := filepath.Join(f["dir"], "hard-corpus.txt")
	require.NoError(t, os.Link(text, hard))
	existing := filepath.Join(f["dir"], "existing.st")
	require.NoError(t, os.WriteFile(existing, []byte("precious"), 0o644))

	// -steps is huge: a check made only after training would never
	// be reached within the test's time.
	train := func(out string, extra ...string) []string {
		return append([]string{"train", "-text", text, "-hidden", "8", "-embed", "4", "-steps", "100000000", "-seqlen", "8", "-batch", "1", "-out", out}, extra...)
	}
	requireUsageError(t, "training text", train(text)...)
	requireUsageError(t, "training text", train(sym)...)
	requireUsageError(t, "training text", train(hard)...)
	requireUsageError(t, "training text", train(text, "-force")...)
	requireUsageError(t, "training text", train(text, "-resume")...)
	requireUsageError(t, "training text", train(filepath.Join(f["dir"], ".", "corpus.txt"), "-force")...)
	requireUsageError(t, "exists", train(existing)...)
	requireUsageError(t, "is a directory", train(f["dir"])...)
	requireUsageError(t, "is a directory", train(f["dir"], "-force")...)
	requireUsageError(t, "cannot write", train(filepath.Join(f["dir"], "no", "such", "m.st"))...)
	requireUsageError(t, "not a directory", train(filepath.Join(existing, "m.st"))...)
	requireUsageError(t, "contradict", train(existing, "-force", "-resume")...)
	requireUsageError(t, "no model", train(filepath.Join(f["dir"], "none.st"), "-resume")...)

	got, err := os.ReadFile(text)
	require.NoError(t, err)
	require.Equal(t, orig, got, "the training text was changed")
	got, err = os.ReadFile(existing)
	require.NoError(t, err)
	require.Equal(t, "precious", string(got))

	// -force replaces an existing file.
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"train", "-text", text, "-hidden", "8", "-embed", "4", "-steps", "1", "-seqlen", "8", "-batch", "1", "-out", existing, "-force"}, &out, &errb), errb.String())
	_, err = rnn.LoadLM(existing)
	require.NoError(t, err)
}

// TestTrainEmptyText: an empty text is reported as such, not as a model
// configuration error.
func TestTrainEmptyText(t *testing.T) {
	f := testFiles(t)
	empty := filepath.Join(f["dir"], "empty.txt")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	for _, tok := range []string{"chars", "bytes"} {
		var out, errb bytes.Buffer
		code := run([]string{"train", "-text", empty, "-tokenizer", tok, "-out", filepath.Join(f["dir"], "m.st")}, &out, &errb)
		require.Equal(t, 2, code)
		require.Equal(t, "simdcore: train: "+empty+" is empty: there is no text to learn\n", errb.String())
	}
}

// TestTrainTextNotRegular: a -text that is a directory or a device is
// refused at once (train -text /dev/zero read until memory ran out), and
// so is one larger than maxTextBytes, before anything is read (quantize
// -text reads with the same readText).
func TestTrainTextNotRegular(t *testing.T) {
	f := testFiles(t)
	out := filepath.Join(f["dir"], "m.st")
	texts := []string{f["dir"]}
	if _, err := os.Stat("/dev/zero"); err == nil {
		texts = append(texts, "/dev/zero")
	}
	big := filepath.Join(f["dir"], "big.txt")
	fh, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, fh.Truncate(maxTextBytes+1)) // sparse: nothing written
	require.NoError(t, fh.Close())
	texts = append(texts, big)
	for _, text := range texts {
		requireUsageError(t, "train: -text "+text+": want a regular file of at most", "train", "-text", text, "-out", out)
	}
}

// TestLevelWarning: an unknown SIMDCORE_LEVEL, or a level this machine
// cannot run (another architecture's), is reported once on stderr by
// every command, not only by info.
func TestLevelWarning(t *testing.T) {
	if testing.Short() && runtime.GOARCH != "amd64" {
		t.Skip("builds the command; slow under emulation")
	}
	foreign := "neon"
	if runtime.GOARCH == "arm64" {
		foreign = "avx2"
	}
	commands := [][]string{
		{"info"},
		{"bench", "-kernel", "dot", "-sizes", "64", "-time", "1ms"},
		{"generate", "-n", "3"},
		{"train"}, // an error: the warning comes before the error's line
		{"run", "-h"},
	}
	// An unknown name is ignored (the binary's best level runs, as
	// without SIMDCORE_LEVEL); a foreign level caps at generic.
	info, _, code := runBinaryEnv(t, []string{"SIMDCORE_LEVEL="}, "info")
	require.Equal(t, 0, code)
	m := regexp.MustCompile(`active: (\w+)`).FindStringSubmatch(info)
	require.NotNil(t, m, info)
	best, err := kernel.ParseLevel(m[1])
	require.NoError(t, err)
	for v, runs := range map[string]kernel.Level{"bogus": best, foreign: kernel.Generic} {
		for _, args := range commands {
			_, stderr, _ := runBinaryEnv(t, []string{"SIMDCORE_LEVEL=" + v}, args...)
			require.Equal(t, 1, strings.Count(stderr, "simdcore: warning: "), "SIMDCORE_LEVEL=%s %q: %q", v, args, stderr)
			require.Contains(t, stderr, v)
			require.Contains(t, stderr, "; running "+runs.String()+"\n")
		}
	}
	// A level the machine runs is not warned about.
	_, stderr, code := runBinaryEnv(t, []string{"SIMDCORE_LEVEL=generic"}, "info")
	require.Equal(t, 0, code)
	require.NotContains(t, stderr, "warning")
}

// TestProgressOnlyOnTerminal: train and bench draw \r redraws and escape
// sequences only on a terminal; into a file or a pipe they print plain
// lines.
func TestProgressOnlyOnTerminal(t *testing.T) {
	f := testFiles(t)
	logPath := filepath.Join(f["dir"], "stderr.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	defer logFile.Close()
	var out bytes.Buffer
	var errb bytes.Buffer
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-steps", "40", "-seqlen", "8", "-batch", "1", "-out", filepath.Join(f["dir"], "m.st")}, &out, logFile))
	require.Equal(t, 0, run([]string{"bench", "-kernel", "dot,exp", "-sizes", "64,256", "-time", "1ms"}, &out, &errb), errb.String())
	logged, err := os.ReadFile(logPath)
	require.NoError(t, err)
	for name, s := range map[string]string{"train into a file": string(logged), "bench into a buffer": errb.String()} {
		require.NotContains(t, s, "\r", name)
		require.NotContains(t, s, "\033", name)
	}
	lines := strings.Split(strings.TrimSpace(string(logged)), "\n")
	require.GreaterOrEqual(t, len(lines), 1)
	require.Contains(t, lines[len(lines)-1], "train: 40/40 loss ", "the last line shows the end: %q", logged)
	require.False(t, isTerminal(logFile))
	require.False(t, isTerminal(&errb))
}

// TestStatusLineOnTerminal: on a terminal the status is redrawn in place
// and, for bench, erased at the end.
func TestStatusLineOnTerminal(t *testing.T) {
	var b bytes.Buffer
	s := &statusLine{w: &b, tty: true}
	s.show("one", false)
	s.show("two", true)
	s.erase()
	require.Equal(t, "\rone\033[K\rtwo\033[K\r\033[K", b.String())
	b.Reset()
	s.show("three", true)
	s.keep()
	require.Equal(t, "\rthree\033[K\n", b.String())
}

// TestTrainStopsOnNonFiniteLoss: a run whose loss is NaN (here: resumed
// from a checkpoint whose weights are all NaN) stops with an error and
// leaves the checkpoint as it was, instead of saving over it and
// exiting 0.
func TestTrainStopsOnNonFiniteLoss(t *testing.T) {
	f := testFiles(t)
	model := filepath.Join(f["dir"], "ckpt.st")
	args := []string{"train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-steps", "1", "-seqlen", "8", "-batch", "1", "-out", model}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(args, &out, &errb), errb.String())
	data, err := os.ReadFile(model)
	require.NoError(t, err)
	headerLen := binary.LittleEndian.Uint64(data[:8])
	for i := 8 + int(headerLen); i < len(data); i++ {
		data[i] = 0xff // every float32 becomes a NaN
	}
	require.NoError(t, os.WriteFile(model, data, 0o644))

	out.Reset()
	errb.Reset()
	code := run(append(args, "-resume", "-steps", "3"), &out, &errb)
	require.NotEqual(t, 0, code, "stdout %q stderr %q", out.String(), errb.String())
	require.Contains(t, errb.String(), "simdcore: ")
	got, err := os.ReadFile(model)
	require.NoError(t, err)
	require.Equal(t, data, got, "the checkpoint was overwritten")
}

// TestSaveRefusesNonFiniteWeights: a model holding a NaN or an infinity
// is never written, whatever path led to it.
func TestSaveRefusesNonFiniteWeights(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		lm, err := rnn.NewLM(rnn.LMConfig{Vocab: 256, Embed: 3, Hidden: 4, Layers: 1}, 1)
		require.NoError(t, err)
		lm.Tokenizer = rnn.Bytes{}
		ps := lm.Params()
		last := ps[len(ps)-1]
		last.Data[len(last.Data)-1] = bad
		path := filepath.Join(dir, "m.st")
		err = (&lmFile{lm: lm}).save(path)
		require.ErrorContains(t, err, "not written")
		require.NoFileExists(t, path)
	}
}

// TestResumeRefusesConflictingShapeFlags: -resume trains the model's own
// shape, so a -hidden, -layers, -embed or -tokenizer that disagrees with
// it is refused instead of silently ignored; one that agrees is accepted.
func TestResumeRefusesConflictingShapeFlags(t *testing.T) {
	f := testFiles(t)
	model := filepath.Join(f["dir"], "ckpt.st")
	base := []string{"train", "-text", f["corpus.txt"], "-steps", "1", "-seqlen", "8", "-batch", "1", "-out", model}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(append(base, "-hidden", "8", "-embed", "4"), &out, &errb), errb.String())
	before, err := os.ReadFile(model)
	require.NoError(t, err)
	for _, bad := range [][]string{{"-hidden", "16"}, {"-layers", "2"}, {"-embed", "0"}, {"-embed", "8"}, {"-tokenizer", "bytes"}} {
		requireUsageError(t, "conflicts with the model", append(append(base, "-resume"), bad...)...)
	}
	after, err := os.ReadFile(model)
	require.NoError(t, err)
	require.Equal(t, before, after)
	out.Reset()
	errb.Reset()
	require.Equal(t, 0, run(append(base, "-resume", "-hidden", "8", "-layers", "1", "-embed", "4", "-tokenizer", "chars"), &out, &errb), errb.String())
	require.Contains(t, out.String(), "(2 in all)")
}

// TestTrainRefusesHugeUpdates: -batch 100000000 used to be accepted and
// one update ran for hours, deaf to Ctrl-C; an update beyond
// maxUpdateFlops is refused before training, and the embedded model's
// own training settings stay well inside the bound.
func TestTrainRefusesHugeUpdates(t *testing.T) {
	f := testFiles(t)
	out := filepath.Join(f["dir"], "m.st")
	requireUsageError(t, "floating-point operations", "train", "-text", f["corpus.txt"], "-batch", "100000000", "-out", out)
	requireUsageError(t, "floating-point operations", "train", "-text", f["corpus.txt"], "-hidden", "4096", "-layers", "16", "-seqlen", "1000", "-out", out)
	require.NoFileExists(t, out)

	// The embedded model's shape (vocabulary about 100) and the
	// README's training settings for it.
	lc := rnn.LMConfig{Vocab: 100, Embed: 32, Hidden: 256, Layers: 1}
	lm, err := rnn.NewLM(lc, 1)
	require.NoError(t, err)
	c := lmUpdateFlops(lm, 16, 100)
	require.Equal(t, updateFlops(lc, 16, 100), c)
	require.Less(t, 50*c, float64(maxUpdateFlops))
	// An LSTM's recurrent layer has four gate blocks, so it costs three
	// more times the Elman layer's 6·batch·seqlen·hidden·(embed+hidden).
	lc.Cell = rnn.LSTM
	require.Equal(t, c+3*6*16*100*256*(32+256), updateFlops(lc, 16, 100))
	require.Less(t, 10*c/16, float64(maxWindowFlops))

	// A single window is what Ctrl-C waits for: one too large to stop
	// within a second is refused, whatever the batch.
	requireUsageError(t, "Ctrl-C can interrupt within a second", "train", "-text", f["corpus.txt"], "-hidden", "4096", "-seqlen", "64", "-batch", "1", "-out", out)
	require.NoError(t, checkUpdateCost(updateFlops(rnn.LMConfig{Vocab: 100, Embed: 32, Hidden: 1024, Layers: 1}, 16, 280), 16, 280))
	require.NoError(t, checkUpdateCost(updateFlops(rnn.LMConfig{Vocab: 100, Embed: 32, Hidden: 2048, Layers: 1}, 16, 70), 16, 70))
	require.Error(t, checkUpdateCost(updateFlops(rnn.LMConfig{Vocab: 100, Embed: 32, Hidden: 2048, Layers: 1}, 1, 80), 1, 80))

	// -resume is bounded too.
	var o, e bytes.Buffer
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-steps", "1", "-seqlen", "8", "-batch", "1", "-out", out}, &o, &e), e.String())
	requireUsageError(t, "floating-point operations", "train", "-text", f["corpus.txt"], "-resume", "-batch", "1000000000", "-out", out)
}
