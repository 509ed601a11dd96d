package reliability

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/clitest"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// sentinels maps a corpus file's kind and the sentinel part of its name
// to the error its loader must wrap.
var sentinels = map[string]map[string]error{
	"rnn":  {"format": rnn.ErrFormat, "missing": rnn.ErrMissing, "shape": rnn.ErrShape, "nonfinite": rnn.ErrNonFinite},
	"attn": {"format": attn.ErrFormat, "missing": attn.ErrMissing, "shape": attn.ErrShape, "nonfinite": attn.ErrNonFinite},
}

// loaderOf names the loader of each kind of corpus file.
var loaderOf = map[string]string{"rnn": "rnn.Load", "attn": "attn.LoadMultiHead"}

// corpusFiles lists testdata/malformed: safetensors files and torch.save
// checkpoints.
func corpusFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "malformed", "*.safetensors"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 50, "the corpus is missing: go generate ./internal/reliability")
	pts, err := filepath.Glob(filepath.Join("testdata", "malformed", "*.pt"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(pts), 20, "the corpus's checkpoints are missing: go generate ./internal/reliability")
	files = append(files, pts...)
	return files
}

// expected returns which loader ("any", "rnn" or "attn") must refuse the
// corpus file with which sentinel.
func expected(t *testing.T, path string) (kind string, want error) {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	kind, rest, _ := strings.Cut(name, "-")
	if kind == "any" {
		return kind, rnn.ErrFormat
	}
	s, _, _ := strings.Cut(rest, "-")
	want, ok := sentinels[kind][s]
	require.True(t, ok, "corpus file %s: no sentinel %q", name, s)
	return kind, want
}

// load calls a loader, turning a panic into a test failure, and returns
// its error and how long it took.
func load(t *testing.T, what string, fn func() error) (err error, took time.Duration) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", what, r)
		}
	}()
	start := time.Now()
	err = fn()
	return err, time.Since(start)
}

// TestMalformedCorpus loads every corpus file with every loader: each
// refuses it with an error of one bounded line that wraps one of the
// sentinels (the one the file's name gives, for its own loader), without
// a panic and within a second.
func TestMalformedCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		kind, want := expected(t, path)
		t.Run(filepath.Base(path), func(t *testing.T) {
			loaders := map[string]func() error{
				"rnn.Load":           func() error { _, err := rnn.Load(path); return err },
				"rnn.LoadLM":         func() error { _, err := rnn.LoadLM(path); return err },
				"attn.LoadMultiHead": func() error { _, err := attn.LoadMultiHead(path, "", 0); return err },
			}
			for name, fn := range loaders {
				err, took := load(t, name, fn)
				require.Error(t, err, "%s accepted %s", name, path)
				msg := err.Error()
				require.NotContains(t, msg, "\n", name)
				require.LessOrEqual(t, len(msg), 1000, name)
				require.Less(t, took, time.Second, "%s took %v", name, took)
				if kind == "any" || loaderOf[kind] == name {
					require.ErrorIs(t, err, want, "%s: %v", name, err)
				} else {
					require.True(t, errors.Is(err, rnn.ErrFormat) || errors.Is(err, rnn.ErrMissing) || errors.Is(err, rnn.ErrShape),
						"%s: %v wraps no sentinel", name, err)
				}
			}
		})
	}
}

// TestMalformedCorpusCommand gives every corpus file to `simdcore run
// -model`: one line on stderr, status 2, nothing on stdout, no trace.
func TestMalformedCorpusCommand(t *testing.T) {
	if testing.Short() && runtime.GOARCH != "amd64" {
		t.Skip("builds the command; slow under emulation")
	}
	in := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(in, []byte("1,0,0\n0,1,0\n"), 0o644))
	for _, path := range corpusFiles(t) {
		stdout, stderr, code := clitest.Run(t, 10*time.Second, nil, "run", "-model", path, "-input", in)
		what := fmt.Sprintf("%s: stdout %q stderr %q", filepath.Base(path), stdout, stderr)
		require.Equal(t, 2, code, what)
		require.Empty(t, stdout, what)
		require.True(t, strings.HasPrefix(stderr, "simdcore: "), what)
		require.Equal(t, 1, strings.Count(stderr, "\n"), what)
		require.NotContains(t, stderr, "goroutine", what)
	}
}
