package rnn

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/stretchr/testify/require"
)

// encodeNet returns what n.Encode writes.
func encodeNet(t *testing.T, n *Net) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, n.Encode(&b, nil))
	return b.Bytes()
}

// readNet reads a network from bytes.
func readNet(b []byte) (*Net, error) { return Read(bytes.NewReader(b), int64(len(b))) }

// TestQuantizedFileRoundTrip saves a quantized network of every cell
// (with and without a head, bidirectional too) and reads it back into a
// quantized network with the same outputs to the bit; the file holds I8
// weight matrices, F32 scales and biases, and the scheme in its metadata,
// and is about a quarter of the float file.
func TestQuantizedFileRoundTrip(t *testing.T) {
	for _, v := range cellVariants() {
		for _, bidir := range []bool{false, true} {
			cfg := v.set(Config{Input: 32, Hidden: 64, Layers: 2, Output: 3, Bidirectional: bidir, Bias: BiasPair})
			f, err := New(cfg, 5)
			require.NoError(t, err)
			q, err := f.Quantize()
			require.NoError(t, err)
			b := encodeNet(t, q)
			file, err := weights.Read(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			require.Equal(t, QuantizedScheme, file.Metadata()[QuantizedKey])
			for _, s := range q.qSlots() {
				info, ok := file.Info(s.name)
				require.True(t, ok, s.name)
				require.Equal(t, weights.I8, info.DType, s.name)
				info, ok = file.Info(s.name + ".scale")
				require.True(t, ok, s.name)
				require.Equal(t, weights.F32, info.DType, s.name)
			}
			info, ok := file.Info("bias_ih_l0")
			require.True(t, ok)
			require.Equal(t, weights.F32, info.DType)
			require.Less(t, float64(len(b)), 0.5*float64(len(encodeNet(t, f))), "%s: the int8 file is not much smaller", v.name)

			back, err := readNet(b)
			require.NoError(t, err)
			require.True(t, back.Quantized())
			require.Equal(t, q.Config(), back.Config())
			x := randSeq(rand.New(rand.NewPCG(5, 6)), 7, cfg.Input)
			want, err := q.Forward(x)
			require.NoError(t, err)
			got, err := back.Forward(x)
			require.NoError(t, err)
			require.Equal(t, want.Data, got.Data, v.name)
			require.Equal(t, b, encodeNet(t, back), "%s: saving the loaded network again changes the file", v.name)
		}
	}
}

// TestQuantizedLMFileRoundTrip: a quantized LM saved with its tokenizer
// loads back (LoadLM) quantized, with the same probabilities.
func TestQuantizedLMFileRoundTrip(t *testing.T) {
	m, err := NewLM(LMConfig{Cell: GRU, Vocab: 256, Embed: 8, Hidden: 32, Layers: 2}, 9)
	require.NoError(t, err)
	m.Tokenizer = Bytes{}
	q, err := m.Quantize()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "q.safetensors")
	require.NoError(t, q.Save(path, nil))
	back, err := LoadLM(path)
	require.NoError(t, err)
	require.True(t, back.Net.Quantized())
	require.Equal(t, q.Embed, back.Embed)
	toks := []int{72, 101, 108, 108, 111}
	want, err := q.Next(toks)
	require.NoError(t, err)
	got, err := back.Next(toks)
	require.NoError(t, err)
	require.Equal(t, want, got)
	st, err := os.Stat(path)
	require.NoError(t, err)
	fpath := filepath.Join(t.TempDir(), "f.safetensors")
	require.NoError(t, m.Save(fpath, nil))
	fst, err := os.Stat(fpath)
	require.NoError(t, err)
	t.Logf("LM file: float %d bytes, int8 %d bytes", fst.Size(), st.Size())
}

// rewrite copies the file b through edit (torchtest.Rewrite), which may
// change its tensors and metadata, and returns the new file's bytes.
func rewrite(t *testing.T, b []byte, edit func(ts map[string]weights.Tensor, meta map[string]string)) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "good.safetensors")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	f, err := weights.Open(path)
	require.NoError(t, err)
	meta := f.Metadata()
	out, err := os.ReadFile(torchtest.Rewrite(t, path, meta, func(ts map[string]weights.Tensor) { edit(ts, meta) }))
	require.NoError(t, err)
	return out
}

// TestQuantizedFileErrors: a damaged quantized file is refused with an
// error wrapping the right sentinel, never a panic.
func TestQuantizedFileErrors(t *testing.T) {
	f, err := New(Config{Cell: LSTM, Input: 3, Hidden: 4, Proj: 2, Output: 2, Bias: BiasPair}, 1)
	require.NoError(t, err)
	q, err := f.Quantize()
	require.NoError(t, err)
	good, float := encodeNet(t, q), encodeNet(t, f)
	for _, c := range []struct {
		name string
		file []byte
		want error
	}{
		{"unknown scheme", rewrite(t, good, func(_ map[string]weights.Tensor, m map[string]string) { m[QuantizedKey] = "int4/9" }), ErrFormat},
		{"no scale", rewrite(t, good, func(ts map[string]weights.Tensor, _ map[string]string) { delete(ts, "weight_hh_l0.scale") }), weights.ErrMissing},
		{"scale of another length", rewrite(t, good, func(ts map[string]weights.Tensor, _ map[string]string) {
			ts["weight_hr_l0.scale"] = weights.Tensor{Name: "weight_hr_l0.scale", Shape: []int{3}, Data: []float32{1, 1, 1}}
		}), ErrShape},
		{"float weight", rewrite(t, good, func(ts map[string]weights.Tensor, _ map[string]string) {
			ts["weight_ih_l0"] = weights.Tensor{Name: "weight_ih_l0", Shape: []int{16, 3}, Data: make([]float32, 48)}
		}), ErrFormat},
		{"−128", rewrite(t, good, func(ts map[string]weights.Tensor, _ map[string]string) { ts["head.weight"].Int8[1] = -128 }), ErrFormat},
		{"NaN scale", rewrite(t, good, func(ts map[string]weights.Tensor, _ map[string]string) {
			ts["weight_hh_l0.scale"].Data[2] = float32(math.NaN())
		}), ErrFormat},
		{"negative scale", rewrite(t, good, func(ts map[string]weights.Tensor, _ map[string]string) { ts["head.weight.scale"].Data[0] = -1 }), ErrFormat},
		{"scales in a float file", rewrite(t, float, func(ts map[string]weights.Tensor, _ map[string]string) {
			ts["weight_hh_l0.scale"] = weights.Tensor{Name: "weight_hh_l0.scale", Shape: []int{16}, Data: make([]float32, 16)}
		}), ErrFormat},
		{"int8 weight in a float file", rewrite(t, good, func(_ map[string]weights.Tensor, m map[string]string) { delete(m, QuantizedKey) }), ErrFormat},
	} {
		_, err := readNet(c.file)
		require.ErrorIs(t, err, c.want, c.name)
	}
}
