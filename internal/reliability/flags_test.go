package reliability

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/clitest"
	"github.com/stretchr/testify/require"
)

// TestHugeFlags gives the command flag values that ask for more than any
// machine can do (a training run of 2^63-1 updates, a model of a billion
// units, an update of 10^15 operations, a gigantic benchmark or
// generation): each is refused before any work, in one line, with status
// 2, within seconds, and no output file appears.
func TestHugeFlags(t *testing.T) {
	if testing.Short() && runtime.GOARCH != "amd64" {
		t.Skip("builds the command; slow under emulation")
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "corpus.txt")
	require.NoError(t, os.WriteFile(text, []byte(strings.Repeat("the quick brown fox jumps over the lazy dog. ", 40)), 0o644))
	out := filepath.Join(dir, "out.safetensors")
	train := func(flags ...string) []string {
		return append([]string{"train", "-text", text, "-out", out}, flags...)
	}
	for _, args := range [][]string{
		train("-steps", "9223372036854775807"),
		train("-steps", "1000000000000"),
		train("-batch", "100000000"),
		train("-seqlen", "1099511627776"),
		train("-batch", "9223372036854775807", "-seqlen", "9223372036854775807"),
		train("-hidden", "1000000000"),
		train("-layers", "100000000"),
		train("-embed", "1000000000"),
		train("-hidden", "4096", "-layers", "16", "-batch", "1024"),
		{"generate", "-n", "1000000000000"},
		{"bench", "-kernel", "gemm", "-sizes", "1000000"},
		{"bench", "-kernel", "dot", "-sizes", "1000000000000"},
		{"bench", "-time", "1000h"},
	} {
		start := time.Now()
		stdout, stderr, code := clitest.Run(t, 20*time.Second, nil, args...)
		took := time.Since(start)
		require.Equal(t, 2, code, "%q: stdout %q stderr %q", args, stdout, stderr)
		require.True(t, strings.HasPrefix(stderr, "simdcore: "), "%q: %s", args, stderr)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "%q: %s", args, stderr)
		require.Less(t, took, 5*time.Second, "%q took %v", args, took)
		require.NoFileExists(t, out, "%q", args)
	}
}
