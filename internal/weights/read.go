package weights

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"
)

// File is a validated safetensors file held in memory. Its methods are safe
// for concurrent use; it needs no closing.
type File struct {
	src      string // "path: " for messages, or ""
	infos    map[string]Info
	names    []string // sorted
	metadata map[string]string
	data     []byte
}

// Info describes one tensor as the file's header declares it.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are the tensor's byte range in the buffer that follows
	// the header.
	Begin, End int64
}

// Open reads and validates the safetensors file at path. Errors for a
// malformed file wrap ErrFormat and name the path.
//
// Open never blocks on a path that is not a regular file (a FIFO, a
// device): it checks the path with os.Stat before opening it, opens it
// with O_NONBLOCK where the system has it, and checks the opened file
// again with fstat(2) before reading, so that a file swapped between the
// two checks is refused too.
func Open(path string) (*File, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	fd, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	return read(fd, st.Size(), path+": ")
}

func notRegular(path string, mode os.FileMode) error {
	return fmt.Errorf("weights: %s: not a regular file (mode %v)", path, mode)
}

// Read reads and validates a safetensors file of size bytes from r. It
// checks the header length, the header and every tensor's offsets, dtype
// and shape against size and the limits MaxHeaderSize and MaxDataSize
// before it allocates the buffer, then reads the whole buffer into memory.
// A malformed file, including one shorter than size says, gives an error
// wrapping ErrFormat; an I/O error from r is returned wrapped as it is.
func Read(r io.ReaderAt, size int64) (*File, error) {
	return read(r, size, "")
}

func read(r io.ReaderAt, size int64, src string) (*File, error) {
	if size < 8 {
		return nil, formatError(src, "file of %d bytes is shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if err := readAt(r, lenBuf[:], 0, src); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, formatError(src, "header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, formatError(src, "header length %d exceeds the %d bytes that follow it (truncated file?)", n, size-8)
	}
	dataSize := size - 8 - int64(n)
	if limit := min(MaxDataSize, int64(maxInt)); dataSize > limit {
		return nil, formatError(src, "tensor buffer of %d bytes exceeds the limit of %d bytes", dataSize, limit)
	}
	hdr := make([]byte, n)
	if err := readAt(r, hdr, 8, src); err != nil {
		return nil, err
	}
	f, err := parseHeader(hdr, src)
	if err != nil {
		return nil, err
	}
	if err := f.validate(dataSize); err != nil {
		return nil, err
	}
	f.data = make([]byte, dataSize)
	if err := readAt(r, f.data, 8+int64(n), src); err != nil {
		return nil, err
	}
	return f, nil
}

// readAt fills p from r at off; running out of data is a truncated file.
func readAt(r io.ReaderAt, p []byte, off int64, src string) error {
	if len(p) == 0 {
		return nil
	}
	k, err := r.ReadAt(p, off)
	if k == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatError(src, "truncated: %d bytes at offset %d, only %d present", len(p), off, k)
	}
	return fmt.Errorf("weights: %sread: %w", src, err)
}

// parseHeader decodes the JSON header strictly: one object whose values are
// tensor descriptions, plus an optional string-to-string "__metadata__";
// no duplicate keys; nothing but whitespace after the object.
func parseHeader(hdr []byte, src string) (*File, error) {
	if !utf8.Valid(hdr) {
		return nil, formatError(src, "header is not valid UTF-8")
	}
	p := &parser{dec: json.NewDecoder(bytes.NewReader(hdr)), hdr: hdr, src: src}
	p.dec.UseNumber()
	f := &File{src: src, infos: map[string]Info{}}
	haveMetadata := false
	err := p.object(func(key string) error {
		if key == metadataKey {
			if haveMetadata {
				return p.fail("duplicate key %q", key)
			}
			haveMetadata = true
			m, err := p.metadata()
			f.metadata = m
			return err
		}
		if _, dup := f.infos[key]; dup {
			return p.fail("duplicate key %q", key)
		}
		if len(f.infos) == MaxTensors {
			return p.fail("more than %d tensors", MaxTensors)
		}
		if len(key) > MaxNameLength {
			return p.fail("tensor name %q is longer than %d bytes", key, MaxNameLength)
		}
		info, err := p.info(key)
		f.infos[key] = info
		f.names = append(f.names, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	if tok, err := p.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, p.fail("after the header object: %v", err)
		}
		return nil, p.fail("unexpected %v after the header object", tok)
	}
	slices.Sort(f.names)
	return f, nil
}

// parser walks the header's JSON tokens.
type parser struct {
	dec *json.Decoder
	hdr []byte // what dec reads
	src string
}

func (p *parser) fail(format string, args ...any) error {
	return formatError(p.src, "header: "+format, args...)
}

// peek returns the next non-space byte of the header after the decoder's
// position, or 0 at the end, without consuming it.
func (p *parser) peek() byte {
	off := int(p.dec.InputOffset())
	for _, c := range p.hdr[off:] {
		switch c {
		case ' ', '\t', '\r', '\n', ':', ',':
			continue
		}
		return c
	}
	return 0
}

// token returns the next token, turning a syntax error into ErrFormat.
func (p *parser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err == io.EOF {
		return nil, p.fail("unexpected end of JSON")
	}
	if err != nil {
		return nil, p.fail("invalid JSON: %v", err)
	}
	return tok, nil
}

// object reads a JSON object, calling value for each key with the decoder
// positioned before the key's value.
func (p *parser) object(value func(key string) error) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return p.fail("got %v, want an object", tok)
	}
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return p.fail("got %v, want a key", tok)
		}
		if err := value(key); err != nil {
			return err
		}
	}
	tok, err = p.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('}') {
		return p.fail("got %v, want '}'", tok)
	}
	return nil
}

// metadata reads the "__metadata__" value: null or an object of at most
// MaxMetadataKeys strings, whose keys are at most MaxNameLength bytes.
func (p *parser) metadata() (map[string]string, error) {
	if !p.dec.More() {
		return nil, p.fail("%s: no value", metadataKey)
	}
	var raw json.RawMessage
	if p.peek() != '{' {
		if err := p.dec.Decode(&raw); err != nil {
			return nil, p.fail("%s: invalid JSON: %v", metadataKey, err)
		}
		if string(raw) == "null" {
			return nil, nil
		}
		return nil, p.fail("%s: got %s, want an object", metadataKey, string(raw))
	}
	m := map[string]string{}
	err := p.object(func(key string) error {
		if _, dup := m[key]; dup {
			return p.fail("%s: duplicate key %q", metadataKey, key)
		}
		if len(m) == MaxMetadataKeys {
			return p.fail("%s: more than %d keys", metadataKey, MaxMetadataKeys)
		}
		if len(key) > MaxNameLength {
			return p.fail("%s: key %q is longer than %d bytes", metadataKey, key, MaxNameLength)
		}
		tok, err := p.token()
		if err != nil {
			return err
		}
		s, ok := tok.(string)
		if !ok {
			return p.fail("%s[%q]: got %v, want a string", metadataKey, key, tok)
		}
		m[key] = s
		return nil
	})
	return m, err
}

// info reads one tensor description.
func (p *parser) info(name string) (Info, error) {
	info := Info{Name: name}
	var haveDType, haveShape, haveOffsets bool
	var offsets []uint64
	unknown := 0
	tok, err := p.token()
	if err != nil {
		return info, err
	}
	if tok != json.Delim('{') {
		return info, p.fail("tensor %q: got %v, want an object", name, tok)
	}
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return info, err
		}
		key, _ := tok.(string)
		switch key {
		case "dtype":
			if haveDType {
				return info, p.fail("tensor %q: duplicate field dtype", name)
			}
			haveDType = true
			tok, err := p.token()
			if err != nil {
				return info, err
			}
			s, ok := tok.(string)
			if !ok {
				return info, p.fail("tensor %q: dtype %v is not a string", name, tok)
			}
			info.DType = DType(s)
			if info.DType.Bits() == 0 {
				return info, p.fail("tensor %q: unknown dtype %q", name, s)
			}
		case "shape":
			if haveShape {
				return info, p.fail("tensor %q: duplicate field shape", name)
			}
			haveShape = true
			dims, err := p.uints(name, "shape", MaxRank)
			if err != nil {
				return info, err
			}
			info.Shape = make([]int, len(dims))
			for i, d := range dims {
				if d > uint64(maxInt) {
					return info, p.fail("tensor %q: dimension %d too large", name, d)
				}
				info.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return info, p.fail("tensor %q: duplicate field data_offsets", name)
			}
			haveOffsets = true
			if offsets, err = p.uints(name, "data_offsets", 2); err != nil {
				return info, err
			}
			if len(offsets) != 2 {
				return info, p.fail("tensor %q: data_offsets has %d entries, want 2", name, len(offsets))
			}
		default:
			// Unknown fields are ignored, as the reference implementation
			// ignores them, up to maxUnknownFields of them.
			if unknown++; unknown > maxUnknownFields {
				return info, p.fail("tensor %q: more than %d unknown fields", name, maxUnknownFields)
			}
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return info, p.fail("tensor %q: invalid JSON: %v", name, err)
			}
		}
	}
	if tok, err := p.token(); err != nil {
		return info, err
	} else if tok != json.Delim('}') {
		return info, p.fail("tensor %q: got %v, want '}'", name, tok)
	}
	switch {
	case !haveDType:
		return info, p.fail("tensor %q: no dtype", name)
	case !haveShape:
		return info, p.fail("tensor %q: no shape", name)
	case !haveOffsets:
		return info, p.fail("tensor %q: no data_offsets", name)
	}
	if offsets[0] > offsets[1] {
		return info, p.fail("tensor %q: data_offsets [%d, %d] end before they begin", name, offsets[0], offsets[1])
	}
	if offsets[1] > uint64(math.MaxInt64) {
		return info, p.fail("tensor %q: data_offsets [%d, %d] out of range", name, offsets[0], offsets[1])
	}
	info.Begin, info.End = int64(offsets[0]), int64(offsets[1])
	// The byte count must be exactly elements × element size, computed
	// without overflow.
	count := uint64(1)
	for _, d := range info.Shape {
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 {
			return info, p.fail("tensor %q: shape %v overflows", name, info.Shape)
		}
		count = lo
	}
	hi, nbits := bits.Mul64(count, uint64(info.DType.Bits()))
	if hi != 0 {
		return info, p.fail("tensor %q: shape %v overflows", name, info.Shape)
	}
	if nbits%8 != 0 {
		return info, p.fail("tensor %q: %d elements of %s are not a whole number of bytes", name, count, info.DType)
	}
	nbytes := nbits / 8
	if nbytes != offsets[1]-offsets[0] {
		return info, p.fail("tensor %q: %s%v needs %d bytes but data_offsets [%d, %d] hold %d",
			name, info.DType, info.Shape, nbytes, offsets[0], offsets[1], offsets[1]-offsets[0])
	}
	return info, nil
}

// uints reads a JSON array of at most max non-negative integers.
func (p *parser) uints(name, field string, max int) ([]uint64, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, p.fail("tensor %q: %s: got %v, want an array", name, field, tok)
	}
	var out []uint64
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if len(out) == max {
			return nil, p.fail("tensor %q: %s has more than %d entries", name, field, max)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, p.fail("tensor %q: %s: got %v, want an integer", name, field, tok)
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			return nil, p.fail("tensor %q: %s: %s is not a non-negative integer", name, field, num)
		}
		out = append(out, v)
	}
	if _, err := p.token(); err != nil { // the closing ']'
		return nil, err
	}
	return out, nil
}

// validate checks that the tensors, in order of their offsets, tile the
// buffer of dataSize bytes exactly: no gap, no overlap, nothing past the end.
func (f *File) validate(dataSize int64) error {
	order := make([]Info, 0, len(f.infos))
	for _, info := range f.infos {
		order = append(order, info)
	}
	slices.SortFunc(order, func(a, b Info) int {
		return cmp.Or(cmp.Compare(a.Begin, b.Begin), cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
	})
	var next int64
	for _, info := range order {
		switch {
		case info.Begin < next:
			return formatError(f.src, "tensor %q: data_offsets [%d, %d] overlap the tensor before, which ends at %d",
				info.Name, info.Begin, info.End, next)
		case info.Begin > next:
			return formatError(f.src, "tensor %q: data_offsets [%d, %d] leave a gap after byte %d",
				info.Name, info.Begin, info.End, next)
		}
		next = info.End
	}
	if next != dataSize {
		return formatError(f.src, "tensors cover %d bytes but the buffer after the header holds %d", next, dataSize)
	}
	return nil
}

// Len returns the number of tensors in the file.
func (f *File) Len() int { return len(f.names) }

// Names returns the names of the tensors, sorted.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Has reports whether the file holds a tensor called name.
func (f *File) Has(name string) bool {
	_, ok := f.infos[name]
	return ok
}

// Info describes the tensor called name as the header declares it; ok is
// false if there is none.
func (f *File) Info(name string) (info Info, ok bool) {
	info, ok = f.infos[name]
	info.Shape = slices.Clone(info.Shape)
	return info, ok
}

// Metadata returns a copy of the header's "__metadata__" map; it is empty,
// not nil, if the file has none.
func (f *File) Metadata() map[string]string {
	m := make(map[string]string, len(f.metadata))
	for k, v := range f.metadata {
		m[k] = v
	}
	return m
}

// Shape returns the shape of the tensor called name, or an error wrapping
// ErrMissing if there is none.
func (f *File) Shape(name string) ([]int, error) {
	info, ok := f.infos[name]
	if !ok {
		return nil, f.missing(name)
	}
	return slices.Clone(info.Shape), nil
}

// Tensor returns the tensor called name converted to float32: F32 as
// stored, F16 and BF16 exactly, F64 rounded to nearest (overflowing to
// ±Inf). It returns an error wrapping ErrMissing if there is no such
// tensor, and one wrapping ErrFormat if its dtype is not one of those four.
// The data is a fresh copy the caller owns.
func (f *File) Tensor(name string) (Tensor, error) {
	info, ok := f.infos[name]
	if !ok {
		return Tensor{}, f.missing(name)
	}
	if !info.DType.Float() {
		return Tensor{}, formatError(f.src, "tensor %q has dtype %s, which does not convert to float32", name, info.DType)
	}
	return Tensor{
		Name:  name,
		Shape: slices.Clone(info.Shape),
		Data:  decode(f.data[info.Begin:info.End], info.DType),
	}, nil
}

// Float32s returns the data of the tensor called name, as Tensor does,
// after checking that its shape is exactly shape (no shape means a scalar).
// An absent tensor gives an error wrapping ErrMissing, another shape one
// wrapping ErrShape.
func (f *File) Float32s(name string, shape ...int) ([]float32, error) {
	info, ok := f.infos[name]
	if !ok {
		return nil, f.missing(name)
	}
	if !slices.Equal(info.Shape, shape) {
		return nil, fmt.Errorf("weights: %s%w: %s", f.src, ErrShape, sprintf("tensor %q has shape %v, want %v", name, info.Shape, shape))
	}
	t, err := f.Tensor(name)
	return t.Data, err
}

func (f *File) missing(name string) error {
	return fmt.Errorf("weights: %s%w: %s", f.src, ErrMissing, sprintf("no tensor %q", name))
}

// decode converts little-endian elements of a float dtype to float32.
func decode(b []byte, dt DType) []float32 {
	switch dt {
	case F32:
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	case F64:
		out := make([]float32, len(b)/8)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
		return out
	case F16:
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out
	case BF16:
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
		return out
	}
	panic("weights: decode of non-float dtype " + string(dt)) // callers check Float()
}

// halfToFloat32 converts an IEEE 754 binary16 to float32 exactly, keeping
// the sign of zero, infinities and NaN payloads.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // zero or subnormal: mant × 2^-24, exact in float32
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
