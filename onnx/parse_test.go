package onnx_test

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/simdcore/simdcore/onnx"
)

func TestParseModel(t *testing.T) {
	m, err := onnx.Parse(mlpModel())
	require.NoError(t, err)
	assert.EqualValues(t, 8, m.IRVersion)
	assert.Equal(t, "simdcore-test", m.ProducerName)
	v, ok := m.Opset("ai.onnx")
	assert.True(t, ok)
	assert.EqualValues(t, 17, v)
	g := m.Graph
	require.Len(t, g.Nodes, 9)
	assert.Equal(t, "Softmax", g.Nodes[3].OpType)
	assert.EqualValues(t, -1, g.Nodes[3].Attr("axis").I)
	assert.Equal(t, onnx.AttrInt, g.Nodes[3].Attr("axis").Type)
	require.Len(t, g.Inputs, 1)
	in := g.Inputs[0].Type
	assert.Equal(t, onnx.KindTensor, in.Kind)
	assert.Equal(t, onnx.Float, in.ElemType)
	assert.Equal(t, []onnx.Dim{{Param: "n"}, {Known: true, Value: 4}}, in.Shape)
	w := g.Initializer("W")
	require.NotNil(t, w)
	assert.Equal(t, []int{4, 3}, w.Dims)
	assert.Len(t, w.Float, 12)
	assert.Equal(t, []int64{-1}, g.Initializer("minus1").Int)
}

// TestParseSubgraphs: If's branches are parsed as graphs, with their
// initializers.
func TestParseSubgraphs(t *testing.T) {
	m, err := onnx.Parse(ifModel())
	require.NoError(t, err)
	a := m.Graph.Nodes[2].Attr("then_branch")
	require.NotNil(t, a)
	require.Equal(t, onnx.AttrGraph, a.Type)
	assert.Equal(t, "Mul", a.G.Nodes[0].OpType)
	assert.Equal(t, []float32{2}, a.G.Initializer("two").Float)
}

// rawTensor is a TensorProto with raw_data.
func rawTensor(dt onnx.DataType, dims []int64, raw []byte) pb {
	var b pb
	for _, d := range dims {
		b = b.varint(1, uint64(d))
	}
	return b.varint(2, uint64(dt)).bytes(9, raw).str(8, "t")
}

func TestParseTensorTypes(t *testing.T) {
	half := []uint16{0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x0400}
	raw := make([]byte, 2*len(half))
	for i, h := range half {
		binary.LittleEndian.PutUint16(raw[2*i:], h)
	}
	ts, err := onnx.ParseTensor(rawTensor(onnx.Float16, []int64{7}, raw))
	require.NoError(t, err)
	assert.Equal(t, []float32{1, -2, 65504, 0x1p-24, 0, float32(math.Inf(1)), 0x1p-14}, ts.Float)
	assert.True(t, math.Signbit(float64(ts.Float[4])), "-0 keeps its sign")
	nan, err := onnx.ParseTensor(rawTensor(onnx.Float16, []int64{1}, []byte{0x00, 0x7E}))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(float64(nan.Float[0])))

	bf, err := onnx.ParseTensor(rawTensor(onnx.BFloat16, []int64{2}, []byte{0x80, 0x3F, 0x20, 0xC1}))
	require.NoError(t, err)
	assert.Equal(t, []float32{1, -10}, bf.Float)

	// int32_data carries negative values sign-extended to 64 bits.
	i32 := pb{}.varint(1, 2).varint(2, uint64(onnx.Int32)).bytes(5, protowire.AppendVarint(protowire.AppendVarint(nil, uint64(1<<64-5)), 7))
	it, err := onnx.ParseTensor(i32)
	require.NoError(t, err)
	assert.Equal(t, []int64{-5, 7}, it.Int)

	u8, err := onnx.ParseTensor(rawTensor(onnx.Uint8, []int64{3}, []byte{0, 200, 255}))
	require.NoError(t, err)
	assert.Equal(t, []int64{0, 200, 255}, u8.Int)
	i8, err := onnx.ParseTensor(rawTensor(onnx.Int8, []int64{2}, []byte{0xff, 0x80}))
	require.NoError(t, err)
	assert.Equal(t, []int64{-1, -128}, i8.Int)

	d := make([]byte, 8)
	binary.LittleEndian.PutUint64(d, math.Float64bits(math.Pi))
	dt, err := onnx.ParseTensor(rawTensor(onnx.Double, []int64{1}, d))
	require.NoError(t, err)
	assert.Equal(t, []float64{math.Pi}, dt.Double)

	st, err := onnx.ParseTensor(pb{}.varint(1, 2).varint(2, uint64(onnx.String)).str(6, "a").str(6, "bc"))
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("a"), []byte("bc")}, st.Strings)

	big := make([]byte, 8)
	binary.LittleEndian.PutUint64(big, 1<<63)
	_, err = onnx.ParseTensor(rawTensor(onnx.Uint64, []int64{1}, big))
	assert.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = onnx.ParseTensor(rawTensor(onnx.Complex64, []int64{1}, make([]byte, 8)))
	assert.ErrorIs(t, err, onnx.ErrUnsupported)
	assert.Contains(t, err.Error(), "COMPLEX64")
	_, err = onnx.ParseTensor(pb{}.varint(1, 1).varint(2, uint64(onnx.Bool)).bytes(5, []byte{2}))
	assert.ErrorIs(t, err, onnx.ErrFormat, "BOOL 2")
}

func TestParseHostile(t *testing.T) {
	// Dims declaring 2^40 elements over 4 bytes: refused before any
	// allocation of that size.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, err := onnx.ParseTensor(rawTensor(onnx.Float, []int64{1 << 20, 1 << 20}, make([]byte, 4)))
	assert.ErrorIs(t, err, onnx.ErrFormat)
	_, err = onnx.ParseTensor(pb{}.varint(1, 1<<20).varint(1, 1<<20).varint(2, 1).bytes(4, make([]byte, 8)))
	assert.ErrorIs(t, err, onnx.ErrFormat)
	runtime.ReadMemStats(&ms)
	assert.Less(t, ms.TotalAlloc-before, uint64(1<<20), "bytes allocated")

	_, err = onnx.ParseTensor(rawTensor(onnx.Float, []int64{1 << 62, 1 << 62}, nil))
	assert.ErrorIs(t, err, onnx.ErrLimit)
	_, err = onnx.ParseTensor(rawTensor(onnx.Float, []int64{uint64max()}, nil))
	assert.ErrorIs(t, err, onnx.ErrFormat, "negative dim")

	// External data: refused, naming the file.
	ext := pb{}.varint(1, 2).varint(2, 1).str(8, "w").bytes(13, pb{}.str(1, "location").str(2, "weights.bin")).varint(14, 1)
	_, err = onnx.ParseTensor(ext)
	assert.ErrorIs(t, err, onnx.ErrUnsupported)
	assert.Contains(t, err.Error(), "weights.bin")
	assert.Contains(t, err.Error(), `"w"`)

	// A known field with the wrong wire type.
	_, err = onnx.Parse(pb{}.varint(7, 1))
	assert.ErrorIs(t, err, onnx.ErrFormat)
	// No graph.
	_, err = onnx.Parse(pb{}.varint(1, 8))
	assert.ErrorIs(t, err, onnx.ErrFormat)

	// Unknown fields, including a group, are skipped.
	good := mlpModel()
	withUnknown := append(pb{}.varint(999, 5).str(1000, "x"), good...)
	withUnknown = protowire.AppendTag(withUnknown, 77, protowire.StartGroupType)
	withUnknown = protowire.AppendTag(withUnknown, 1, protowire.VarintType)
	withUnknown = protowire.AppendVarint(withUnknown, 3)
	withUnknown = protowire.AppendTag(withUnknown, 77, protowire.EndGroupType)
	_, err = onnx.Parse(withUnknown)
	assert.NoError(t, err)

	// Subgraphs nested past the limit.
	g := graph("leaf", graphSpec{})
	for range 100 {
		g = graph("g", graphSpec{nodes: []pb{node("If", []string{"c"}, nil, attrGraph("then_branch", g))}})
	}
	_, err = onnx.Parse(model(13, g))
	assert.ErrorIs(t, err, onnx.ErrLimit)

	// Every truncation of a valid model: an error wrapping a sentinel, or a
	// model (when the cut falls between fields), never a panic.
	for n := range len(good) {
		_, err := onnx.Parse(good[:n])
		if err != nil && !isSentinel(err) {
			t.Fatalf("prefix %d: %v wraps no sentinel", n, err)
		}
	}
}

func uint64max() int64 { return -1 }

func isSentinel(err error) bool {
	for _, s := range []error{onnx.ErrFormat, onnx.ErrUnsupported, onnx.ErrLimit, onnx.ErrShape, onnx.ErrInput} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzParse: Parse never panics; a model it accepts plans (with a small
// element budget) or is refused with a sentinel, and a planned session runs
// or fails with a sentinel, never panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte(mlpModel()))
	f.Add([]byte(ifModel()))
	paths, _ := filepath.Glob("testdata/node/test_*/model.onnx")
	for _, name := range []string{"torch/kws_cnn", "torch/conv2d", "torch/gru", "ort/dq_lstm"} {
		paths = append(paths, filepath.Join("../testdata/onnx", name, "model.onnx"))
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnx.Parse(data)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		s, err := onnx.NewSession(m, nil, &onnx.Options{MaxElements: 1 << 16})
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("NewSession error wraps no sentinel: %v", err)
			}
			return
		}
		if err := s.Run(); err != nil && !isSentinel(err) {
			t.Fatalf("Run error wraps no sentinel: %v", err)
		}
	})
}

// FuzzParseTensor: ParseTensor never panics, and the values it returns fill
// the dims.
func FuzzParseTensor(f *testing.F) {
	f.Add([]byte(floatTensor("x", []int64{2}, 1, 2)))
	f.Add([]byte(intTensor("i", onnx.Int64, []int64{1}, 3)))
	f.Add([]byte(rawTensor(onnx.Float16, []int64{1}, []byte{0, 0x3c})))
	paths, _ := filepath.Glob("testdata/node/test_*/test_data_set_0/*.pb")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := onnx.ParseTensor(data)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if n := len(ts.Float) + len(ts.Int) + len(ts.Double) + len(ts.Strings); n != ts.Len() {
			t.Fatalf("%d values for dims %v", n, ts.Dims)
		}
	})
}
