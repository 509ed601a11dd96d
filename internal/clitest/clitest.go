// Package clitest builds the simdcore command once per test binary and
// runs it, for the tests that check what a user sees: its output, its
// exit status, and that it returns at all.
package clitest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of the simdcore command, built on first use
// into a temporary directory. It builds for the host even when the tests
// themselves run under emulation (GOARCH=arm64 with qemu): the host runs
// the binary.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "simdcore-cli")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "simdcore")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/simdcore/simdcore/cmd/simdcore")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GOARCH=") && !strings.HasPrefix(kv, "GOOS=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building simdcore: %v", buildErr)
	}
	return binPath
}

// Run runs the command with args, env added to the test's environment,
// and fails the test if it has not returned within timeout (it is killed
// then). code is the exit status.
func Run(t testing.TB, timeout time.Duration, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("simdcore %q did not return within %v", args, timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.String(), e.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("simdcore %q: %v", args, err)
	}
	return o.String(), e.String(), 0
}
