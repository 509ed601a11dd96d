package attn_test

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// decodeAll runs Prefill of x's first pre rows into cache, then Decode of
// the rest token by token, into a new matrix.
func decodeAll(t *testing.T, m *attn.MultiHead, cache *attn.KVCache, x kernel.Matrix, pre int) kernel.Matrix {
	t.Helper()
	y := kernel.NewMatrix(x.Rows, x.Cols)
	cache.Reset()
	if pre > 0 {
		require.NoError(t, m.Prefill(y.Slice(0, pre, 0, x.Cols), x.Slice(0, pre, 0, x.Cols), cache, attn.Options{Causal: true}))
	}
	for i := pre; i < x.Rows; i++ {
		require.NoError(t, m.Decode(y.Row(i), x.Row(i), cache, attn.Options{}))
	}
	return y
}

// int8CacheTol is the accuracy ACCURACY.md states for an int8 KV cache:
// every output of Prefill and Decode over it within this (absolute) of
// the same model's over a float32 cache.
const int8CacheTol = 2e-2

// TestKVCacheInt8Torch decodes the self-attention torch fixtures, float
// and quantized models (Quantize and QuantizeResidual), over an int8
// cache and a float32 one.
func TestKVCacheInt8Torch(t *testing.T) {
	for _, name := range []string{"mha_causal", "gqa_rope_half", "gqa_rope_inter"} {
		f, err := attn.LoadMultiHead(filepath.Join(torchDir, name+".safetensors"), "", 0)
		require.NoError(t, err)
		q, err := f.Quantize()
		require.NoError(t, err)
		r, err := f.QuantizeResidual()
		require.NoError(t, err)
		x := ioMatrix(t, name, "input")
		for _, m := range []*attn.MultiHead{f, q, r} {
			fc, err := attn.NewKVCache(m, x.Rows)
			require.NoError(t, err)
			ic, err := attn.NewKVCacheInt8(m, x.Rows)
			require.NoError(t, err)
			require.True(t, ic.Int8())
			require.False(t, fc.Int8())
			for _, pre := range []int{0, x.Rows / 2} {
				want, got := decodeAll(t, m, fc, x, pre), decodeAll(t, m, ic, x, pre)
				d := maxAbsDiff(got.Data, want.Data)
				t.Logf("%-14s quantized=%v residual=%v prefill %d: max |int8 cache − float cache| %.2e", name, m.Quantized(), m.QuantizedResidual(), pre, d)
				require.LessOrEqual(t, d, int8CacheTol)
				require.Greater(t, d, 0.0, "the int8 cache gave the float cache's outputs exactly")
			}
		}
	}
}

// TestKVCacheInt8ResidualTorch: the configuration that decodes fast
// (int8 projections and int8 cache) within 1e-2 of PyTorch's float
// model on every self-attention fixture: QuantizeResidual's weights over
// an int8 cache, by Decode token by token and by Prefill then Decode.
func TestKVCacheInt8ResidualTorch(t *testing.T) {
	for _, name := range []string{"mha_causal", "gqa_rope_half", "gqa_rope_inter"} {
		f, err := attn.LoadMultiHead(filepath.Join(torchDir, name+".safetensors"), "", 0)
		require.NoError(t, err)
		r, err := f.QuantizeResidual()
		require.NoError(t, err)
		x, want := ioMatrix(t, name, "input"), ioMatrix(t, name, "output")
		c, err := attn.NewKVCacheInt8(r, x.Rows)
		require.NoError(t, err)
		for _, pre := range []int{0, x.Rows / 2} {
			d := maxAbsDiff(decodeAll(t, r, c, x, pre).Data, want.Data)
			t.Logf("%-14s prefill %d: max |residual int8 weights, int8 cache − torch float| %.2e", name, pre, d)
			require.LessOrEqual(t, d, 1e-2, "%s prefill %d", name, pre)
		}
	}
}

// TestKVCacheInt8Long: a model of d_model 64 (4 heads, 2 key/value heads)
// over 600 tokens of inputs in [−1, 1], Decode and Prefill over an int8
// cache against a float32 one.
func TestKVCacheInt8Long(t *testing.T) {
	m, err := attn.NewMultiHeadConfig(attn.MultiHeadConfig{DModel: 64, Heads: 4, KVHeads: 2, Bias: true})
	require.NoError(t, err)
	m.Init(rand.New(rand.NewPCG(3, 4)))
	x := kernel.NewMatrix(600, 64)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range x.Data {
		x.Data[i] = float32(2*r.Float64() - 1)
	}
	fc, err := attn.NewKVCache(m, x.Rows)
	require.NoError(t, err)
	ic, err := attn.NewKVCacheInt8(m, x.Rows)
	require.NoError(t, err)
	for _, pre := range []int{0, 300} {
		want, got := decodeAll(t, m, fc, x, pre), decodeAll(t, m, ic, x, pre)
		d := maxAbsDiff(got.Data, want.Data)
		t.Logf("prefill %d: max |int8 cache − float cache| %.2e", pre, d)
		require.LessOrEqual(t, d, int8CacheTol)
	}
	// Prefill onto a cache that holds tokens already: it attends over the
	// cached keys and values dequantized.
	want := decodeAll(t, m, fc, x, 0)
	got := kernel.NewMatrix(x.Rows, x.Cols)
	ic.Reset()
	for _, r := range [][2]int{{0, 200}, {200, 450}, {450, 600}} {
		require.NoError(t, m.Prefill(got.Slice(r[0], r[1], 0, x.Cols), x.Slice(r[0], r[1], 0, x.Cols), ic, attn.Options{Causal: true}))
	}
	require.Equal(t, x.Rows, ic.Len())
	d := maxAbsDiff(got.Data, want.Data)
	t.Logf("three Prefills: max |int8 cache − float cache| %.2e", d)
	require.LessOrEqual(t, d, int8CacheTol)
}

// TestKVCacheInt8Refuses: the float views panic, and a model the cache
// does not fit is refused.
func TestKVCacheInt8Refuses(t *testing.T) {
	m, err := attn.NewMultiHead(8, 2, true)
	require.NoError(t, err)
	c, err := attn.NewKVCacheInt8(m, 4)
	require.NoError(t, err)
	require.Panics(t, func() { c.Keys(0) })
	require.Panics(t, func() { c.Values(0) })
	_, err = attn.NewKVCacheInt8(m, -1)
	require.ErrorIs(t, err, attn.ErrShape)
	other, err := attn.NewMultiHead(16, 2, true)
	require.NoError(t, err)
	require.ErrorIs(t, other.Decode(make([]float32, 16), make([]float32, 16), c, attn.Options{}), attn.ErrShape)
}

// TestKVCacheInt8DecodeAllocatesNothing: Decode over an int8 cache, float
// and quantized models.
func TestKVCacheInt8DecodeAllocatesNothing(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates")
	}
	m, err := attn.NewMultiHeadConfig(attn.MultiHeadConfig{DModel: 32, Heads: 4, KVHeads: 2, Bias: true})
	require.NoError(t, err)
	m.Init(rand.New(rand.NewPCG(7, 8)))
	q, err := m.Quantize()
	require.NoError(t, err)
	x, y := make([]float32, 32), make([]float32, 32)
	for _, mm := range []*attn.MultiHead{m, q} {
		c, err := attn.NewKVCacheInt8(mm, 64)
		require.NoError(t, err)
		require.NoError(t, mm.Decode(y, x, c, attn.Options{}))
		require.Zero(t, testing.AllocsPerRun(20, func() {
			c.Truncate(1)
			if err := mm.Decode(y, x, c, attn.Options{}); err != nil {
				t.Fatal(err)
			}
		}))
	}
}
