//go:build linux || darwin

// Package proctest helps tests that kill a process in the middle of its
// work (a save) and then look at what it left in a directory.
package proctest

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// OtherFiles lists the names of the files in dir other than base.
func OtherFiles(t testing.TB, dir, base string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != base {
			out = append(out, e.Name())
		}
	}
	return out
}

// KillWhen starts cmd, waits until ready reports true (for at most 20 s)
// and delay more, then kills it with SIGKILL and reaps it. It skips the
// test where the test binary cannot start a copy of itself (ENOEXEC: an
// arm64 binary under qemu-user without binfmt).
func KillWhen(t testing.TB, cmd *exec.Cmd, ready func() bool, delay time.Duration) {
	t.Helper()
	if err := cmd.Start(); errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("cannot re-execute the test binary: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !ready() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}
