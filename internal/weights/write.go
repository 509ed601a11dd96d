package weights

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Write writes tensors and metadata to w as a safetensors file, the way the
// reference implementation does: tensors in order of name, stored as F32
// little-endian (I8 for a Tensor with Int8 data), one after the other; "__metadata__" first in the header
// (omitted when metadata is empty); the header padded with spaces to a
// multiple of 8 bytes so that the buffer is aligned. PyTorch's
// safetensors.torch.load_file reads the result.
//
// It returns an error wrapping ErrShape if a tensor's data length differs
// from the product of its shape, a dimension is negative, or a tensor has
// both Data and Int8, and one wrapping
// ErrFormat if two tensors share a name, a name is "__metadata__", a string
// is not valid UTF-8, or the file would exceed MaxHeaderSize or
// MaxDataSize. Nothing is written then.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	hdr, order, err := header(tensors, metadata)
	if err != nil {
		return err
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("weights: write: %w", err)
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("weights: write: %w", err)
	}
	buf := make([]byte, 32<<10)
	for _, i := range order {
		if q := tensors[i].Int8; q != nil {
			if err := writeInt8(w, buf, q); err != nil {
				return err
			}
			continue
		}
		data := tensors[i].Data
		for len(data) > 0 {
			k := min(len(data), len(buf)/4)
			for j, v := range data[:k] {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*k]); err != nil {
				return fmt.Errorf("weights: write: %w", err)
			}
			data = data[k:]
		}
	}
	return nil
}

// writeInt8 writes q as I8 bytes, through buf.
func writeInt8(w io.Writer, buf []byte, q []int8) error {
	for len(q) > 0 {
		k := min(len(q), len(buf))
		for j, v := range q[:k] {
			buf[j] = byte(v)
		}
		if _, err := w.Write(buf[:k]); err != nil {
			return fmt.Errorf("weights: write: %w", err)
		}
		q = q[k:]
	}
	return nil
}

// header validates the tensors and builds the padded JSON header; order is
// the index of each tensor in buffer order (sorted by name).
func header(tensors []Tensor, metadata map[string]string) (hdr []byte, order []int, err error) {
	order = make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(tensors[a].Name, tensors[b].Name) })
	for k, i := range order {
		t := &tensors[i]
		if !utf8.ValidString(t.Name) {
			return nil, nil, formatError("", "tensor name %q is not valid UTF-8", t.Name)
		}
		if t.Name == metadataKey {
			return nil, nil, formatError("", "a tensor cannot be called %q", metadataKey)
		}
		if k > 0 && tensors[order[k-1]].Name == t.Name {
			return nil, nil, formatError("", "two tensors called %q", t.Name)
		}
		if t.Int8 != nil && len(t.Data) != 0 {
			return nil, nil, fmt.Errorf("weights: %w: tensor %q has both float32 and int8 data", ErrShape, t.Name)
		}
		if n, _ := t.elements(); t.Len() < 0 || n != t.Len() {
			return nil, nil, fmt.Errorf("weights: %w: tensor %q of shape %v has %d elements", ErrShape, t.Name, t.Shape, n)
		}
	}
	keys := make([]string, 0, len(metadata))
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, formatError("", "metadata %q: %q is not valid UTF-8", k, v)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b bytes.Buffer
	b.WriteByte('{')
	if len(keys) > 0 {
		writeString(&b, metadataKey)
		b.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k)
			b.WriteByte(':')
			writeString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	var offset int64
	for k, i := range order {
		t := &tensors[i]
		if k > 0 || len(keys) > 0 {
			b.WriteByte(',')
		}
		writeString(&b, t.Name)
		b.WriteString(`:{"dtype":"` + string(t.dtype()) + `","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		n, size := t.elements()
		end := offset + int64(size)*int64(n)
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
		if offset > MaxDataSize {
			return nil, nil, formatError("", "tensors exceed the limit of %d bytes", MaxDataSize)
		}
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderSize {
		return nil, nil, formatError("", "header of %d bytes exceeds the limit of %d", b.Len(), MaxHeaderSize)
	}
	return b.Bytes(), order, nil
}

// writeString writes s as a JSON string, escaping only what JSON requires
// (as the reference implementation's serde_json does, so no \u003c for '<').
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a valid UTF-8 string always encodes
	b.Truncate(b.Len() - 1)
}
