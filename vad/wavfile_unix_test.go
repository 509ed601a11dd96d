//go:build linux

package vad

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReadWAVFileFIFO: a FIFO with no writer is an empty file at once
// (os.Open waited for a writer without end), one with a writer is read as
// a stream, and a device is refused (not read).
func TestReadWAVFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "rec.wav")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	type result struct {
		a   *Audio
		err error
	}
	read := func() chan result {
		done := make(chan result, 1)
		go func() {
			a, err := ReadWAVFile(fifo)
			done <- result{a, err}
		}()
		return done
	}
	wait := func(done chan result) result {
		select {
		case r := <-done:
			return r
		case <-time.After(5 * time.Second):
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			<-done
			t.Fatal("ReadWAVFile(FIFO) blocked for 5 s")
			return result{}
		}
	}
	r := wait(read())
	require.ErrorIs(t, r.err, ErrWAV)

	// With a writer, which holds the FIFO open (O_RDWR opens without a
	// reader) until the reader is done, so its data stays in the pipe.
	wav := makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(1, -2, 3)})
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	require.NoError(t, err)
	defer w.Close()
	_, err = w.Write(wav)
	require.NoError(t, err)
	r = wait(read())
	require.NoError(t, r.err)
	require.Len(t, r.a.Samples, 3)

	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := ReadWAVFile("/dev/zero")
		require.ErrorContains(t, err, "not a regular file")
	}
}
