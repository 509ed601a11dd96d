package tlm_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
)

// FuzzRead feeds Read files mutated from what Encode writes (fixed and
// learned positions, pre- and post-norm, with and without a tokenizer).
// Read must never panic and fail only with an error of one line wrapping
// tlm.ErrFormat (nn's and weights' too), ErrShape or a missing tensor's
// error; an accepted model predicts its next token, and survives Save →
// Load → Save byte for byte.
func FuzzRead(f *testing.F) {
	for i, c := range []tlm.Config{
		{Vocab: 5, DModel: 4, Heads: 2, FF: 3, Layers: 2, MaxLen: 6},
		{Vocab: 3, DModel: 2, Heads: 1, FF: 2, MaxLen: 3, Learned: true, PostNorm: true, Activation: nn.GELU},
	} {
		m, err := tlm.New(c, uint64(i))
		if err != nil {
			f.Fatal(err)
		}
		if c.Vocab == 3 {
			m.Tokenizer = rnn.NewChars("xyz")
		}
		var b bytes.Buffer
		if err := m.Encode(&b, nil); err != nil {
			f.Fatal(err)
		}
		n := binary.LittleEndian.Uint64(b.Bytes())
		f.Add(b.Bytes()[8:8+n], b.Bytes()[8+n:])
	}
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		data := torchtest.RawFile(string(header), buffer)
		m, err := tlm.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, tlm.ErrFormat) && !errors.Is(err, tlm.ErrShape) && !errors.Is(err, nn.ErrShape) && !errors.Is(err, nn.ErrMissing) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if _, err := m.Next([]int{0, m.Vocab() - 1}[:min(2, m.MaxLen())]); err != nil {
			t.Fatalf("Next on a loaded model: %v", err)
		}
		var first, second bytes.Buffer
		if err := m.Encode(&first, nil); err != nil {
			t.Fatalf("Encode of a loaded model: %v", err)
		}
		back, err := tlm.Read(bytes.NewReader(first.Bytes()), int64(first.Len()))
		if err != nil {
			t.Fatalf("reading back its own encoding: %v", err)
		}
		if err := back.Encode(&second, nil); err != nil {
			t.Fatalf("second Encode: %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("Save → Load → Save changed the file")
		}
	})
}
