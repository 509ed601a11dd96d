//go:build linux || darwin

package reliability

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/clitest"
	"github.com/simdcore/simdcore/onnx"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/vad"
	"github.com/stretchr/testify/require"
)

// mkfifo makes a FIFO with no writer, or skips the test.
func mkfifo(t *testing.T) string {
	fifo := filepath.Join(t.TempDir(), "model.safetensors")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return fifo
}

// TestFIFOLoaders: every loader refuses a FIFO with no writer within a
// second instead of blocking in open(2) or read(2).
func TestFIFOLoaders(t *testing.T) {
	fifo := mkfifo(t)
	loaders := map[string]func() error{
		"rnn.Load":            func() error { _, err := rnn.Load(fifo); return err },
		"rnn.LoadLM":          func() error { _, err := rnn.LoadLM(fifo); return err },
		"attn.LoadMultiHead":  func() error { _, err := attn.LoadMultiHead(fifo, "", 1); return err },
		"onnx.ReadFile":       func() error { _, err := onnx.ReadFile(fifo); return err },
		"onnx.ReadTensorFile": func() error { _, err := onnx.ReadTensorFile(fifo); return err },
		"vad.Load":            func() error { _, err := vad.Load(fifo); return err },
	}
	for name, fn := range loaders {
		done := make(chan error, 1)
		go func() { done <- fn() }()
		select {
		case err := <-done:
			require.ErrorContains(t, err, "not a regular file", name)
		case <-time.After(5 * time.Second):
			// Open the writing end to release the blocked open.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			<-done
			t.Fatalf("%s(FIFO) blocked for 5 s", name)
		}
	}
}

// TestFIFOCommand: the command given a FIFO as its model says so and
// exits 2 at once.
func TestFIFOCommand(t *testing.T) {
	if testing.Short() && runtime.GOARCH != "amd64" {
		t.Skip("builds the command; slow under emulation")
	}
	fifo := mkfifo(t)
	in := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(in, []byte("1,0,0\n"), 0o644))
	for _, args := range [][]string{
		{"run", "-model", fifo, "-input", in},
		{"generate", "-model", fifo, "-n", "5"},
	} {
		_, stderr, code := clitest.Run(t, 5*time.Second, nil, args...)
		require.Equal(t, 2, code, "%q: %s", args, stderr)
		require.Contains(t, stderr, "not a regular file")
		require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	}
}
