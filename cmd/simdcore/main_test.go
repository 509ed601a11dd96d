package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/clitest"
	"github.com/stretchr/testify/require"
)

// builtBinary compiles this command for the machine the tests run on and
// returns its path. The error tests run the real binary, so they see the
// exit status and output a user sees.
func builtBinary(t *testing.T) string { return clitest.Binary(t) }

func runBinary(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinaryEnv(t, nil, args...)
}

// runBinaryEnv runs the command with env added to the test's environment.
func runBinaryEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(builtBinary(t), args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return o.String(), e.String(), 0
}

func TestBinaryErrorsExit2WithOneLine(t *testing.T) {
	if testing.Short() && runtime.GOARCH != "amd64" {
		t.Skip("builds the command; slow under emulation")
	}
	cases := map[string][]string{
		"unknown command":  {"frobnicate"},
		"bad flag":         {"bench", "-nope"},
		"bad size":         {"bench", "-sizes", "12,abc"},
		"negative size":    {"bench", "-sizes", "-4"},
		"unknown kernel":   {"bench", "-kernel", "dot,nonesuch"},
		"bad time":         {"bench", "-time", "0s"},
		"stray argument":   {"info", "extra"},
		"flag needs value": {"bench", "-sizes"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, args...)
			require.Equal(t, 2, code, "stderr: %s", stderr)
			require.Empty(t, stdout)
			require.True(t, strings.HasPrefix(stderr, "simdcore: "), stderr)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "want one line, got %q", stderr)
			require.NotContains(t, stderr, "goroutine", "a panic trace leaked")
		})
	}
}

func TestInfo(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"info"}, &out, &errb), errb.String())
	s := out.String()
	require.Contains(t, s, "Levels:")
	require.Contains(t, s, "active: ")
	require.Contains(t, s, "Dot")
}

func TestBenchJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"bench", "-kernel", "dot,gemv", "-sizes", "64", "-time", "1ms", "-json"}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	require.Contains(t, out.String(), `"kernel": "dot"`)
	require.Contains(t, out.String(), `"kernel": "gemv"`)
	require.Contains(t, out.String(), `"level": "generic"`)
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"help"}, &out, &errb))
	require.Contains(t, out.String(), "usage: simdcore")
}
