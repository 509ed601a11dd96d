//go:build linux || darwin

package regfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// noBlock runs the checks of TestNoBlock: a FIFO with no writer and a
// character device are refused (Open, ReadFile) or end at once
// (OpenStream of the FIFO).
func noBlock(fifo string) error {
	if _, err := ReadFile(fifo, 1<<20); !errors.Is(err, ErrNotRegular) {
		return fmt.Errorf("ReadFile(FIFO): %v", err)
	}
	if _, _, err := Open(fifo); !errors.Is(err, ErrNotRegular) {
		return fmt.Errorf("Open(FIFO): %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := ReadFile("/dev/zero", 1<<20); !errors.Is(err, ErrNotRegular) {
			return fmt.Errorf("ReadFile(/dev/zero): %v", err)
		}
		if _, _, err := OpenStream("/dev/zero"); !errors.Is(err, ErrNotRegular) {
			return fmt.Errorf("OpenStream(/dev/zero): %v", err)
		}
	}
	f, size, err := OpenStream(fifo)
	if err != nil {
		return fmt.Errorf("OpenStream(FIFO): %v", err)
	}
	defer f.Close()
	if size != -1 {
		return fmt.Errorf("OpenStream(FIFO): size %d, want -1", size)
	}
	if n, err := f.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		return fmt.Errorf("reading a FIFO with no writer: %d bytes, %v; want EOF", n, err)
	}
	return nil
}

// TestNoBlock: nothing blocks on a FIFO with no writer or reads a device
// without end.
func TestNoBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- noBlock(fifo) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("blocked on a FIFO for 5 s")
	}
}
