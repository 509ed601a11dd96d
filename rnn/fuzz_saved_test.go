package rnn_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/rnn"
)

// savedSeeds returns what Encode writes for nets and language models of
// every cell, with and without biases, projections, bidirectional layers,
// heads, embeddings and tokenizers, float and int8: the files FuzzReadSaved
// starts from.
func savedSeeds(tb testing.TB) [][]byte {
	var files [][]byte
	add := func(enc func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			tb.Fatal(err)
		}
		files = append(files, b.Bytes())
	}
	for _, c := range []rnn.Config{
		{Cell: rnn.LSTM, Input: 2, Hidden: 3, Proj: 2, Output: 2},
		{Cell: rnn.GRU, Input: 2, Hidden: 2, Layers: 2, Bidirectional: true},
		{Cell: rnn.Elman, Input: 3, Hidden: 2, Output: 1, OutputActivation: rnn.Sigmoid, Bias: rnn.BiasNone},
	} {
		n, err := rnn.New(c, 1)
		if err != nil {
			tb.Fatal(err)
		}
		add(func(b *bytes.Buffer) error { return n.Encode(b, map[string]string{"note": "seed"}) })
		q, err := n.Quantize()
		if err != nil {
			tb.Fatal(err)
		}
		add(func(b *bytes.Buffer) error { return q.Encode(b, nil) })
	}
	for _, c := range []rnn.LMConfig{
		{Cell: rnn.GRU, Vocab: 4, Embed: 2, Hidden: 3},
		{Cell: rnn.LSTM, Vocab: 3, Hidden: 2, Layers: 2},
	} {
		m, err := rnn.NewLM(c, 2)
		if err != nil {
			tb.Fatal(err)
		}
		if c.Vocab == 3 {
			m.Tokenizer = rnn.NewChars("abc")
		}
		add(func(b *bytes.Buffer) error { return m.Encode(b, nil) })
		q, err := m.Quantize()
		if err != nil {
			tb.Fatal(err)
		}
		add(func(b *bytes.Buffer) error { return q.Encode(b, nil) })
	}
	return files
}

// splitFile splits a safetensors file into its JSON header and its
// buffer, the two arguments of the fuzz targets that mutate the header
// without breaking its length field.
func splitFile(b []byte) (header, buffer []byte) {
	n := binary.LittleEndian.Uint64(b)
	return b[8 : 8+n], b[8+n:]
}

// FuzzReadSaved feeds Read and ReadLM files mutated from what Encode
// writes (float and quantized nets and language models, see savedSeeds).
// They must never panic and fail only with a sentinel error of one line;
// a file they accept must survive Save → Load → Save unchanged: the
// second encoding equals the first byte for byte.
func FuzzReadSaved(f *testing.F) {
	for _, b := range savedSeeds(f) {
		h, buf := splitFile(b)
		f.Add(h, buf)
	}
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		data := torchtest.RawFile(string(header), buffer)
		check := func(err error) { requireLoadError(t, err) }
		if n, err := rnn.Read(bytes.NewReader(data), int64(len(data))); err != nil {
			check(err)
		} else {
			roundTrip(t, "Net", n.Encode, func(b []byte) (func(*bytes.Buffer) error, error) {
				back, err := rnn.Read(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					return nil, err
				}
				return func(w *bytes.Buffer) error { return back.Encode(w, nil) }, nil
			})
		}
		if m, err := rnn.ReadLM(bytes.NewReader(data), int64(len(data))); err != nil {
			check(err)
		} else {
			roundTrip(t, "LM", m.Encode, func(b []byte) (func(*bytes.Buffer) error, error) {
				back, err := rnn.ReadLM(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					return nil, err
				}
				return func(w *bytes.Buffer) error { return back.Encode(w, nil) }, nil
			})
		}
	})
}

// roundTrip encodes a loaded model, reads the encoding back and encodes
// that: both encodings must be the same bytes.
func roundTrip(t *testing.T, what string, encode func(w io.Writer, meta map[string]string) error,
	reread func([]byte) (func(*bytes.Buffer) error, error)) {
	t.Helper()
	var first bytes.Buffer
	if err := encode(&first, nil); err != nil {
		// A model loaded from a file that it cannot save again: Save
		// refuses only what Load would refuse too.
		t.Fatalf("%s: Encode of a loaded model: %v", what, err)
	}
	enc, err := reread(first.Bytes())
	if err != nil {
		t.Fatalf("%s: reading back its own encoding: %v", what, err)
	}
	var second bytes.Buffer
	if err := enc(&second); err != nil {
		t.Fatalf("%s: second Encode: %v", what, err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("%s: Save → Load → Save changed the file:\n%q\n%q", what, first.Bytes()[:min(first.Len(), 400)], second.Bytes()[:min(second.Len(), 400)])
	}
}
