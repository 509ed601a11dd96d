package weights

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// staleAge is the age after which Save removes a temporary file of its
// naming whatever process made it.
const staleAge = 24 * time.Hour

// Save writes tensors and metadata to the file at path as Write does, so
// that path holds either its old content or the complete new file, never
// a part of it:
//
//   - It writes a temporary file beside the file it replaces, named
//     ".<name>.tmp-<pid>-<random>" (<name> the file's base name, <pid> the
//     process ID of the writer, <random> 16 hex digits), flushes it to
//     disk (fsync) and renames it over the file.
//   - Before that, it removes the temporary files of that naming left for
//     the same file by a Save that did not finish (a killed process): those
//     whose process is no longer running (on Unix, where that can be
//     checked) or that are older than 24 hours. Files of live processes,
//     this one included, are left alone, so that concurrent Saves do not
//     disturb each other. Files named ".<name>.tmp<digits>", as earlier
//     versions of Save named them, are removed when older than 24 hours.
//   - An existing file keeps its permission bits (not its owner); a new
//     file gets 0644 less the umask.
//   - A symbolic link at path is written through: the file it points to
//     (after every link) is replaced, in its own directory, and the link
//     stays. A link that points nowhere is an error, and nothing is
//     created.
func Save(path string, tensors []Tensor, metadata map[string]string) error {
	if _, _, err := header(tensors, metadata); err != nil {
		return err
	}
	if err := save(path, tensors, metadata); err != nil {
		return fmt.Errorf("weights: save %s: %w", path, err)
	}
	return nil
}

func save(path string, tensors []Tensor, metadata map[string]string) error {
	target, perm, exists, err := saveTarget(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	var rnd [8]byte
	_, _ = rand.Read(rnd[:]) // never fails
	tmpName := filepath.Join(dir, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(rnd[:]))
	tmp, err := os.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmpName) // fails harmlessly once renamed
	bw := bufio.NewWriterSize(tmp, 1<<20)
	err = Write(bw, tensors, metadata)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && exists {
		// The umask may have cleared bits of the old mode at creation.
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmpName, target)
	}
	return err
}

// saveTarget resolves the file Save replaces: path itself, or the file a
// symbolic link at path points to. perm is the mode to give the new file:
// the existing file's permission bits, or 0644 (less the umask) for a new
// one.
func saveTarget(path string) (target string, perm os.FileMode, exists bool, err error) {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return path, 0o644, false, nil
	case err != nil:
		return "", 0, false, err
	case st.Mode().Type() == os.ModeSymlink:
		if path, err = filepath.EvalSymlinks(path); err != nil {
			return "", 0, false, fmt.Errorf("symbolic link to nowhere: %w", err)
		}
		if st, err = os.Stat(path); err != nil {
			return "", 0, false, err
		}
	}
	if !st.Mode().IsRegular() {
		return "", 0, false, fmt.Errorf("not a regular file (mode %v)", st.Mode())
	}
	return path, st.Mode().Perm(), true, nil
}

// tempPrefix is the start of the names of Save's temporary files for the
// file called base; the writer's process ID and a random suffix follow.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStale removes the temporary files in dir of an unfinished Save of
// base: those of Save's naming whose writer is no longer running or that
// are older than staleAge. Errors are ignored: cleaning up is a courtesy.
func removeStale(dir, base string) {
	prefix := tempPrefix(base)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if isLegacyTemp(e.Name(), base) {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAge {
				os.Remove(filepath.Join(dir, e.Name()))
			}
			continue
		}
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pidText, suffix, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || suffix == "" || strings.Contains(suffix, "-") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if (pid != os.Getpid() && !processAlive(pid)) || time.Since(info.ModTime()) > staleAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// isLegacyTemp reports whether name is a temporary file of base as earlier
// versions of Save named them (os.CreateTemp's ".<name>.tmp<digits>"),
// which carry no process ID.
func isLegacyTemp(name, base string) bool {
	digits, ok := strings.CutPrefix(name, "."+base+".tmp")
	if !ok || digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
