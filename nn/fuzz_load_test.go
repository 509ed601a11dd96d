package nn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// FuzzReadStack feeds ReadEncoder, ReadDecoder, ReadTransformer,
// LoadEncoderLayer and LoadDecoderLayer (layer 0 of a stack's file; the
// first byte picks one) files mutated from torch's (enc_post_relu,
// dec_post_relu, transformer_whole) and from what Encode writes for small
// stacks of either norm placement and activation. They must never panic
// and fail only with an error of one line wrapping ErrFormat, ErrMissing
// or ErrShape; an accepted model runs, and a stack survives Save → Load →
// Save byte for byte.
func FuzzReadStack(f *testing.F) {
	split := func(b []byte) ([]byte, []byte) {
		n := binary.LittleEndian.Uint64(b)
		return b[8 : 8+n], b[8+n:]
	}
	for i, name := range []string{"enc_post_relu", "dec_post_relu", "transformer_whole"} {
		b, err := os.ReadFile(encPath(name))
		if err != nil {
			f.Fatal(err)
		}
		h, buf := split(b)
		f.Add(byte(i), h, buf)
	}
	for i, c := range []nn.Config{
		{DModel: 4, Heads: 2, FF: 3, Layers: 2, FinalNorm: true, NormFirst: true, Activation: nn.GELU},
		{DModel: 2, Heads: 1, FF: 2, Layers: 1},
	} {
		r := rand.New(rand.NewPCG(uint64(i), 9))
		enc, err := nn.NewEncoder(c)
		if err != nil {
			f.Fatal(err)
		}
		enc.Init(r)
		dec, err := nn.NewDecoder(c)
		if err != nil {
			f.Fatal(err)
		}
		dec.Init(r)
		var eb, db bytes.Buffer
		if err := enc.Encode(&eb, nil); err != nil {
			f.Fatal(err)
		}
		if err := dec.Encode(&db, nil); err != nil {
			f.Fatal(err)
		}
		h, buf := split(eb.Bytes())
		f.Add(byte(0), h, buf)
		f.Add(byte(3), h, buf)
		h, buf = split(db.Bytes())
		f.Add(byte(1), h, buf)
		f.Add(byte(4), h, buf)
	}
	f.Fuzz(func(t *testing.T, pick byte, header, buffer []byte) {
		data := torchtest.RawFile(string(header), buffer)
		rd := func() *bytes.Reader { return bytes.NewReader(data) }
		var d int
		var err error
		var encode func(*bytes.Buffer) error
		var reencode func([]byte) (func(*bytes.Buffer) error, error)
		var run func(x kernel.Matrix) error
		layerFile := func() string {
			p := filepath.Join(t.TempDir(), "layer.safetensors")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		switch pick % 5 {
		case 0:
			var e *nn.Encoder
			if e, err = nn.ReadEncoder(rd(), int64(len(data)), ""); err == nil {
				d = e.DModel()
				encode = func(w *bytes.Buffer) error { return e.Encode(w, nil) }
				reencode = func(b []byte) (func(*bytes.Buffer) error, error) {
					back, err := nn.ReadEncoder(bytes.NewReader(b), int64(len(b)), "")
					return func(w *bytes.Buffer) error { return back.Encode(w, nil) }, err
				}
				run = func(x kernel.Matrix) error {
					_, err := e.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
					return err
				}
			}
		case 1:
			var dec *nn.Decoder
			if dec, err = nn.ReadDecoder(rd(), int64(len(data)), ""); err == nil {
				d = dec.DModel()
				encode = func(w *bytes.Buffer) error { return dec.Encode(w, nil) }
				reencode = func(b []byte) (func(*bytes.Buffer) error, error) {
					back, err := nn.ReadDecoder(bytes.NewReader(b), int64(len(b)), "")
					return func(w *bytes.Buffer) error { return back.Encode(w, nil) }, err
				}
				run = func(x kernel.Matrix) error {
					_, err := dec.Forward(kernel.Matrix{}, x, x, nn.Mask{}, nn.Mask{})
					return err
				}
			}
		case 3:
			var l *nn.EncoderLayer
			if l, err = nn.LoadEncoderLayer(layerFile(), "layers.0."); err == nil {
				d = l.DModel()
				run = func(x kernel.Matrix) error { _, err := l.Forward(kernel.Matrix{}, x, nn.Mask{}); return err }
			}
		case 4:
			var l *nn.DecoderLayer
			if l, err = nn.LoadDecoderLayer(layerFile(), "layers.0."); err == nil {
				d = l.DModel()
				run = func(x kernel.Matrix) error {
					_, err := l.Forward(kernel.Matrix{}, x, x, nn.Mask{Causal: true}, nn.Mask{})
					return err
				}
			}
		default:
			var m *nn.Transformer
			if m, err = nn.ReadTransformer(rd(), int64(len(data)), ""); err == nil {
				d = m.DModel()
				run = func(x kernel.Matrix) error {
					_, err := m.Forward(kernel.Matrix{}, x, x, nn.Mask{}, nn.Mask{Causal: true}, nn.Mask{})
					return err
				}
			}
		}
		if err != nil {
			if !errors.Is(err, nn.ErrFormat) && !errors.Is(err, nn.ErrMissing) && !errors.Is(err, nn.ErrShape) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		x := kernel.NewMatrix(2, d)
		for i := range x.Data {
			x.Data[i] = float32(i%5) - 2
		}
		if err := run(x); err != nil {
			t.Fatalf("Forward on a loaded model: %v", err)
		}
		if encode == nil {
			return
		}
		var first, second bytes.Buffer
		if err := encode(&first); err != nil {
			t.Fatalf("Encode of a loaded model: %v", err)
		}
		enc2, err := reencode(first.Bytes())
		if err != nil {
			t.Fatalf("reading back its own encoding: %v", err)
		}
		if err := enc2(&second); err != nil {
			t.Fatalf("second Encode: %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("Save → Load → Save changed the file")
		}
	})
}
