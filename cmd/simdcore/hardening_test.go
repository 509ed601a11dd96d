package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

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
