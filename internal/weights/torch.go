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
// it into a File like a safetensors file's: every tensor gathered into a
// contiguous copy in the File's buffer, with the dtype its storage class
// maps to, and no metadata. A training checkpoint's dict gives the one
// state_dict under "state_dict", "model", "model_state_dict" or "net"
// (stateDict); the location string of a persistent ID is not read.

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
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

// legacyMagic starts a checkpoint of torch.save's legacy format
// (_use_new_zipfile_serialization=False): PROTO 2, then LONG1 of the magic
// number 0x1950a86a20f9469cfc6c.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

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
	v, storages, err := unpickle(b, src)
	if err != nil {
		return nil, err
	}
	return t.file(v, storages)
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

// view is one tensor of the state_dict, checked, before its data is read.
type view struct {
	name  string
	t     *pyTensor
	dtype DType
	shape []int
	n     int // elements
}

// file checks the unpickled state_dict and builds the File: each tensor
// gathered from its storage into a contiguous copy, in the dict's order.
func (t *torchReader) file(v any, storages map[string]*pyStorage) (*File, error) {
	d, ok := v.(*pyDict)
	if !ok {
		return nil, torchError(t.src, "the checkpoint holds %s, not a state_dict (torch.save(model.state_dict(), path))", typeName(v))
	}
	d, err := t.stateDict(d)
	if err != nil {
		return nil, err
	}
	if d.bad {
		if name, ok := d.badK.(string); !ok {
			return nil, torchError(t.src, "a state_dict key is %s, not a string", typeName(d.badK))
		} else {
			return nil, torchError(t.src, "%q is %s, not a tensor: only a state_dict of tensors can be read", name, typeName(d.badV))
		}
	}
	views := make([]view, 0, d.n)
	seen := make(map[string]bool, d.n)
	used := map[*pyStorage]bool{}
	var outBytes, storageBytes int64
	limit := min(MaxDataSize, int64(maxInt))
	for _, pair := range slices.Concat(d.chunks...) {
		name := pair.key
		if len(name) > MaxNameLength {
			return nil, torchError(t.src, "tensor name %q is longer than %d bytes", name, MaxNameLength)
		}
		if seen[name] {
			return nil, torchError(t.src, "tensor %q appears twice", name)
		}
		seen[name] = true
		vw, err := t.check(name, pair.t)
		if err != nil {
			return nil, err
		}
		es := int64(vw.dtype.Bits() / 8)
		if int64(vw.n) > (limit-outBytes)/es {
			return nil, torchError(t.src, "tensors of more than %d bytes", limit)
		}
		outBytes += int64(vw.n) * es
		if s := vw.t.storage; !used[s] && vw.n > 0 {
			used[s] = true
			if s.numel > (limit-storageBytes)/es {
				return nil, torchError(t.src, "storages of more than %d bytes", limit)
			}
			storageBytes += s.numel * es
			if storageBytes > limit {
				return nil, torchError(t.src, "storages of more than %d bytes", limit)
			}
		}
		views = append(views, vw)
	}
	if outBytes > maxViewFactor*storageBytes {
		return nil, torchError(t.src, "tensors of %d bytes view storages of %d: more than %d times, as only views repeating elements would", outBytes, storageBytes, maxViewFactor)
	}
	// Check every storage's record before reading any.
	keys := make([]string, 0, len(used))
	for s := range used {
		keys = append(keys, s.key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		s := storages[key]
		zf, ok := t.entries["data/"+key]
		if !ok {
			return nil, torchError(t.src, "storage %q has no record %q", key, t.folder+"data/"+key)
		}
		if want := uint64(s.numel) * uint64(storageTypes[s.typ].Bits()/8); zf.UncompressedSize64 != want {
			return nil, torchError(t.src, "storage %q: %d elements of %s need %d bytes, its record holds %d", key, s.numel, s.typ, want, zf.UncompressedSize64)
		}
	}
	data := make(map[*pyStorage][]byte, len(keys))
	for _, key := range keys {
		s := storages[key]
		b, err := t.record(t.entries["data/"+key], s.numel*int64(storageTypes[s.typ].Bits()/8))
		if err != nil {
			return nil, err
		}
		data[s] = b
	}
	f := &File{src: t.src, format: FormatTorch, infos: make([]Info, len(views)), index: make(map[string]int, len(views)),
		names: make([]string, len(views)), data: make([]byte, outBytes)}
	var at int64
	for i, vw := range views {
		es := int64(vw.dtype.Bits() / 8)
		end := at + int64(vw.n)*es
		if vw.n > 0 {
			gather(f.data[at:end], data[vw.t.storage], vw.t, int(es))
		}
		f.infos[i] = Info{Name: vw.name, DType: vw.dtype, Shape: vw.shape, Begin: at, End: end}
		f.index[vw.name] = i
		f.names[i] = vw.name
		at = end
	}
	slices.Sort(f.names)
	return f, nil
}

// stateDict returns the state_dict the checkpoint's dict d holds: d
// itself when it maps strings to tensors (or is empty, or mixes tensors
// with other values, which file then refuses naming the first); else,
// for a training checkpoint, the one dict of strings to tensors under
// the keys of checkpointKeys. Two such dicts (not one under two keys)
// are refused, naming both, as is a checkpoint with none, naming its
// keys: which to load is never guessed.
func (t *torchReader) stateDict(d *pyDict) (*pyDict, error) {
	if !d.bad || d.tensors > 0 {
		return d, nil
	}
	var found []pySub
	for _, s := range d.subs {
		if !s.d.bad && !slices.ContainsFunc(found, func(f pySub) bool { return f.d == s.d }) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0].d, nil
	case 0:
		return nil, torchError(t.src, "the checkpoint is a dict of %s, not a state_dict, and as a training checkpoint it holds no state_dict (a dict of tensors) under %s, the keys this reader looks under: "+
			"save model.state_dict() itself, or the checkpoint with the state_dict under one of those keys", keyList(d), quotedOr(checkpointKeys))
	}
	return nil, torchError(t.src, "the checkpoint is a training checkpoint with state_dicts under both %q and %q, and which one to load is not guessed: "+
		"save the one wanted by itself, as torch.save(checkpoint[%q], path)", found[0].key, found[1].key, found[0].key)
}

// keyList lists the keys kept of d for a message: "\"epoch\", \"optimizer\"".
func keyList(d *pyDict) string {
	var b strings.Builder
	for i, k := range d.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		if s, ok := k.(string); ok {
			b.WriteString(strconv.Quote(s))
		} else {
			b.WriteString(typeName(k))
		}
	}
	if d.n > len(d.keys) {
		fmt.Fprintf(&b, " and %d more", d.n-len(d.keys))
	}
	if d.n == 0 {
		return "no keys"
	}
	return b.String()
}

// quotedOr lists words quoted: "a", "b" or "c".
func quotedOr(words []string) string {
	var b strings.Builder
	for i, w := range words {
		switch {
		case i == len(words)-1 && i > 0:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(w))
	}
	return b.String()
}

// check checks that the tensor of the state_dict entry name has a
// supported storage class and a view that lies within its storage.
func (t *torchReader) check(name string, tt *pyTensor) (view, error) {
	s := tt.storage
	dt, ok := storageTypes[s.typ]
	if !ok {
		return view{}, torchError(t.src, "tensor %q has storage type torch.%s, which this reader does not convert (float, half, bfloat16, double, integer and bool tensors are read)", name, s.typ)
	}
	vw := view{name: name, t: tt, dtype: dt, shape: make([]int, len(tt.size))}
	for k, d := range tt.size {
		if d > int64(maxInt) {
			return view{}, torchError(t.src, "tensor %q: size %v overflows", name, tt.size)
		}
		vw.shape[k] = int(d)
	}
	if vw.n = numElements(vw.shape); vw.n < 0 {
		return view{}, torchError(t.src, "tensor %q: size %v overflows", name, tt.size)
	}
	if vw.n == 0 {
		return vw, nil
	}
	// The last element's index, offset + Σ (size−1)·stride, must lie
	// within the storage; each term is checked against it, so nothing
	// overflows.
	last := tt.offset
	for k, d := range tt.size {
		st := tt.stride[k]
		if st != 0 && d-1 > (s.numel-last)/st {
			return view{}, t.outside(name, tt)
		}
		last += (d - 1) * st
	}
	if last >= s.numel {
		return view{}, t.outside(name, tt)
	}
	if int64(vw.n)/maxViewFactor > s.numel {
		return view{}, torchError(t.src, "tensor %q: %d elements viewing a storage of %d", name, vw.n, s.numel)
	}
	return vw, nil
}

func (t *torchReader) outside(name string, tt *pyTensor) error {
	return torchError(t.src, "tensor %q: size %v, stride %v and offset %d reach past its storage %q of %d elements",
		name, tt.size, tt.stride, tt.offset, tt.storage.key, tt.storage.numel)
}

// gather copies the elements of es bytes that t views in src into dst, in
// row-major order; check has bounded every index.
func gather(dst, src []byte, t *pyTensor, es int) {
	n := int64(len(dst) / es)
	contiguous, want := true, int64(1)
	for k := len(t.size) - 1; k >= 0; k-- {
		if t.size[k] != 1 && t.stride[k] != want {
			contiguous = false
			break
		}
		want *= t.size[k]
	}
	if contiguous {
		copy(dst, src[t.offset*int64(es):(t.offset+n)*int64(es)])
		return
	}
	rank := len(t.size)
	idx := make([]int64, rank)
	inner, innerStride := t.size[rank-1], t.stride[rank-1]
	pos := t.offset // of idx, with idx[rank-1] = 0
	for o := int64(0); o < n; o += inner {
		p := pos
		for j := int64(0); j < inner; j++ {
			copy(dst[(o+j)*int64(es):], src[p*int64(es):(p+1)*int64(es)])
			p += innerStride
		}
		for k := rank - 2; k >= 0; k-- {
			idx[k]++
			pos += t.stride[k]
			if idx[k] < t.size[k] {
				break
			}
			pos -= idx[k] * t.stride[k]
			idx[k] = 0
		}
	}
}

// isLegacyTorch reports whether head starts a checkpoint of torch.save's
// legacy format; legacyError says how to convert one.
func isLegacyTorch(head []byte) bool { return bytes.HasPrefix(head, legacyMagic) }

func legacyError(src string) error {
	return torchError(src, "a checkpoint in torch.save's legacy format (_use_new_zipfile_serialization=False), which this reader does not read: "+
		"load it with torch and save it again with a current torch.save (the zip format, the default since torch 1.6) or as safetensors")
}
