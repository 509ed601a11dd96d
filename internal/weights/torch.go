package weights

// This file reads the checkpoint torch.save writes by default since torch
// 1.6: a zip archive (entries stored, 64-byte aligned) whose entries sit
// in one folder, named after the file for torch 1.x ("model/data.pkl") and
// "archive" for a buffer:
//
//	<folder>/data.pkl            the pickled object (protocol 2)
//	<folder>/data/<key>          one storage's raw bytes, little-endian
//	<folder>/byteorder           "little" or "big" (torch ≥ 1.10)
//	<folder>/version             the format version ("3\n"; also .data/version)
//	<folder>/.data/serialization_id   an identifier (torch ≥ 2.1), unused
//
// For a state_dict the pickle is an OrderedDict of name → tensor, each a
// torch._utils._rebuild_tensor_v2 of a storage named by a persistent ID
// ('storage', torch.FloatStorage, key, location, numel). readTorch turns
// it into a File like a safetensors file's (torch_state.go, shared with
// the legacy format's reader): every tensor gathered into a contiguous
// copy in the File's buffer, with the dtype its storage class maps to,
// and no metadata. A training checkpoint's dict gives the one state_dict
// under "state_dict", "model", "model_state_dict" or "net" (stateDict);
// the location string of a persistent ID is not read.

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
)

const (
	// maxViewFactor bounds the bytes of the tensors a checkpoint holds to
	// this many times the bytes of the storages they view: tensors that
	// share a storage (tied weights) each get a copy, and so would a view
	// that repeats elements (a stride of 0), which could otherwise make a
	// small file ask for any amount of memory.
	maxViewFactor = 16

	// maxDeflateRatio is the most a deflated entry may claim to expand:
	// deflate's limit is 1032 to 1.
	maxDeflateRatio = 1040

	// maxInflateFactor bounds the bytes all deflated entries expand to,
	// together, to this many times the file (plus maxInflateSlack), so
	// that a small file cannot ask for gigabytes by deflate's ratio.
	// torch.save stores its entries; a checkpoint recompressed by hand
	// expands by little, weights being noise to deflate.
	maxInflateFactor = 64
	maxInflateSlack  = 1 << 20

	// maxSmallRecord is the most bytes read of byteorder and version.
	maxSmallRecord = 64
)

// Formats a File is read from, as File.Format reports them.
const (
	FormatSafetensors = "safetensors"
	FormatTorch       = "torch"
)

// errTorchFormat is what a torch checkpoint's format errors wrap: it
// reads "malformed torch checkpoint" and is ErrFormat.
var errTorchFormat = &kindError{"malformed torch checkpoint", ErrFormat}

type kindError struct {
	msg string
	err error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.err }

// composed is a message part already built by sprintf, whose strings
// from the file are clipped: as an argument of sprintf it prints whole,
// where a string would be clipped again, cutting the message's own words.
type composed string

// torchError builds an error wrapping ErrFormat about a torch checkpoint.
func torchError(src, format string, args ...any) error {
	return fmt.Errorf("weights: %s%w: %s", src, errTorchFormat, sprintf(format, args...))
}

// isTorchZip reports whether head, a file's first bytes, starts a zip
// archive rather than a safetensors file. A zip starts "PK\x03\x04" (or
// "PK\x05\x06" when empty); read as a safetensors header length that is
// 67 MB, which a safetensors file could declare only if its header, at
// byte 8, began with "{" or JSON whitespace, where a zip has its
// compression method (0 or 8).
func isTorchZip(head []byte) bool {
	if len(head) < 9 || head[0] != 'P' || head[1] != 'K' {
		return false
	}
	if !(head[2] == 3 && head[3] == 4) && !(head[2] == 5 && head[3] == 6) {
		return false
	}
	switch head[8] {
	case '{', ' ', '\t', '\r', '\n':
		return false
	}
	return true
}

// torchReader reads one zip checkpoint.
type torchReader struct {
	r        io.ReaderAt
	size     int64
	src      string
	folder   string // "model/"
	entries  map[string]*zip.File
	inflated int64 // bytes of deflated entries read so far
}

// readTorch reads a torch.save zip checkpoint of a state_dict of size
// bytes from r.
func readTorch(r io.ReaderAt, size int64, src string) (*File, error) {
	r = within{r, size}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		what := "not a readable zip archive"
		if errors.Is(err, zip.ErrFormat) {
			// The first bytes were a zip's; its directory, at the end, is not.
			what += " (truncated? a zip archive's directory is at its end, and this file's is missing or damaged)"
		}
		return nil, zipError(err, src, what)
	}
	t := &torchReader{r: r, size: size, src: src, entries: make(map[string]*zip.File, len(zr.File))}
	for _, zf := range zr.File {
		if t.folder == "" {
			dir, _, ok := strings.Cut(zf.Name, "/")
			if !ok || dir == "" {
				return nil, torchError(src, "zip entry %q is not in a folder, as torch.save writes every entry", zf.Name)
			}
			t.folder = dir + "/"
		}
		name, ok := strings.CutPrefix(zf.Name, t.folder)
		if !ok {
			return nil, torchError(src, "zip entry %q is outside the archive's folder %q", zf.Name, t.folder)
		}
		if _, dup := t.entries[name]; dup {
			return nil, torchError(src, "zip entry %q appears twice", zf.Name)
		}
		t.entries[name] = zf
	}
	if err := t.checkHeader(); err != nil {
		return nil, err
	}
	pkl, ok := t.entries["data.pkl"]
	if !ok {
		return nil, torchError(src, "no %q: a zip archive, but not a torch.save checkpoint", t.folder+"data.pkl")
	}
	if pkl.UncompressedSize64 > maxPickleSize {
		return nil, torchError(src, "data.pkl of %d bytes exceeds the limit of %d bytes", pkl.UncompressedSize64, maxPickleSize)
	}
	b, err := t.record(pkl, int64(pkl.UncompressedSize64))
	if err != nil {
		return nil, err
	}
	v, err := unpickle(b, src)
	if err != nil {
		return nil, err
	}
	plan, err := planTensors(src, v, t.size)
	if err != nil {
		return nil, err
	}
	data, err := t.storages(plan.storages)
	if err != nil {
		return nil, err
	}
	return plan.build(data), nil
}

// storages reads the records of the storages ss: every one checked
// before any is read.
func (t *torchReader) storages(ss []*pyStorage) (map[*pyStorage][]byte, error) {
	for _, s := range ss {
		zf, ok := t.entries["data/"+s.key]
		if !ok {
			return nil, torchError(t.src, "storage %q has no record %q", s.key, t.folder+"data/"+s.key)
		}
		if want := uint64(storageBytes(s)); zf.UncompressedSize64 != want {
			return nil, torchError(t.src, "storage %q: %d elements of %s need %d bytes, its record holds %d", s.key, s.numel, s.typ, want, zf.UncompressedSize64)
		}
	}
	data := make(map[*pyStorage][]byte, len(ss))
	for _, s := range ss {
		b, err := t.record(t.entries["data/"+s.key], storageBytes(s))
		if err != nil {
			return nil, err
		}
		data[s] = b
	}
	return data, nil
}

// within is the file of size bytes at r, read only within its bounds:
// archive/zip reads where the archive's offsets say, and an offset
// outside the file (a negative one too) is the archive's fault, not an
// I/O error of r's.
type within struct {
	r    io.ReaderAt
	size int64
}

// errOutside is within's error for a read that starts outside the file.
var errOutside = errors.New("an offset outside the file")

func (w within) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > w.size {
		return 0, errOutside
	}
	if rest := w.size - off; int64(len(p)) > rest {
		n, err := w.r.ReadAt(p[:rest], off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return w.r.ReadAt(p, off)
}

// zipError classifies an error of archive/zip: the archive's or its
// compressed data's fault is ErrFormat, anything else is r's I/O error.
func zipError(err error, src, what string) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrAlgorithm) || errors.Is(err, zip.ErrChecksum) ||
		errors.Is(err, errOutside) ||
		errors.Is(err, zip.ErrInsecurePath) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &corrupt) {
		return torchError(src, "%s: %v", composed(what), err)
	}
	return fmt.Errorf("weights: %sread: %w", src, err)
}

// checkHeader checks the byte order and version records, if present.
func (t *torchReader) checkHeader() error {
	if zf, ok := t.entries["byteorder"]; ok {
		b, err := t.small(zf)
		if err != nil {
			return err
		}
		switch string(b) {
		case "little":
		case "big":
			return torchError(t.src, "a big-endian checkpoint (byteorder \"big\"), which this reader does not convert: load it with torch on any machine and save it again, or save it as safetensors")
		default:
			return torchError(t.src, "byteorder %q is neither \"little\" nor \"big\"", string(b))
		}
	}
	for _, name := range []string{"version", ".data/version"} {
		zf, ok := t.entries[name]
		if !ok {
			continue
		}
		b, err := t.small(zf)
		if err != nil {
			return err
		}
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || v < 1 {
			return torchError(t.src, "%s %q is not a format version", name, string(b))
		}
	}
	return nil
}

// small reads a record of at most maxSmallRecord bytes.
func (t *torchReader) small(zf *zip.File) ([]byte, error) {
	if zf.UncompressedSize64 > maxSmallRecord {
		return nil, torchError(t.src, "%q of %d bytes, want at most %d", zf.Name, zf.UncompressedSize64, maxSmallRecord)
	}
	return t.record(zf, int64(zf.UncompressedSize64))
}

// record reads the whole entry zf, which must hold exactly want bytes:
// a stored entry's bytes lie within the file, and a deflated one claims
// no more than deflate can expand to, so that nothing is allocated that
// the file does not back.
func (t *torchReader) record(zf *zip.File, want int64) ([]byte, error) {
	if zf.UncompressedSize64 != uint64(want) {
		return nil, torchError(t.src, "zip entry %q holds %d bytes, want %d", zf.Name, zf.UncompressedSize64, want)
	}
	switch zf.Method {
	case zip.Store:
		if zf.CompressedSize64 != zf.UncompressedSize64 {
			return nil, torchError(t.src, "stored zip entry %q has %d bytes compressed and %d uncompressed", zf.Name, zf.CompressedSize64, zf.UncompressedSize64)
		}
	case zip.Deflate:
		if hi, lo := bits.Mul64(zf.CompressedSize64, maxDeflateRatio); hi == 0 && zf.UncompressedSize64 > lo+1024 {
			return nil, torchError(t.src, "deflated zip entry %q claims %d bytes from %d", zf.Name, zf.UncompressedSize64, zf.CompressedSize64)
		}
		if limit := maxInflateFactor*t.size + maxInflateSlack; want > limit-t.inflated {
			return nil, torchError(t.src, "deflated zip entries expand to more than %d bytes, %d times the file: save it uncompressed, as torch.save does", limit, maxInflateFactor)
		}
		t.inflated += want
	default:
		return nil, torchError(t.src, "zip entry %q uses compression method %d (want stored or deflate)", zf.Name, zf.Method)
	}
	off, err := zf.DataOffset()
	if err != nil {
		return nil, zipError(err, t.src, sprintf("zip entry %q", zf.Name))
	}
	if off < 0 || zf.CompressedSize64 > uint64(t.size) || uint64(off) > uint64(t.size)-zf.CompressedSize64 {
		return nil, torchError(t.src, "zip entry %q: %d bytes at offset %d run past the end of the %d-byte file (truncated?)", zf.Name, zf.CompressedSize64, off, t.size)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, zipError(err, t.src, sprintf("zip entry %q", zf.Name))
	}
	defer rc.Close()
	b := make([]byte, want)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, zipError(err, t.src, sprintf("zip entry %q", zf.Name))
	}
	// Reading to the end checks the CRC-32.
	var one [1]byte
	if n, err := rc.Read(one[:]); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			return nil, torchError(t.src, "zip entry %q holds more than its %d bytes", zf.Name, want)
		}
		return nil, zipError(err, t.src, sprintf("zip entry %q", zf.Name))
	}
	return b, nil
}
