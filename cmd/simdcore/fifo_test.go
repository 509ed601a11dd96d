//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFIFOInputs: a FIFO with no writer given as an input file ends each
// command at once with one line and status 2: refused where a model or a
// text must be a regular file, an empty input where a stream is taken
// (run -input, a recording). Each used to wait in open(2) for a writer.
func TestFIFOInputs(t *testing.T) {
	f := testFiles(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"run", "-model", f["net"], "-input", fifo}, "no timesteps"},
		{[]string{"train", "-text", fifo, "-out", filepath.Join(f["dir"], "m.st")}, "want a regular file"},
		{[]string{"onnx", "check", fifo}, "not a regular file"},
		{[]string{"onnx", "time", fifo, f["dir"]}, "not a regular file"},
		{[]string{"vad", "-model", fifo, vadWAV16k}, "not a regular file"},
		{[]string{"vad", "-model", vadModelV5, fifo}, "bad WAV file"},
	} {
		var out, errb bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- run(c.args, &out, &errb) }()
		select {
		case code := <-done:
			require.Equal(t, 2, code, "%q: %s", c.args, errb.String())
			require.Contains(t, errb.String(), c.msg, "%q", c.args)
			require.Equal(t, 1, strings.Count(errb.String(), "\n"), "%q: %q", c.args, errb.String())
		case <-time.After(5 * time.Second):
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			<-done
			t.Fatalf("%q blocked on a FIFO for 5 s", c.args)
		}
	}
}
