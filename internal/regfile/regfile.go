// Package regfile opens and reads files named from outside (a model, a
// recording, a training text) without blocking on what is not a regular
// file and without reading more than a caller's limit: a FIFO with no
// writer, a device such as /dev/zero or a terminal would otherwise hang
// open(2) or read(2), or grow a buffer until memory runs out.
package regfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file (a directory, a FIFO, a device, a socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by ReadFile's error for a file larger than its
// limit.
var ErrTooLarge = errors.New("file too large")

// Open opens the regular file at path for reading and returns it with its
// size. It checks the path with os.Stat before opening it, opens it with
// O_NONBLOCK where the system has it (so that a FIFO swapped in after the
// check does not block the open), and checks the opened file again with
// fstat(2); what is not a regular file gives an error wrapping
// ErrNotRegular that names path.
func Open(path string) (*os.File, int64, error) {
	f, st, err := openIf(path, os.FileMode.IsRegular)
	if err != nil {
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// openIf opens path without blocking when its mode satisfies ok, checked
// by name before the open and on the open file after it (the name may
// have been replaced in between).
func openIf(path string, ok func(os.FileMode) bool) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !ok(st.Mode()) {
		return nil, nil, notRegular(path, st.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !ok(st.Mode()) {
		f.Close()
		return nil, nil, notRegular(path, st.Mode())
	}
	return f, st, nil
}

// OpenStream is Open for a reader that also takes a stream: it accepts a
// FIFO too (a shell pipeline's /dev/stdin, a named pipe a converter
// writes to). The FIFO is opened with O_NONBLOCK, so neither the open nor
// the reads wait for a writer that is not there: with none, reading ends
// at once (EOF); with one, reads wait for its data as usual. The size
// returned for a FIFO is -1. Devices, directories and sockets are refused
// as Open refuses them.
func OpenStream(path string) (*os.File, int64, error) {
	f, st, err := openIf(path, streamable)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return f, -1, nil
	}
	return f, st.Size(), nil
}

func streamable(m fs.FileMode) bool {
	return m.IsRegular() || m.Type() == fs.ModeNamedPipe
}

func notRegular(path string, mode fs.FileMode) error {
	return fmt.Errorf("%s: %w (mode %v)", path, ErrNotRegular, mode)
}

// ReadFile reads the whole regular file at path (see Open), which must
// hold at most limit bytes: a larger one gives an error wrapping
// ErrTooLarge before anything is read, and one that grows past limit
// while it is read, the same error. Memory is what the file holds.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > limit {
		return nil, tooLarge(path, limit)
	}
	// One byte more than the size stat gave, to see a file that grew.
	b := make([]byte, 0, size+1)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, tooLarge(path, limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s: %w: more than %d bytes", path, ErrTooLarge, limit)
}
