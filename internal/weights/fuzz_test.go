package weights

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read. It must never panic; it either
// returns an error wrapping ErrFormat (a bytes.Reader has no I/O errors),
// in a message of one line and at most 1000 bytes, or
// a File whose tensors are consistent with their headers, convert without
// error, and survive a Write/Read round trip bit for bit. Seeds are in
// testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add(build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32bytes(1, 2)))
	f.Fuzz(checkRead)
}

// FuzzReadHeader is FuzzRead with the file built from a header and a
// buffer, so that the fuzzer mutates the JSON without breaking the length
// field. Seeds are in testdata/fuzz/FuzzReadHeader.
func FuzzReadHeader(f *testing.F) {
	f.Add([]byte(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`), []byte{0, 0x3c, 0, 0xc0})
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		checkRead(t, build(string(header), buffer))
	})
}

// checkRead is the property both fuzz targets check.
func checkRead(t *testing.T, data []byte) {
	file, err := readBytes(data)
	if err != nil {
		if file != nil || !errors.Is(err, ErrFormat) || errors.Is(err, ErrShape) || errors.Is(err, ErrMissing) {
			t.Fatalf("Read: file %v, error %v", file, err)
		}
		// One line, and a bounded one: messages quote at most maxQuote
		// bytes of each string from the file.
		if !strings.HasPrefix(err.Error(), "weights: ") || strings.Contains(err.Error(), "\n") || len(err.Error()) > 1000 {
			t.Fatalf("message %q", err)
		}
		return
	}
	// The header parser is our own: what it accepts must be JSON. A torch
	// checkpoint's tensors are gathered into a buffer of their own, at
	// most maxViewFactor times the storages in the file.
	torch := file.Format() == FormatTorch
	if !torch {
		if n := binary.LittleEndian.Uint64(data); !json.Valid(data[8 : 8+n]) {
			t.Fatalf("accepted a header that is not valid JSON: %q", data[8:8+n])
		}
	} else if len(file.data) > maxViewFactor*len(data) {
		t.Fatalf("a checkpoint of %d bytes gave tensors of %d", len(data), len(file.data))
	}
	var tensors []Tensor
	var covered int64
	for _, name := range file.Names() {
		info, ok := file.Info(name)
		if !ok || info.Name != name || !file.Has(name) {
			t.Fatalf("%q listed but not found", name)
		}
		n := numElements(info.Shape)
		if n < 0 && info.End > info.Begin {
			t.Fatalf("%q: shape %v overflows but holds bytes", name, info.Shape)
		}
		if n >= 0 && int64(n)*int64(info.DType.Bits()) != 8*(info.End-info.Begin) {
			t.Fatalf("%q: %s%v in [%d, %d]", name, info.DType, info.Shape, info.Begin, info.End)
		}
		if info.Begin < 0 || info.End > int64(len(file.data)) || !torch && info.End > int64(len(data)) {
			t.Fatalf("%q: offsets [%d, %d] out of a %d-byte file", name, info.Begin, info.End, len(data))
		}
		covered += info.End - info.Begin
		q, qerr := file.Int8s(name, info.Shape...)
		if (info.DType == I8) != (qerr == nil) || (qerr == nil && len(q) != n) || (qerr != nil && !errors.Is(qerr, ErrFormat)) {
			t.Fatalf("%q: %s: Int8s gave %d elements, error %v", name, info.DType, len(q), qerr)
		}
		if info.DType == I8 {
			tensors = append(tensors, Tensor{Name: name, Shape: info.Shape, Int8: q})
			continue
		}
		tt, err := file.Tensor(name)
		if !info.DType.Float() {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("%q: %s converted: %v", name, info.DType, err)
			}
			continue
		}
		if err != nil || len(tt.Data) != n || !slices.Equal(tt.Shape, info.Shape) {
			t.Fatalf("%q: Tensor %v, %d elements, error %v", name, tt.Shape, len(tt.Data), err)
		}
		if d, err := file.Float32s(name, info.Shape...); err != nil || len(d) != n {
			t.Fatalf("%q: Float32s: %v", name, err)
		}
		tensors = append(tensors, tt)
	}
	if !torch && covered > int64(len(data)) {
		t.Fatalf("tensors cover %d bytes of a %d-byte file", covered, len(data))
	}
	var b bytes.Buffer
	if err := Write(&b, tensors, file.Metadata()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	again, err := readBytes(b.Bytes())
	if err != nil {
		t.Fatalf("re-Read: %v", err)
	}
	if len(tensors) != again.Len() {
		t.Fatalf("re-Read: %d tensors, want %d", again.Len(), len(tensors))
	}
	for _, want := range tensors {
		if want.Int8 != nil {
			if got, err := again.Int8s(want.Name, want.Shape...); err != nil || !slices.Equal(got, want.Int8) {
				t.Fatalf("re-Read %q: %v, %v", want.Name, got, err)
			}
			continue
		}
		got, err := again.Tensor(want.Name)
		if err != nil || !slices.Equal(got.Shape, want.Shape) || len(got.Data) != len(want.Data) {
			t.Fatalf("re-Read %q: %v %v", want.Name, got.Shape, err)
		}
		for i := range want.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("re-Read %q[%d] = %v, want %v", want.Name, i, got.Data[i], want.Data[i])
			}
		}
	}
	m1, m2 := file.Metadata(), again.Metadata()
	if len(m1) != len(m2) {
		t.Fatalf("metadata %v became %v", m1, m2)
	}
	for k, v := range m1 {
		if m2[k] != v {
			t.Fatalf("metadata %v became %v", m1, m2)
		}
	}
}
