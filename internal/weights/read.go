package weights

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// File is a validated safetensors file held in memory. Its methods are safe
// for concurrent use; it needs no closing.
type File struct {
	src      string         // "path: " for messages, or ""
	format   string         // FormatSafetensors or FormatTorch
	infos    []Info         // in the header's order
	index    map[string]int // name → position in infos
	names    []string       // sorted
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

// Open reads and validates the safetensors file or torch.save checkpoint
// (see the package documentation) at path. Errors for a malformed file
// wrap ErrFormat and name the path.
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
// A torch.save checkpoint, told apart by its first bytes, is read as the
// package documentation describes.
// A malformed file, including one shorter than size says, gives an error
// wrapping ErrFormat; an I/O error from r is returned wrapped as it is.
func Read(r io.ReaderAt, size int64) (*File, error) {
	return read(r, size, "")
}

func read(r io.ReaderAt, size int64, src string) (*File, error) {
	if size < 8 {
		return nil, formatError(src, "file of %d bytes is shorter than the 8-byte header length", size)
	}
	var buf [32]byte
	head := buf[:min(size, int64(len(buf)))]
	if err := readAt(r, head, 0, src); err != nil {
		return nil, err
	}
	switch {
	case isTorchZip(head):
		return readTorch(r, size, src)
	case legacyMagic(head) > 0:
		return readLegacyTorch(r, size, src)
	}
	n := binary.LittleEndian.Uint64(head[:8])
	if n > MaxHeaderSize || n > uint64(size-8) {
		if legacyTar(r, size) {
			return nil, tarError(src)
		}
	}
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
	f.format = FormatSafetensors
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

// validate checks that the tensors, in order of their offsets, tile the
// buffer of dataSize bytes exactly: no gap, no overlap, nothing past the end.
func (f *File) validate(dataSize int64) error {
	order := make([]int32, len(f.infos))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &f.infos[i], &f.infos[j]
		return cmp.Or(cmp.Compare(a.Begin, b.Begin), cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
	})
	var next int64
	for _, i := range order {
		info := &f.infos[i]
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

// Format returns the format the file was read from: FormatSafetensors or
// FormatTorch (a torch.save checkpoint, which has no metadata).
func (f *File) Format() string { return f.format }

// Len returns the number of tensors in the file.
func (f *File) Len() int { return len(f.names) }

// Names returns the names of the tensors, sorted.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Has reports whether the file holds a tensor called name.
func (f *File) Has(name string) bool {
	_, ok := f.index[name]
	return ok
}

// Info describes the tensor called name as the header declares it; ok is
// false if there is none.
func (f *File) Info(name string) (info Info, ok bool) {
	info, ok = f.lookup(name)
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
	info, ok := f.lookup(name)
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
	info, ok := f.lookup(name)
	if !ok {
		return Tensor{}, f.missing(name)
	}
	if !info.DType.Float() {
		return Tensor{}, f.formatError("tensor %q has dtype %s, which does not convert to float32", name, info.DType)
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
	if _, err := f.shaped(name, shape); err != nil {
		return nil, err
	}
	t, err := f.Tensor(name)
	return t.Data, err
}

// Int8s returns the data of the I8 tensor called name, a fresh copy,
// after checking that its shape is exactly shape (no shape means a
// scalar). An absent tensor gives an error wrapping ErrMissing, another
// shape one wrapping ErrShape, another dtype one wrapping ErrFormat (no
// other dtype converts to int8).
func (f *File) Int8s(name string, shape ...int) ([]int8, error) {
	info, err := f.shaped(name, shape)
	if err != nil {
		return nil, err
	}
	if info.DType != I8 {
		return nil, f.formatError("tensor %q has dtype %s, want I8", name, info.DType)
	}
	b := f.data[info.Begin:info.End]
	out := make([]int8, len(b))
	for i, v := range b {
		out[i] = int8(v)
	}
	return out, nil
}

// shaped returns the description of the tensor name, or an error
// wrapping ErrMissing if there is none and ErrShape if its shape is not
// exactly shape.
func (f *File) shaped(name string, shape []int) (Info, error) {
	info, ok := f.lookup(name)
	if !ok {
		return Info{}, f.missing(name)
	}
	if !slices.Equal(info.Shape, shape) {
		return Info{}, fmt.Errorf("weights: %s%w: %s", f.src, ErrShape, sprintf("tensor %q has shape %v, want %v", name, info.Shape, shape))
	}
	return info, nil
}

// lookup returns the description of the tensor name.
func (f *File) lookup(name string) (Info, bool) {
	i, ok := f.index[name]
	if !ok {
		return Info{}, false
	}
	return f.infos[i], true
}

// formatError is formatError for the file f: it names the format f was
// read from ("malformed torch checkpoint" for a torch.save file).
func (f *File) formatError(format string, args ...any) error {
	if f.format == FormatTorch {
		return torchError(f.src, format, args...)
	}
	return formatError(f.src, format, args...)
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
