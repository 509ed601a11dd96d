package tlm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// TestSaveLoadRoundTrip: Save then Load gives a model with the same
// configuration, tokenizer and distributions, for both tokenizers, both
// kinds of positions and both norm placements; the names are torch-like.
func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []struct {
		cfg Config
		tok rnn.Tokenizer
	}{
		{Config{Vocab: 6, DModel: 8, Heads: 2, FF: 12, Layers: 2, MaxLen: 10, Activation: nn.GELU, Learned: true}, rnn.NewChars("abcdéf")},
		{Config{Vocab: 256, DModel: 4, Heads: 1, Layers: 1, MaxLen: 7, PostNorm: true}, rnn.Bytes{}},
	} {
		m := tiny(t, c.cfg)
		m.Tokenizer = c.tok
		path := filepath.Join(dir, "m.safetensors")
		require.NoError(t, m.Save(path, map[string]string{"note": "kept"}))
		got, err := Load(path)
		require.NoError(t, err, "case %d", i)
		require.Equal(t, m.Config(), got.Config())
		require.Equal(t, c.tok, got.Tokenizer)
		seq := []int{1, 5, 2, 3, 0, 4}
		want, _ := m.Next(seq)
		have, err := got.Next(seq)
		require.NoError(t, err)
		require.Equal(t, want, have)

		f, err := weights.Open(path)
		require.NoError(t, err)
		require.Equal(t, "kept", f.Metadata()["note"])
		require.True(t, IsModel(f.Metadata()))
		for _, name := range []string{"embedding.weight", "encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.linear1.weight", "encoder.norm.weight", "head.weight", "head.bias"} {
			require.True(t, f.Has(name), name)
		}
		require.Equal(t, c.cfg.Learned, f.Has("pos_embedding.weight"))

		var buf bytes.Buffer
		require.NoError(t, m.Encode(&buf, nil))
		got, err = Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		require.NoError(t, err)
		have, _ = got.Next(seq)
		require.Equal(t, want, have)
	}
}

// TestLoadRefuses: files that are not this package's models, or that
// have a tensor too many or of the wrong shape, are errors.
func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t, smallConfig())
	var buf bytes.Buffer
	require.NoError(t, m.Encode(&buf, nil))
	f, err := weights.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	rewrite := func(edit func(ts []weights.Tensor, meta map[string]string) []weights.Tensor) string {
		var ts []weights.Tensor
		for _, n := range f.Names() {
			x, err := f.Tensor(n)
			require.NoError(t, err)
			ts = append(ts, x)
		}
		meta := f.Metadata()
		ts = edit(ts, meta)
		p := filepath.Join(dir, "bad.safetensors")
		require.NoError(t, weights.Save(p, ts, meta))
		return p
	}
	p := rewrite(func(ts []weights.Tensor, meta map[string]string) []weights.Tensor { delete(meta, MetaArch); return ts })
	_, err = Load(p)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "tlm: "+p+": malformed model: metadata ")
	// The messages name the file, then the tensor, apart.
	p = rewrite(func(ts []weights.Tensor, meta map[string]string) []weights.Tensor { return ts[1:] })
	_, err = Load(p)
	require.ErrorIs(t, err, weights.ErrMissing)
	require.ErrorContains(t, err, "tlm: "+p+": tensor ")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	_, err = Read(bytes.NewReader(b), int64(len(b)))
	require.ErrorContains(t, err, "tlm: reader: tensor ")
	p = rewrite(func(ts []weights.Tensor, meta map[string]string) []weights.Tensor {
		return append(ts, weights.Tensor{Name: "extra", Shape: []int{1}, Data: []float32{1}})
	})
	_, err = Load(p)
	require.ErrorIs(t, err, ErrFormat)
	p = rewrite(func(ts []weights.Tensor, meta map[string]string) []weights.Tensor {
		for i := range ts {
			if ts[i].Name == "head.bias" {
				ts[i] = weights.Tensor{Name: "head.bias", Shape: []int{3}, Data: []float32{1, 2, 3}}
			}
		}
		return ts
	})
	_, err = Load(p)
	require.ErrorIs(t, err, ErrShape)
	for _, bad := range []string{"x", "0", "1048577"} {
		p = rewrite(func(ts []weights.Tensor, meta map[string]string) []weights.Tensor { meta[metaMaxLen] = bad; return ts })
		_, err = Load(p)
		require.ErrorIs(t, err, ErrFormat, bad)
	}
	_, err = Load(filepath.Join(dir, "absent"))
	require.ErrorIs(t, err, os.ErrNotExist)
	// A torch.save checkpoint reads, but has no metadata to say what it is.
	_, err = Load("../testdata/torch/enc_post_relu.pt")
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "a torch.save checkpoint carries no metadata")
}
