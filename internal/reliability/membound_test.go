package reliability

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/onnx"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
	"github.com/simdcore/simdcore/vad"
)

// Each case of TestDeclaredSizesCostNothing is a small input that
// declares an enormous size (a tensor's shape or byte range, a length
// field, a layer or head count, a context length, a chunk size, a
// state's dimensions), and the loader that must refuse it.
type boundCase struct {
	name string
	size int // the input's size in bytes
	load func() error
	want error // the sentinel the error wraps
}

// boundAlloc is what refusing one of these inputs may allocate: the
// loaders' fixed costs (buffers of 64 KiB, a parsed header) and a few
// times the input, never anything of the size it declares (gigabytes
// at least).
const boundAlloc = 4 << 20

// TestDeclaredSizesCostNothing builds, in every format read from outside
// (safetensors for rnn, attn, nn and tlm; ONNX models and tensors; WAV;
// rnn's State blobs), small inputs that declare sizes of 2^30 to 2^40
// elements or bytes, and checks that each is refused with its sentinel
// in a bounded time having allocated at most boundAlloc bytes
// (runtime.MemStats.TotalAlloc around the call).
func TestDeclaredSizesCostNothing(t *testing.T) {
	limit := 2 * time.Second
	if race.Enabled {
		limit *= 10
	}
	for _, c := range boundCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := c.load()
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			if err == nil || !errors.Is(err, c.want) {
				t.Fatalf("%d-byte input: error %v, want one wrapping %v", c.size, err, c.want)
			}
			if alloc > boundAlloc || took > limit {
				t.Fatalf("%d-byte input refused after allocating %d bytes in %v (bounds %d, %v): %v", c.size, alloc, took, boundAlloc, limit, err)
			}
			t.Logf("%d bytes: refused with %d bytes allocated in %v: %v", c.size, alloc, took, err)
		})
	}
}

func boundCases(t *testing.T) []boundCase {
	var cs []boundCase
	st := func(name string, data []byte, want error, load func(r io.ReaderAt, size int64) error) {
		cs = append(cs, boundCase{name, len(data), func() error { return load(bytes.NewReader(data), int64(len(data))) }, want})
	}
	readNet := func(r io.ReaderAt, n int64) error { _, err := rnn.Read(r, n); return err }
	readLM := func(r io.ReaderAt, n int64) error { _, err := rnn.ReadLM(r, n); return err }
	readMH := func(r io.ReaderAt, n int64) error { _, err := attn.ReadMultiHead(r, n, "", 0); return err }
	readEnc := func(r io.ReaderAt, n int64) error { _, err := nn.ReadEncoder(r, n, ""); return err }
	readTLM := func(r io.ReaderAt, n int64) error { _, err := tlm.Read(r, n); return err }

	// safetensors: a 2^40-element tensor, a header length of 2^40, in a
	// file of a few hundred bytes; every loader.
	huge := torchtest.RawFile(`{"weight_ih_l0":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}`, make([]byte, 8))
	long := binary.LittleEndian.AppendUint64(nil, 1<<40)
	long = append(long, `{"a":1}`...)
	for _, l := range []struct {
		name string
		fn   func(io.ReaderAt, int64) error
	}{{"rnn.Read", readNet}, {"rnn.ReadLM", readLM}, {"attn.ReadMultiHead", readMH}, {"nn.ReadEncoder", readEnc}, {"tlm.Read", readTLM}} {
		st(l.name+"/tensor-2^40", huge, weights.ErrFormat, l.fn)
		st(l.name+"/header-2^40", long, weights.ErrFormat, l.fn)
	}

	// rnn: a 1×1 network whose metadata declares enormous sizes.
	tiny := func(meta string) []byte {
		return torchtest.RawFile(`{"__metadata__":{`+meta+`},"weight_hh_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"weight_ih_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}`, make([]byte, 8))
	}
	for _, m := range []struct {
		meta string
		want error
	}{
		{`"hidden_size":"1099511627776"`, rnn.ErrShape}, {`"input_size":"1099511627776"`, rnn.ErrShape},
		{`"num_layers":"1073741824"`, rnn.ErrMissing}, {`"proj_size":"1073741824"`, rnn.ErrMissing},
	} {
		st("rnn.Read/"+m.meta, tiny(m.meta), m.want, readNet)
	}
	// rnn: a language model's head of 2^30 tokens, declared but absent.
	st("rnn.ReadLM/vocab-2^30", torchtest.RawFile(`{"head.weight":{"dtype":"F32","shape":[1073741824,1],"data_offsets":[0,4294967296]},"weight_hh_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"weight_ih_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}`, make([]byte, 8)), weights.ErrFormat, readLM)

	// rnn: a language model of 2 tokens whose stored tokenizer lists
	// half a million characters.
	vocab := strings.Repeat("ab", 1<<18)
	st("rnn.ReadLM/chars-vocab-2^19", torchtest.RawFile(`{"__metadata__":{"simdcore.tokenizer":"chars","simdcore.vocab":"`+vocab+`"},"head.bias":{"dtype":"F32","shape":[2],"data_offsets":[20,28]},"head.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},"weight_hh_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]},"weight_ih_l0":{"dtype":"F32","shape":[1,2],"data_offsets":[12,20]}}`, make([]byte, 28)), rnn.ErrFormat, readLM)

	// attn: a 2-wide attention whose metadata declares 2^30 heads.
	mh := torchtest.RawFile(`{"__metadata__":{"num_heads":"1073741824"},"in_proj_weight":{"dtype":"F32","shape":[6,2],"data_offsets":[0,48]},"out_proj.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[48,64]}}`, make([]byte, 64))
	st("attn.ReadMultiHead/heads-2^30", mh, attn.ErrShape, readMH)

	// nn and tlm: small saved models whose metadata is rewritten.
	enc, err := nn.NewEncoder(nn.Config{DModel: 2, Heads: 1, FF: 2, Layers: 1, FinalNorm: true})
	if err != nil {
		t.Fatal(err)
	}
	var eb bytes.Buffer
	if err := enc.Encode(&eb, nil); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"num_layers", "1073741824"}, {"nhead", "1073741824"}, {"dim_feedforward", "1073741824"}, {"d_model", "1099511627776"}} {
		st("nn.ReadEncoder/"+kv[0], withMeta(t, eb.Bytes(), kv[0], kv[1]), nn.ErrShape, readEnc)
	}
	lm, err := tlm.New(tlm.Config{Vocab: 3, DModel: 2, Heads: 1, FF: 2, MaxLen: 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var lb bytes.Buffer
	if err := lm.Encode(&lb, nil); err != nil {
		t.Fatal(err)
	}
	st("tlm.Read/max_len-2^40", withMeta(t, lb.Bytes(), "simdcore.max_len", "1099511627776"), tlm.ErrFormat, readTLM)
	st("tlm.Read/learned-2^20-without-table", withMeta(t, withMeta(t, lb.Bytes(), "simdcore.max_len", "1048576"), "simdcore.positions", "learned"), weights.ErrMissing, readTLM)

	// ONNX: a tensor of 2^40 elements holding 4 bytes, one in an external
	// file, a graph input of 2^40 elements, a ConstantOfShape of 2^40.
	tensor := func(name string, dt onnx.DataType, dims []uint64, raw []byte) []byte {
		var b []byte
		for _, d := range dims {
			b = protowire.AppendVarint(protowire.AppendTag(b, 1, protowire.VarintType), d)
		}
		b = protowire.AppendVarint(protowire.AppendTag(b, 2, protowire.VarintType), uint64(dt))
		b = protowire.AppendString(protowire.AppendTag(b, 8, protowire.BytesType), name)
		if raw != nil {
			b = protowire.AppendBytes(protowire.AppendTag(b, 9, protowire.BytesType), raw)
		}
		return b
	}
	hugeT := tensor("x", onnx.Float, []uint64{1 << 20, 1 << 20}, make([]byte, 4))
	cs = append(cs, boundCase{"onnx.ParseTensor/2^40", len(hugeT), func() error { _, err := onnx.ParseTensor(hugeT); return err }, onnx.ErrFormat})
	ext := tensor("x", onnx.Float, []uint64{1 << 20, 1 << 20}, nil)
	loc := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "location")
	loc = protowire.AppendString(protowire.AppendTag(loc, 2, protowire.BytesType), "/dev/zero")
	ext = protowire.AppendBytes(protowire.AppendTag(ext, 13, protowire.BytesType), loc)
	ext = protowire.AppendVarint(protowire.AppendTag(ext, 14, protowire.VarintType), 1)
	cs = append(cs, boundCase{"onnx.ParseTensor/external", len(ext), func() error { _, err := onnx.ParseTensor(ext); return err }, onnx.ErrUnsupported})
	input := onnxModel(nil, []byte(nil), onnxInput("x", 1<<20, 1<<20), "Relu", []string{"x"})
	cs = append(cs, boundCase{"onnx.NewSession/input-2^40", len(input), func() error { return plan(input) }, onnx.ErrLimit})
	shape := tensor("s", onnx.Int64, []uint64{2}, binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1<<20), 1<<20))
	cos := onnxModel(shape, nil, nil, "ConstantOfShape", []string{"s"})
	cs = append(cs, boundCase{"onnx.NewSession/ConstantOfShape-2^40", len(cos), func() error { return plan(cos) }, onnx.ErrLimit})
	inModel := onnxModel(hugeT, nil, nil, "Relu", []string{"x"})
	cs = append(cs, boundCase{"onnx.Parse/initializer-2^40", len(inModel), func() error { _, err := onnx.Parse(inModel); return err }, onnx.ErrFormat})

	// WAV: chunks that declare 4 GiB, read from a bytes.Reader (whose
	// length ReadWAV sees) and from a plain stream (whose it does not).
	fmtChunk := func(channels, bits uint16) []byte {
		b := []byte("fmt ")
		b = binary.LittleEndian.AppendUint32(b, 16)
		b = binary.LittleEndian.AppendUint16(b, 1)
		b = binary.LittleEndian.AppendUint16(b, channels)
		b = binary.LittleEndian.AppendUint32(b, 16000)
		b = binary.LittleEndian.AppendUint32(b, 16000*uint32(channels)*uint32(bits/8))
		b = binary.LittleEndian.AppendUint16(b, channels*bits/8)
		return binary.LittleEndian.AppendUint16(b, bits)
	}
	chunk := func(id string, size uint32, body int) []byte {
		return append(binary.LittleEndian.AppendUint32([]byte(id), size), make([]byte, body)...)
	}
	wav := func(chunks ...[]byte) []byte {
		b := append([]byte("RIFF"), 0xff, 0xff, 0xff, 0xff)
		b = append(b, "WAVE"...)
		for _, c := range chunks {
			b = append(b, c...)
		}
		return b
	}
	for _, w := range []struct {
		name string
		data []byte
	}{
		{"data-4GiB", wav(fmtChunk(1, 16), chunk("data", 0xFFFFFFF0, 8))},
		{"data-4GiB-65535-channels", wav(fmtChunk(65535, 32), chunk("data", 0xFFFFFFF0, 8))},
		{"fmt-4GiB", wav(chunk("fmt ", 0xFFFFFFF0, 16))},
		{"list-4GiB", wav(fmtChunk(1, 16), chunk("LIST", 0xFFFFFFFE, 16))},
	} {
		data := w.data
		cs = append(cs,
			boundCase{"vad.ReadWAV/" + w.name, len(data), func() error { _, err := vad.ReadWAV(bytes.NewReader(data)); return err }, vad.ErrWAV},
			boundCase{"vad.ReadWAV/stream/" + w.name, len(data), func() error { _, err := vad.ReadWAV(io.MultiReader(bytes.NewReader(data))); return err }, vad.ErrWAV})
	}

	// rnn.State: a blob whose header declares 2^32−1 layers and units.
	n, err := rnn.New(rnn.Config{Input: 1, Hidden: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte("RNNS\x01\x00")
	for range 3 {
		blob = binary.LittleEndian.AppendUint32(blob, math.MaxUint32)
	}
	blob = append(blob, make([]byte, 16)...)
	cs = append(cs, boundCase{"rnn.State.UnmarshalBinary/2^32-layers", len(blob), func() error { return n.NewState().UnmarshalBinary(blob) }, rnn.ErrShape})
	return cs
}

// withMeta returns the safetensors file b with its metadata key set to v.
func withMeta(t *testing.T, b []byte, key, v string) []byte {
	t.Helper()
	f, err := weights.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var ts []weights.Tensor
	for _, name := range f.Names() {
		x, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
	}
	meta := f.Metadata()
	meta[key] = v
	var out bytes.Buffer
	if err := weights.Write(&out, ts, meta); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// onnxInput is a ValueInfoProto of a FLOAT input of the given dims.
func onnxInput(name string, dims ...uint64) []byte {
	var shape []byte
	for _, d := range dims {
		dim := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), d)
		shape = protowire.AppendBytes(protowire.AppendTag(shape, 1, protowire.BytesType), dim)
	}
	tt := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), uint64(onnx.Float))
	tt = protowire.AppendBytes(protowire.AppendTag(tt, 2, protowire.BytesType), shape)
	typ := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), tt)
	vi := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), name)
	return protowire.AppendBytes(protowire.AppendTag(vi, 2, protowire.BytesType), typ)
}

// onnxModel is an opset-17 model of one node op reading ins and writing
// "y", with an initializer and a graph input if not nil.
func onnxModel(init, _ []byte, input []byte, op string, ins []string) []byte {
	var nd []byte
	for _, in := range ins {
		nd = protowire.AppendString(protowire.AppendTag(nd, 1, protowire.BytesType), in)
	}
	nd = protowire.AppendString(protowire.AppendTag(nd, 2, protowire.BytesType), "y")
	nd = protowire.AppendString(protowire.AppendTag(nd, 4, protowire.BytesType), op)
	g := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), nd)
	g = protowire.AppendString(protowire.AppendTag(g, 2, protowire.BytesType), "g")
	if init != nil {
		g = protowire.AppendBytes(protowire.AppendTag(g, 5, protowire.BytesType), init)
	}
	if input != nil {
		g = protowire.AppendBytes(protowire.AppendTag(g, 11, protowire.BytesType), input)
	}
	out := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "y")
	g = protowire.AppendBytes(protowire.AppendTag(g, 12, protowire.BytesType), out)
	m := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 8)
	m = protowire.AppendBytes(protowire.AppendTag(m, 7, protowire.BytesType), g)
	op17 := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 17)
	return protowire.AppendBytes(protowire.AppendTag(m, 8, protowire.BytesType), op17)
}

// plan parses an ONNX model and plans it with the default options.
func plan(b []byte) error {
	m, err := onnx.Parse(b)
	if err != nil {
		return err
	}
	_, err = onnx.NewSession(m, nil, nil)
	return err
}
