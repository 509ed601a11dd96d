package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkTrainOutput refuses, before any training, an -out that train must
// not or cannot write: the training text itself (the same file by any
// path, symbolic or hard link), an existing file unless resume or force
// says to replace it, a directory or other non-regular file, and a place
// where no file can be created.
func checkTrainOutput(out, text string, resume, force bool) error {
	if out == "" {
		return usageError{"train: -out must not be empty"}
	}
	st, err := os.Stat(out)
	switch {
	case err == nil:
		if st.IsDir() {
			return usageError{fmt.Sprintf("train: -out %s is a directory", out)}
		}
		if !st.Mode().IsRegular() {
			return usageError{fmt.Sprintf("train: -out %s is not a regular file", out)}
		}
		if ts, err := os.Stat(text); err == nil && os.SameFile(st, ts) {
			return usageError{fmt.Sprintf("train: -out %s is the training text -text %s; it would be overwritten", out, text)}
		}
		if !resume && !force {
			return usageError{fmt.Sprintf("train: -out %s exists (-resume continues training it, -force replaces it)", out)}
		}
	case errors.Is(err, fs.ErrNotExist):
		if resume {
			return usageError{fmt.Sprintf("train: -resume: no model at -out %s", out)}
		}
	default:
		return fmt.Errorf("train: cannot use -out %s: %w", out, err)
	}
	return checkWritable(out)
}

// checkWritable reports whether a file can be created beside path.
func checkWritable(path string) error {
	probe, err := os.CreateTemp(filepath.Dir(path), ".simdcore-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
