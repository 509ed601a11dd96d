package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// build assembles a safetensors file from a header string and a buffer.
func build(hdr string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	out = append(out, hdr...)
	return append(out, data...)
}

// f32bytes is the little-endian encoding of xs.
func f32bytes(xs ...float32) []byte {
	var out []byte
	for _, x := range xs {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
	}
	return out
}

func readBytes(b []byte) (*File, error) { return Read(bytes.NewReader(b), int64(len(b))) }

// TestGolden checks Write byte for byte against the files the reference
// implementation's own tests expect (huggingface/safetensors tensor.rs:
// test_serialization, test_serialization_forced_alignement, test_empty).
func TestGolden(t *testing.T) {
	data := []float32{0, 1, 2, 3, 4, 5}
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    []byte
	}{
		{"aligned", []Tensor{{Name: "attn.0", Shape: []int{1, 2, 3}, Data: data}}, nil,
			build(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`, f32bytes(data...))},
		{"padded", []Tensor{{Name: "attn0", Shape: []int{1, 1, 2, 3}, Data: data}}, nil,
			build(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `, f32bytes(data...))},
		{"empty", nil, nil, build(`{}      `, nil)},
		{"metadata", nil, map[string]string{"framework": "pt"}, build(`{"__metadata__":{"framework":"pt"}}     `, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, Write(&b, c.tensors, c.meta))
			require.Equal(t, c.want, b.Bytes())
			require.Zero(t, (b.Len()-len(f32bytes(data...)))%8)
			f, err := readBytes(b.Bytes())
			require.NoError(t, err)
			require.Equal(t, len(c.tensors), f.Len())
			for _, tt := range c.tensors {
				got, err := f.Tensor(tt.Name)
				require.NoError(t, err)
				require.Equal(t, tt, got)
			}
			require.Equal(t, len(c.meta), len(f.Metadata()))
		})
	}
}

func randomTensor(rng *rand.Rand, name string, shape ...int) Tensor {
	t := Tensor{Name: name, Shape: shape}
	t.Data = make([]float32, t.Len())
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	specials := Tensor{Name: "specials", Shape: []int{11}, Data: []float32{
		0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffa00000), // NaNs with payloads
		math.MaxFloat32, math.SmallestNonzeroFloat32, 0x1p-126, -0x1p-149, 1.5,
	}}
	tensors := []Tensor{
		randomTensor(rng, "rnn.weight_ih_l0", 7, 3),
		randomTensor(rng, "rnn.bias_ih_l0", 7),
		randomTensor(rng, "scalar"),
		randomTensor(rng, "empty", 0, 5),
		randomTensor(rng, "empty2", 0),
		randomTensor(rng, "A upper <&> \"quoted\" \\ naïve ✓", 2, 2, 2),
		specials,
	}
	meta := map[string]string{"nonlinearity": "relu", "batch_first": "False", "note": "<&>\"\n\t✓", "": ""}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, Save(path, tensors, meta))
	for _, open := range []func() (*File, error){
		func() (*File, error) { return Open(path) },
		func() (*File, error) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			return readBytes(b)
		},
	} {
		f, err := open()
		require.NoError(t, err)
		require.Equal(t, meta, f.Metadata())
		require.Equal(t, len(tensors), f.Len())
		names := f.Names()
		require.IsIncreasing(t, names)
		for _, want := range tensors {
			require.True(t, f.Has(want.Name))
			got, err := f.Tensor(want.Name)
			require.NoError(t, err)
			require.Equal(t, want.Name, got.Name)
			require.True(t, slices.Equal(want.Shape, got.Shape), "%v %v", want.Shape, got.Shape)
			require.Len(t, got.Data, len(want.Data))
			for i := range want.Data {
				require.Equal(t, math.Float32bits(want.Data[i]), math.Float32bits(got.Data[i]), "%s[%d]", want.Name, i)
			}
			data, err := f.Float32s(want.Name, want.Shape...)
			require.NoError(t, err)
			require.Len(t, data, len(want.Data))
			shape, err := f.Shape(want.Name)
			require.NoError(t, err)
			require.True(t, slices.Equal(want.Shape, shape))
			info, ok := f.Info(want.Name)
			require.True(t, ok)
			require.Equal(t, F32, info.DType)
			require.Equal(t, int64(4*len(want.Data)), info.End-info.Begin)
		}
		require.False(t, f.Has("absent"))
		// Callers own what they get back.
		f.Names()[0] = "x"
		f.Metadata()["nonlinearity"] = "x"
		s, _ := f.Shape("rnn.weight_ih_l0")
		s[0] = 99
		require.Equal(t, names, f.Names())
		require.Equal(t, meta, f.Metadata())
		s, _ = f.Shape("rnn.weight_ih_l0")
		require.Equal(t, []int{7, 3}, s)
	}
	// Writing what was read gives the same bytes.
	b1, err := os.ReadFile(path)
	require.NoError(t, err)
	f, err := readBytes(b1)
	require.NoError(t, err)
	var again []Tensor
	for _, n := range f.Names() {
		tt, err := f.Tensor(n)
		require.NoError(t, err)
		again = append(again, tt)
	}
	var b2 bytes.Buffer
	require.NoError(t, Write(&b2, again, f.Metadata()))
	require.Equal(t, b1, b2.Bytes())
}

// halfReference computes the value of a binary16 from its fields in
// float64, independently of halfToFloat32's bit manipulation.
func halfReference(h uint16) float64 {
	sign := 1.0
	if h>>15 != 0 {
		sign = -1
	}
	e := int(h>>10) & 0x1f
	m := float64(h & 0x3ff)
	switch e {
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	case 0:
		return sign * math.Ldexp(m, -24)
	}
	return sign * math.Ldexp(1+m/1024, e-15)
}

func TestConversions(t *testing.T) {
	t.Run("F16 all 65536", func(t *testing.T) {
		var data []byte
		for h := range 1 << 16 {
			data = binary.LittleEndian.AppendUint16(data, uint16(h))
		}
		f, err := readBytes(build(`{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}`, data))
		require.NoError(t, err)
		got, err := f.Float32s("h", 65536)
		require.NoError(t, err)
		for h, g := range got {
			want := halfReference(uint16(h))
			if math.IsNaN(want) {
				require.True(t, g != g, "h=%#04x", h)
				// The payload survives, shifted into float32's mantissa.
				require.Equal(t, uint32(h&0x3ff)<<13, math.Float32bits(g)&0x7fffff, "h=%#04x", h)
				continue
			}
			require.Equal(t, want, float64(g), "h=%#04x", h)
			require.Equal(t, math.Signbit(want), math.Signbit(float64(g)), "h=%#04x", h)
		}
	})
	t.Run("BF16", func(t *testing.T) {
		vals := []uint16{0x0000, 0x8000, 0x3f80, 0xc000, 0x7f80, 0xff80, 0x7fc1, 0x0001, 0x7f7f}
		want := []float64{0, math.Copysign(0, -1), 1, -2, math.Inf(1), math.Inf(-1), math.NaN(), 0x1p-133, 0x1.fep127}
		var data []byte
		for _, v := range vals {
			data = binary.LittleEndian.AppendUint16(data, v)
		}
		f, err := readBytes(build(`{"b":{"dtype":"BF16","shape":[3,3],"data_offsets":[0,18]}}`, data))
		require.NoError(t, err)
		got, err := f.Float32s("b", 3, 3)
		require.NoError(t, err)
		for i, g := range got {
			if math.IsNaN(want[i]) {
				require.Equal(t, uint32(vals[i])<<16, math.Float32bits(g))
				continue
			}
			require.Equal(t, want[i], float64(g), "%#04x", vals[i])
			require.Equal(t, math.Signbit(want[i]), math.Signbit(float64(g)))
		}
	})
	t.Run("F64", func(t *testing.T) {
		in := []float64{1, -0.1, 1e39, -1e39, 1e-50, math.NaN(), math.Inf(-1), 0x1.fffffffp0}
		want := []float32{1, -0.1, float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.NaN()), float32(math.Inf(-1)), 2}
		var data []byte
		for _, v := range in {
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
		}
		f, err := readBytes(build(`{"d":{"dtype":"F64","shape":[8],"data_offsets":[0,64]}}`, data))
		require.NoError(t, err)
		got, err := f.Float32s("d", 8)
		require.NoError(t, err)
		for i := range got {
			if want[i] != want[i] {
				require.True(t, got[i] != got[i])
				continue
			}
			require.Equal(t, want[i], got[i], "%v", in[i])
		}
	})
	t.Run("integer dtypes are read but not converted", func(t *testing.T) {
		hdr := `{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`
		f, err := readBytes(build(hdr, append(make([]byte, 8), f32bytes(3)...)))
		require.NoError(t, err)
		info, ok := f.Info("n")
		require.True(t, ok)
		require.Equal(t, I64, info.DType)
		require.Equal(t, []int{}, info.Shape)
		_, err = f.Tensor("n")
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), "I64")
		_, err = f.Float32s("n")
		require.ErrorIs(t, err, ErrFormat)
		w, err := f.Float32s("w", 1)
		require.NoError(t, err)
		require.Equal(t, []float32{3}, w)
	})
}

func TestDTypeSize(t *testing.T) {
	sizes := map[DType]int{BOOL: 8, F4: 4, F6E2M3: 6, F6E3M2: 6, U8: 8, I8: 8, F8E5M2: 8, F8E4M3: 8, F8E8M0: 8,
		F8E4M3FNUZ: 8, F8E5M2FNUZ: 8, I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, C64: 64,
		F64: 64, I64: 64, U64: 64, "F128": 0, "f32": 0, "": 0}
	for d, s := range sizes {
		require.Equal(t, s, d.Bits(), d)
		require.Equal(t, d == F32 || d == F16 || d == BF16 || d == F64, d.Float(), d)
	}
}

// TestAccepted lists unusual files the format allows.
func TestAccepted(t *testing.T) {
	one := f32bytes(1)
	cases := []struct {
		name string
		file []byte
		n    int
	}{
		{"no tensors, no buffer", build(`{}`, nil), 0},
		{"leading whitespace", build(" \n\t{}", nil), 0},
		{"packed and complex dtypes", build(`{"c":{"dtype":"C64","shape":[1],"data_offsets":[4,12]},"f4":{"dtype":"F4","shape":[2,3],"data_offsets":[0,3]},"f6":{"dtype":"F6_E3M2","shape":[4],"data_offsets":[12,15]},"e":{"dtype":"F8_E8M0","shape":[1],"data_offsets":[3,4]}}`, make([]byte, 15)), 4},
		{"whitespace and padding", build("{ \"a\" :\n\t{\"shape\":[1], \"data_offsets\":[0,4],\"dtype\":\"F32\"} }   ", one), 1},
		{"metadata null", build(`{"__metadata__":null,"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one), 1},
		{"metadata empty", build(`{"__metadata__":{},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one), 1},
		{"metadata last", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`, one), 1},
		{"unknown field ignored", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":{"x":[1,null]}}}`, one), 1},
		{"offsets out of name order", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1, 2)), 2},
		{"empty tensors share offsets", build(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"F16","shape":[3,0],"data_offsets":[4,4]}}`, one), 3},
		{"huge dimension times zero", build(`{"a":{"dtype":"F32","shape":[0,`+strconv.Itoa(maxInt)+`],"data_offsets":[0,0]}}`, nil), 1},
		{"unaligned mixed dtypes", build(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}`, append([]byte{7}, one...)), 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := readBytes(c.file)
			require.NoError(t, err)
			require.Equal(t, c.n, f.Len())
			for _, n := range f.Names() {
				info, _ := f.Info(n)
				if info.DType.Float() {
					tt, err := f.Tensor(n)
					require.NoError(t, err)
					require.Equal(t, tt.Len(), len(tt.Data))
				}
			}
		})
	}
	i := slices.IndexFunc(cases, func(c struct {
		name string
		file []byte
		n    int
	}) bool {
		return c.name == "offsets out of name order"
	})
	f, err := readBytes(cases[i].file)
	require.NoError(t, err)
	b, _ := f.Float32s("b", 1)
	a, _ := f.Float32s("a", 1)
	require.Equal(t, []float32{1}, b)
	require.Equal(t, []float32{2}, a)
}

func TestMalformed(t *testing.T) {
	one := f32bytes(1)
	tensor := func(dtype, shape, offsets string) string {
		return `{"a":{"dtype":` + dtype + `,"shape":` + shape + `,"data_offsets":` + offsets + `}}`
	}
	lenOnly := func(n uint64, rest string) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
	}
	cases := []struct {
		name, want string // want: a fragment of the message
		file       []byte
	}{
		{"empty file", "shorter than the 8-byte", nil},
		{"7 bytes", "shorter than the 8-byte", []byte{2, 0, 0, 0, 0, 0, 0}},
		{"header length over limit", "exceeds the limit of 100000000", lenOnly(MaxHeaderSize+1, "{}")},
		{"header length 2^64-1", "exceeds the limit", lenOnly(math.MaxUint64, "{}")},
		{"header length 2^63", "exceeds the limit", lenOnly(1<<63, "{}")},
		{"truncated header", "truncated file", lenOnly(10, "{}")},
		{"zero-length header", "unexpected end of JSON", lenOnly(0, "")},
		{"only spaces", "unexpected end of JSON", build("        ", nil)},
		{"invalid UTF-8", "not valid UTF-8", build("{\"a\xff\":1}", nil)},
		{"array", "want an object", build(`[]`, nil)},
		{"string", "want an object", build(`"{}"`, nil)},
		{"F4 odd count", "3 elements of F4 are not a whole number of bytes", build(tensor(`"F4"`, `[3]`, `[0,1]`), []byte{0})},
		{"F6 size", "F6_E2M3[4] needs 3 bytes", build(tensor(`"F6_E2M3"`, `[4]`, `[0,4]`), make([]byte, 4))},
		{"unterminated", "header", build(`{"a":`, nil)},
		{"bad JSON", "invalid JSON", build(`{"a" 1}`, nil)},
		{"trailing garbage", "after the header object", build(`{} x`, nil)},
		{"two objects", "after the header object", build(`{}{}`, nil)},
		{"NUL padding", "after the header object", build("{}\x00\x00", nil)},
		{"duplicate tensor", `duplicate key "a"`, build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one)},
		{"duplicate metadata", `duplicate key "__metadata__"`, build(`{"__metadata__":{},"__metadata__":{}}`, nil)},
		{"duplicate metadata key", `duplicate key "k"`, build(`{"__metadata__":{"k":"1","k":"2"}}`, nil)},
		{"metadata number", "want a string", build(`{"__metadata__":{"k":1}}`, nil)},
		{"metadata string", "want an object", build(`{"__metadata__":"x"}`, nil)},
		{"metadata nested", "want a string", build(`{"__metadata__":{"k":{"x":"y"}}}`, nil)},
		{"tensor not object", "want an object", build(`{"a":[1]}`, nil)},
		{"tensor null", "want an object", build(`{"a":null}`, nil)},
		{"no dtype", "no dtype", build(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, one)},
		{"no shape", "no shape", build(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, one)},
		{"no offsets", "no data_offsets", build(`{"a":{"dtype":"F32","shape":[1]}}`, one)},
		{"duplicate dtype", "duplicate field dtype", build(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one)},
		{"duplicate shape", "duplicate field shape", build(`{"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}`, one)},
		{"unknown dtype", `unknown dtype "F128"`, build(tensor(`"F128"`, `[1]`, `[0,4]`), one)},
		{"lower-case dtype", `unknown dtype "f32"`, build(tensor(`"f32"`, `[1]`, `[0,4]`), one)},
		{"dtype number", "not a string", build(tensor(`4`, `[1]`, `[0,4]`), one)},
		{"negative dimension", "-1 is not a non-negative integer", build(tensor(`"F32"`, `[-1]`, `[0,4]`), one)},
		{"fractional dimension", "1.0 is not", build(tensor(`"F32"`, `[1.0]`, `[0,4]`), one)},
		{"exponent dimension", "1e0 is not", build(tensor(`"F32"`, `[1e0]`, `[0,4]`), one)},
		{"string dimension", "want an integer", build(tensor(`"F32"`, `["1"]`, `[0,4]`), one)},
		{"shape not array", "want an array", build(tensor(`"F32"`, `1`, `[0,4]`), one)},
		{"dimension past 2^64", "is not a non-negative integer", build(tensor(`"F32"`, `[18446744073709551616]`, `[0,4]`), one)},
		{"dimension past MaxInt", "too large", build(tensor(`"F32"`, `[18446744073709551615]`, `[0,4]`), one)},
		{"shape overflow", "overflows", build(tensor(`"F32"`, `[65536,65536,65536,65536,65536]`, `[0,4]`), one)},
		{"bytes overflow", "overflows", build(tensor(`"F64"`, `[1073741824,1073741824,4]`, `[0,4]`), one)},
		{"one offset", "has 1 entries, want 2", build(tensor(`"F32"`, `[1]`, `[4]`), one)},
		{"three offsets", "data_offsets has more than 2 entries", build(tensor(`"F32"`, `[1]`, `[0,4,8]`), one)},
		{"negative offset", "-4 is not", build(tensor(`"F32"`, `[1]`, `[-4,0]`), one)},
		{"offsets reversed", "end before they begin", build(tensor(`"F32"`, `[0]`, `[4,0]`), one)},
		{"offset past MaxInt64", "out of range", build(tensor(`"F32"`, `[0]`, `[18446744073709551615,18446744073709551615]`), one)},
		{"size mismatch", "F32[2] needs 8 bytes but data_offsets [0, 4] hold 4", build(tensor(`"F32"`, `[2]`, `[0,4]`), one)},
		{"dtype size mismatch", "F64[1] needs 8 bytes", build(tensor(`"F64"`, `[1]`, `[0,4]`), one)},
		{"first not at 0", "leave a gap after byte 0", build(tensor(`"F32"`, `[1]`, `[4,8]`), f32bytes(1, 2))},
		{"gap", `"b": data_offsets [8, 12] leave a gap after byte 4`,
			build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32bytes(1, 2, 3))},
		{"overlap", `overlap the tensor before, which ends at 8`,
			build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2))},
		{"same range twice", `overlap`,
			build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one)},
		{"buffer too long", "tensors cover 4 bytes but the buffer after the header holds 8", build(tensor(`"F32"`, `[1]`, `[0,4]`), f32bytes(1, 2))},
		{"buffer too short", "tensors cover 8 bytes but the buffer after the header holds 4", build(tensor(`"F32"`, `[2]`, `[0,8]`), one)},
		{"no tensors but a buffer", "tensors cover 0 bytes", build(`{}`, one)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := readBytes(c.file)
			require.Nil(t, f)
			require.ErrorIs(t, err, ErrFormat)
			require.NotErrorIs(t, err, ErrShape)
			require.NotErrorIs(t, err, ErrMissing)
			require.True(t, strings.HasPrefix(err.Error(), "weights: malformed safetensors file: "), err.Error())
			require.Contains(t, err.Error(), c.want)
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

// sparseReader serves a header and then pretends to hold size bytes; it
// records whether anything past the header was read.
type sparseReader struct {
	head     []byte
	pastHead bool
}

func (r *sparseReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > int64(len(r.head)) {
		r.pastHead = true
		return 0, errors.New("read past the header")
	}
	return copy(p, r.head[off:]), nil
}

func TestLimits(t *testing.T) {
	t.Run("buffer over MaxDataSize is refused before reading it", func(t *testing.T) {
		hdr := `{"a":{"dtype":"U8","shape":[4294967297],"data_offsets":[0,4294967297]}}`
		r := &sparseReader{head: build(hdr, nil)}
		_, err := Read(r, int64(len(r.head))+MaxDataSize+1)
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), fmt.Sprintf("exceeds the limit of %d bytes", min(MaxDataSize, int64(maxInt))))
		require.False(t, r.pastHead)
	})
	t.Run("offsets past the size are refused before reading the buffer", func(t *testing.T) {
		hdr := `{"a":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}`
		r := &sparseReader{head: build(hdr, nil)}
		_, err := Read(r, int64(len(r.head))+16)
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), "tensors cover 4000000000 bytes but the buffer after the header holds 16")
		require.False(t, r.pastHead)
	})
	t.Run("file shorter than the size given", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, Write(&b, []Tensor{{Name: "a", Shape: []int{4}, Data: []float32{1, 2, 3, 4}}}, nil))
		short := b.Bytes()[:b.Len()-3]
		_, err := Read(bytes.NewReader(short), int64(b.Len()))
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), "truncated")
		// Every proper prefix of a valid file is malformed.
		for n := range b.Len() {
			_, err := readBytes(b.Bytes()[:n])
			require.ErrorIs(t, err, ErrFormat, "prefix %d", n)
		}
	})
	t.Run("I/O errors are not format errors", func(t *testing.T) {
		r := &sparseReader{head: build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, nil)}
		_, err := Read(r, int64(len(r.head))+4)
		require.Error(t, err)
		require.NotErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), "read past the header")
	})
}

func TestLookupErrors(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Write(&b, []Tensor{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 6)}}, nil))
	f, err := readBytes(b.Bytes())
	require.NoError(t, err)
	_, err = f.Tensor("v")
	require.ErrorIs(t, err, ErrMissing)
	require.EqualError(t, err, `weights: tensor missing: no tensor "v"`)
	_, err = f.Float32s("v", 2, 3)
	require.ErrorIs(t, err, ErrMissing)
	_, err = f.Shape("v")
	require.ErrorIs(t, err, ErrMissing)
	_, ok := f.Info("v")
	require.False(t, ok)
	for _, shape := range [][]int{{3, 2}, {6}, {2, 3, 1}, nil} {
		_, err = f.Float32s("w", shape...)
		require.ErrorIs(t, err, ErrShape, "%v", shape)
		require.NotErrorIs(t, err, ErrFormat)
	}
	_, err = f.Float32s("w", 3, 2)
	require.EqualError(t, err, `weights: tensor shape does not fit: tensor "w" has shape [2 3], want [3 2]`)

	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, os.WriteFile(path, b.Bytes()[:20], 0o644))
	_, err = Open(path)
	require.ErrorIs(t, err, ErrFormat)
	require.Contains(t, err.Error(), "weights: "+path+": malformed safetensors file: ")
	f, err = Open(path + ".absent")
	require.Nil(t, f)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = Open(t.TempDir())
	require.Error(t, err)
}

func TestWriteErrors(t *testing.T) {
	ok := Tensor{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    error
	}{
		{"short data", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1, 2, 3}}}, nil, ErrShape},
		{"long data", []Tensor{{Name: "a", Shape: []int{}, Data: []float32{1, 2}}}, nil, ErrShape},
		{"negative dim", []Tensor{{Name: "a", Shape: []int{-1, -2}, Data: []float32{1, 2}}}, nil, ErrShape},
		{"overflowing shape", []Tensor{{Name: "a", Shape: []int{maxInt/2 + 1, 2}, Data: nil}}, nil, ErrShape},
		{"duplicate name", []Tensor{ok, {Name: "b", Shape: nil, Data: []float32{1}}, ok}, nil, ErrFormat},
		{"reserved name", []Tensor{{Name: "__metadata__", Shape: nil, Data: []float32{1}}}, nil, ErrFormat},
		{"invalid UTF-8 name", []Tensor{{Name: "a\xff", Shape: nil, Data: []float32{1}}}, nil, ErrFormat},
		{"invalid UTF-8 metadata", []Tensor{ok}, map[string]string{"k": "\xc0"}, ErrFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, c.tensors, c.meta)
			require.ErrorIs(t, err, c.want)
			require.Zero(t, b.Len(), "nothing is written on error")
			dir := t.TempDir()
			require.ErrorIs(t, Save(filepath.Join(dir, "m.safetensors"), c.tensors, c.meta), c.want)
			entries, _ := os.ReadDir(dir)
			require.Empty(t, entries)
		})
	}
	t.Run("writer error", func(t *testing.T) {
		err := Write(failWriter{}, []Tensor{ok}, nil)
		require.ErrorContains(t, err, "disk full")
	})
	t.Run("save into a missing directory", func(t *testing.T) {
		err := Save(filepath.Join(t.TempDir(), "no", "m.safetensors"), []Tensor{ok}, nil)
		require.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("save replaces", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "m.safetensors")
		require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
		require.NoError(t, Save(path, []Tensor{ok}, nil))
		f, err := Open(path)
		require.NoError(t, err)
		require.Equal(t, []string{"a"}, f.Names())
		entries, _ := os.ReadDir(dir)
		require.Len(t, entries, 1)
	})
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestConcurrentUse reads one File from many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	require.NoError(t, Write(&b, []Tensor{randomTensor(rng, "a", 8, 8), randomTensor(rng, "b", 3)}, map[string]string{"k": "v"}))
	f, err := readBytes(b.Bytes())
	require.NoError(t, err)
	want, err := f.Tensor("a")
	require.NoError(t, err)
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for range 100 {
				got, err := f.Float32s("a", 8, 8)
				if err == nil && !slices.Equal(got, want.Data) {
					err = errors.New("data changed")
				}
				if err == nil && f.Metadata()["k"] != "v" {
					err = errors.New("metadata changed")
				}
				if err != nil {
					done <- err
					return
				}
				got[0] = -1 // the caller owns its copy
			}
			done <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-done)
	}
}
