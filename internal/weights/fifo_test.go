//go:build linux || darwin

package weights_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/rnn"
)

// TestOpenFIFO checks that every entry point that opens a model file
// refuses a FIFO with no writer promptly instead of blocking in open(2).
// It lives in the external test package so that it covers the loaders
// built on weights.Open too.
func TestOpenFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "model.safetensors")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	loaders := map[string]func() error{
		"weights.Open": func() error { _, err := weights.Open(fifo); return err },
		"rnn.Load":     func() error { _, err := rnn.Load(fifo); return err },
		"rnn.LoadLM":   func() error { _, err := rnn.LoadLM(fifo); return err },
		"attn.LoadMultiHead": func() error {
			_, err := attn.LoadMultiHead(fifo, "", 1)
			return err
		},
	}
	for name, load := range loaders {
		done := make(chan error, 1)
		go func() { done <- load() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s(FIFO) succeeded", name)
			} else {
				t.Logf("%s: %v", name, err)
			}
		case <-time.After(5 * time.Second):
			// Open the writing end to release the blocked open.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			<-done
			t.Errorf("%s(FIFO) blocked for 5 s", name)
		}
	}
}
