package vad

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/simdcore/simdcore/onnx"
)

// pbMsg builds protobuf messages field by field for the hostile models.
type pbMsg []byte

func (b pbMsg) varint(n protowire.Number, v uint64) pbMsg {
	return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
}

func (b pbMsg) bytes(n protowire.Number, v []byte) pbMsg {
	return protowire.AppendBytes(protowire.AppendTag(b, n, protowire.BytesType), v)
}

func (b pbMsg) str(n protowire.Number, s string) pbMsg { return b.bytes(n, []byte(s)) }

// sileroLike is an opset-17 model with Silero v5's inputs — input
// (of type dt, [1, n]), state (FLOAT [2, 1, 128]) and sr (INT64) — whose
// nodes are given: a model that Load recognises by its inputs but whose
// outputs are not a Silero's.
func sileroLike(dt onnx.DataType, nodes []pbMsg, inits ...pbMsg) []byte {
	vi := func(name string, dt onnx.DataType, dims ...int64) pbMsg {
		var shape pbMsg
		for _, d := range dims {
			if d < 0 {
				shape = shape.bytes(1, pbMsg{}.str(2, "n"))
			} else {
				shape = shape.bytes(1, pbMsg{}.varint(1, uint64(d)))
			}
		}
		tt := pbMsg{}.varint(1, uint64(dt)).bytes(2, shape)
		return pbMsg{}.str(1, name).bytes(2, pbMsg{}.bytes(1, tt))
	}
	var g pbMsg
	for _, n := range nodes {
		g = g.bytes(1, n)
	}
	g = g.str(2, "g")
	for _, t := range inits {
		g = g.bytes(5, t)
	}
	g = g.bytes(11, vi("input", dt, 1, -1)).bytes(11, vi("state", onnx.Float, 2, 1, 128)).bytes(11, vi("sr", onnx.Int64))
	g = g.bytes(12, pbMsg{}.str(1, "output")).bytes(12, pbMsg{}.str(1, "stateN"))
	return pbMsg{}.varint(1, 8).bytes(7, g).bytes(8, pbMsg{}.varint(2, 17))
}

func sileroNode(op string, in, out string) pbMsg {
	return pbMsg{}.str(1, in).str(2, out).str(4, op)
}

// TestLoadRefusesNonSileroOutputs: models with Silero's inputs whose
// output is not one float probability (an INT64 tensor, an empty one)
// or whose input is not FLOAT are refused by Load with ErrNotSilero,
// where Infer used to index the missing probability and panic.
func TestLoadRefusesNonSileroOutputs(t *testing.T) {
	empty := pbMsg{}.varint(1, 0).varint(2, uint64(onnx.Float)).str(8, "empty")
	cases := map[string][]byte{
		"int64 output": sileroLike(onnx.Float, []pbMsg{sileroNode("Shape", "input", "output"), sileroNode("Identity", "state", "stateN")}),
		"empty output": sileroLike(onnx.Float, []pbMsg{sileroNode("Identity", "empty", "output"), sileroNode("Identity", "state", "stateN")}, empty),
		"int64 input":  sileroLike(onnx.Int64, []pbMsg{sileroNode("Identity", "state", "output"), sileroNode("Identity", "state", "stateN")}),
	}
	dir := t.TempDir()
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, "m.onnx")
			require.NoError(t, os.WriteFile(p, data, 0o644))
			s, err := Load(p)
			if err == nil {
				// Before the fix: loaded, and the first chunk panicked.
				_, err = s.Infer(make([]float32, 64+512), 16000)
			}
			require.ErrorIs(t, err, ErrNotSilero)
		})
	}
}

// FuzzSileroModel loads ONNX models mutated from small models with
// Silero's inputs (one that loads: output = ReduceMean(input), stateN =
// Identity(state); and the refused ones above) and runs what loads on
// chunks at both rates, zeros and NaN. Parse, Load and Infer must never
// panic; Load's errors wrap ErrNotSilero or a sentinel of onnx.
func FuzzSileroModel(f *testing.F) {
	empty := pbMsg{}.varint(1, 0).varint(2, uint64(onnx.Float)).str(8, "empty")
	f.Add(sileroLike(onnx.Float, []pbMsg{sileroNode("ReduceMean", "input", "output"), sileroNode("Identity", "state", "stateN")}))
	f.Add(sileroLike(onnx.Float, []pbMsg{sileroNode("Shape", "input", "output"), sileroNode("Identity", "state", "stateN")}))
	f.Add(sileroLike(onnx.Float, []pbMsg{sileroNode("Identity", "empty", "output"), sileroNode("Identity", "state", "stateN")}, empty))
	f.Add(sileroLike(onnx.Int64, []pbMsg{sileroNode("Identity", "state", "output"), sileroNode("Identity", "state", "stateN")}))
	sentinel := func(err error) bool {
		for _, s := range []error{ErrNotSilero, onnx.ErrFormat, onnx.ErrUnsupported, onnx.ErrLimit, onnx.ErrShape, onnx.ErrInput} {
			if errors.Is(err, s) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnx.Parse(data)
		if err != nil {
			return
		}
		s, err := newSilero(m)
		if err != nil {
			if !sentinel(err) {
				t.Fatalf("Load: error wraps no sentinel: %v", err)
			}
			return
		}
		for _, rate := range []int{16000, 8000} {
			chunk, _ := ChunkSize(rate)
			in := make([]float32, s.Context(rate)+chunk)
			for _, v := range []float32{0, float32(math.NaN())} {
				in[0] = v
				if _, err := s.Infer(in, rate); err != nil && !sentinel(err) {
					t.Fatalf("Infer: error wraps no sentinel: %v", err)
				}
			}
		}
		s.ResetState()
	})
}
