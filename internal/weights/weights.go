// Package weights reads and writes model weights in the safetensors format,
// the PyTorch ecosystem's standard weight file, with strict validation, and
// reads PyTorch's own checkpoints of a state_dict (torch.save's zip format
// and its legacy format).
//
// A safetensors file is an 8-byte little-endian unsigned header length N,
// then N bytes of UTF-8 JSON, then a byte buffer:
//
//	{"__metadata__": {"key": "value", ...},
//	 "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//
// The offsets are relative to the start of the buffer. Tensors are stored
// row-major and little-endian; they must be contiguous, must not overlap and
// must cover the buffer exactly; each one's byte count must equal the product
// of its shape times its element size (F4 and F6 elements are packed, so
// their bit count must come to whole bytes). The header is at most
// MaxHeaderSize bytes and may be surrounded by JSON whitespace (writers pad
// it with spaces so that the buffer starts on an 8-byte boundary). The format is specified by the reference
// implementation, huggingface/safetensors, which this package follows rule
// for rule.
//
// Read and Open check every one of those rules before allocating the buffer
// and return an error wrapping ErrFormat for any violation, never a panic.
// Beyond the reference implementation's rules they refuse a header of more
// than MaxTensors tensors or MaxMetadataKeys metadata keys, a tensor name
// or metadata key longer than MaxNameLength bytes, a shape of more than
// MaxRank dimensions and a tensor description with more than 16 fields it
// does not know, so that a hostile header costs time linear in its
// size and memory a small multiple of it (at most about ten times the
// file in allocations); their error messages quote at most 200 bytes of
// any string from the file.
// Tensor and Float32s convert F32, F16, BF16 and F64 tensors to float32.
// Dict is the checked view model loaders build on: it takes tensors by
// name and shape, reads typed metadata and rejects leftover tensors,
// reporting a tensor that is absent with ErrMissing and one whose shape
// does not fit with ErrShape. Write and Save produce files that PyTorch's
// safetensors.torch.load_file reads.
//
// Open and Read also read a checkpoint of a state_dict that torch.save
// wrote in its zip format (the default since torch 1.6, as in
// torch.save(model.state_dict(), "model.pt")), told from safetensors by
// the file's first bytes: a zip archive starts "PK\x03\x04", where a
// safetensors header of that length would need its JSON to start with
// "{" at byte 8, which holds a zip's compression method. The checkpoint's
// data.pkl is read by a restricted unpickler that knows only the opcodes
// and globals a state_dict's pickle uses (collections.OrderedDict,
// torch._utils' _rebuild_tensor_v2, _rebuild_parameter and
// _rebuild_parameter_with_state, torch's storage classes), at pickle
// protocols 1 to 5 (protocol 0's text pickle, which torch.load does not
// read back, is refused saying so), and never calls anything; any other global, a TorchScript archive's say, is
// refused. Each tensor, views with offsets, transposes and strides
// included, is gathered into a contiguous copy (tensors that share a
// storage, such as tied weights, each get one), with the dtype of its
// storage: FloatStorage, HalfStorage, BFloat16Storage and DoubleStorage
// are F32, F16, BF16 and F64 and convert to float32 as they would from
// safetensors; the integer and bool storages keep their dtypes (I64 for
// a num_batches_tracked buffer, which Tensor refuses like an I64
// safetensors tensor); complex and quantized storages are refused,
// naming the tensor. A storage named with two classes, which torch.save
// does not write, is refused, naming both, but for an empty one: two
// empty tensors viewing one storage as two dtypes name it so, and take
// the first class, as torch.load gives them. A storage's location string ("cpu", or "cuda:0" for
// a tensor saved from the GPU) is not read: its bytes are in the file
// either way, and the File holds them. Such a File has no metadata, and
// Format tells it from a safetensors one.
//
// A training checkpoint, a dict such as {"model": model.state_dict(),
// "epoch": 3, "optimizer": optimizer.state_dict()}, is read as the one
// state_dict (a dict of names to tensors) it holds under one of the keys
// "state_dict", "model", "model_state_dict" and "net"; its other entries
// (numbers, strings, lists, tuples, dicts, tensors of an optimizer's
// state) are read by the same unpickler and dropped. Which of two
// state_dicts to read is never guessed: a checkpoint with state_dicts
// under two of those keys is refused, naming both, as is one with none,
// naming its keys; save the state_dict wanted by itself. A big-endian
// checkpoint is refused with a message that says how to convert it.
//
// The legacy format, which torch.save wrote before torch 1.6 and writes
// with _use_new_zipfile_serialization=False, is read too, told by its
// first bytes (the pickled magic number 0x1950a86a20f9469cfc6c, at any
// pickle protocol but 0): pickles one after another (the magic number,
// the protocol version 1001, the sys info, the object, the list of
// storage keys), each of at most 16 MiB as data.pkl, read from the
// file's first 32 MiB by the same unpickler, then each storage's element count (an int64) and elements,
// in the list's order, to the end of the file. The object is read as
// data.pkl is, to the same File; its persistent IDs have a sixth item,
// view_metadata, which may make a tensor's storage a view of part of
// another (torch before 1.0); Python 2's byte strings and
// torch._utils._rebuild_tensor (torch before 0.4) are read as torch.load
// reads them. Every storage's record is found where the key list puts
// it, within the file, holding the element count its persistent ID
// says, before any storage is read; the key list names each storage of
// the object once and nothing else; storages the state_dict does not use
// (an optimizer's) are skipped, not read. A sys info of a big-endian
// machine, and the tar format of torch before 0.1.10, are refused saying
// so. The checkpoint's limits: data.pkl of at most 16 MiB, pushing at most 2^21 values, at
// most 2^16 of them on the stack at once, with at most 2^20 memo entries
// (numbered in order, as Python's pickler numbers them), MARKs nested at
// most 64 deep and dicts of at most MaxTensors items, so that a hostile
// pickle costs at most a few hundred MB, and some tens of times its size
// when it is small; every record read exactly as large as
// the pickle says (a stored one within the file, a deflated one no larger
// than deflate can expand, and all deflated ones together at most 64
// times the file), checked before anything is allocated for it; tensors of at most MaxDataSize bytes in all, at most 16 times
// the bytes of the storages they view and at most 64 times the file (plus
// 1 MiB), however deflate and views combine. Its errors wrap ErrFormat and
// read "malformed torch checkpoint".
//
// This package implements the formats itself, so that the library's only
// dependency stays github.com/klauspost/cpuid/v2.
package weights

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Sentinel errors. Every error this package returns for a bad file or a bad
// request wraps exactly one of them; test with errors.Is.
var (
	// ErrFormat reports a malformed file: truncation, a header that is not
	// valid JSON or not what the format allows, out-of-range, overlapping or
	// gapped offsets, an unknown or unconvertible dtype, a byte count that
	// disagrees with the shape, or a header or buffer larger than the limits;
	// for a torch checkpoint, also a zip archive or pickle that is not a
	// state_dict of tensors as torch.save writes one.
	ErrFormat = errors.New("malformed safetensors file")

	// ErrShape reports a tensor whose shape is not the one required, for
	// instance a weight matrix whose size disagrees with the other weights.
	ErrShape = errors.New("tensor shape does not fit")

	// ErrMissing reports that a required tensor is absent from the file.
	ErrMissing = errors.New("tensor missing")
)

const (
	// MaxHeaderSize is the largest JSON header Read accepts, in bytes: the
	// reference implementation's limit.
	MaxHeaderSize = 100_000_000

	// MaxDataSize is the largest tensor buffer Read accepts, in bytes
	// (4 GiB; less on 32-bit platforms, where it is capped to what a slice
	// can hold). Read checks it before allocating anything.
	MaxDataSize int64 = 4 << 30

	// MaxTensors is the most tensors Read accepts in one file: far more
	// than any model this module loads (whose loaders reject a tensor they
	// have no place for), and few enough that a header of many empty
	// tensors is refused before it costs much.
	MaxTensors = 1 << 16

	// MaxMetadataKeys is the most keys Read accepts in "__metadata__".
	MaxMetadataKeys = 1 << 12

	// MaxNameLength is the longest tensor name or metadata key Read
	// accepts, in bytes. Metadata values are limited only by the header.
	MaxNameLength = 1 << 12

	// MaxRank is the most dimensions Read accepts in a tensor's shape.
	MaxRank = 64

	// maxUnknownFields is the most fields other than dtype, shape and
	// data_offsets that Read skips in one tensor's description.
	maxUnknownFields = 16

	// maxQuote is the most bytes of a string from a file (a name, a
	// metadata value, a JSON token) that an error message quotes; a
	// longer one is cut at a character boundary and followed by "…" and
	// its length.
	maxQuote = 200

	// metadataKey is the reserved header key holding the string-to-string
	// metadata map.
	metadataKey = "__metadata__"
)

// DType is a safetensors element type, spelled as in the file ("F32").
type DType string

// The element types of the safetensors format, as the reference
// implementation lists them (F4 and F6 elements are packed, several to a
// byte). Read accepts a file holding any of them; Tensor and Float32s
// convert the floating-point ones F32, F16, BF16 and F64 to float32 and
// reject the others with ErrFormat.
const (
	BOOL       DType = "BOOL"
	F4         DType = "F4"
	F6E2M3     DType = "F6_E2M3"
	F6E3M2     DType = "F6_E3M2"
	U8         DType = "U8"
	I8         DType = "I8"
	F8E5M2     DType = "F8_E5M2"
	F8E4M3     DType = "F8_E4M3"
	F8E8M0     DType = "F8_E8M0"
	F8E4M3FNUZ DType = "F8_E4M3FNUZ"
	F8E5M2FNUZ DType = "F8_E5M2FNUZ"
	I16        DType = "I16"
	U16        DType = "U16"
	F16        DType = "F16"
	BF16       DType = "BF16"
	I32        DType = "I32"
	U32        DType = "U32"
	F32        DType = "F32"
	C64        DType = "C64"
	F64        DType = "F64"
	I64        DType = "I64"
	U64        DType = "U64"
)

// Bits returns the number of bits of one element of d, or 0 if d is not a
// safetensors dtype.
func (d DType) Bits() int {
	switch d {
	case F4:
		return 4
	case F6E2M3, F6E3M2:
		return 6
	case BOOL, U8, I8, F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ:
		return 8
	case I16, U16, F16, BF16:
		return 16
	case I32, U32, F32:
		return 32
	case C64, F64, I64, U64:
		return 64
	}
	return 0
}

// Float reports whether Tensor and Float32s can convert elements of type d
// to float32.
func (d DType) Float() bool {
	switch d {
	case F32, F16, BF16, F64:
		return true
	}
	return false
}

// Tensor is a named tensor: the row-major data of an array of the given
// shape, float32 in Data (written as F32), or int8 in Int8 (written as
// I8) when Int8 is not nil, Data then empty. An empty shape is a scalar
// (one element).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	Int8  []int8
}

// elements returns the number of elements t holds (Int8's or Data's) and
// the bytes each takes in the file.
func (t *Tensor) elements() (n, size int) {
	if t.Int8 != nil {
		return len(t.Int8), 1
	}
	return len(t.Data), 4
}

// dtype returns the dtype t is written as.
func (t *Tensor) dtype() DType {
	if t.Int8 != nil {
		return I8
	}
	return F32
}

// Len returns the number of elements the shape calls for: the product of
// the dimensions, 1 for a scalar, or -1 if a dimension is negative or the
// product overflows an int.
func (t Tensor) Len() int {
	return numElements(t.Shape)
}

// numElements is the product of shape, or -1 if a dimension is negative or
// the product overflows.
func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > maxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

const maxInt = int(^uint(0) >> 1)

// formatError builds an error wrapping ErrFormat with a detail message,
// its string arguments clipped as clip does.
func formatError(src, format string, args ...any) error {
	return fmt.Errorf("weights: %s%w: %s", src, ErrFormat, sprintf(format, args...))
}

// sprintf is fmt.Sprintf with its string arguments clipped: a string
// longer than maxQuote bytes prints only its first maxQuote bytes (fewer
// at a character boundary), then "…" and its length in bytes, so that a
// message quotes a bounded part of a file whatever the file holds.
func sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, clipArgs(args)...)
}

func clipArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch s := a.(type) {
		case string:
			if len(s) > maxQuote {
				a = clipped(s)
			}
		case json.Number:
			if len(s) > maxQuote {
				a = clipped(s)
			}
		}
		out[i] = a
	}
	return out
}

// clipped is a long string that formats as its first maxQuote bytes.
type clipped string

func (c clipped) Format(st fmt.State, verb rune) {
	s := string(c)
	cut := maxQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	fmt.Fprintf(st, fmt.FormatString(st, verb), s[:cut])
	fmt.Fprintf(st, "…(%d bytes)", len(s))
}
