package attn

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// TestTorchParity loads the nn.MultiheadAttention fixture that
// scripts/torch_fixtures.py wrote (E=8, 2 heads, T=6, causal mask, torch's
// float64 output) and compares Forward, and Prefill+Decode, with it to
// 1e-5 relative to the largest output.
func TestTorchParity(t *testing.T) {
	dir := "../testdata/torch"
	m, err := LoadMultiHead(filepath.Join(dir, "mha_causal.safetensors"), "", 0)
	require.NoError(t, err)
	require.Equal(t, 8, m.DModel)
	require.Equal(t, 2, m.Heads)
	io, err := weights.Open(filepath.Join(dir, "mha_causal.io.safetensors"))
	require.NoError(t, err)
	x, err := io.Float32s("input", 6, 8)
	require.NoError(t, err)
	want, err := io.Float32s("output", 6, 8)
	require.NoError(t, err)
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	check := func(what string, got []float32) {
		for i := range want {
			require.InDelta(t, want[i], got[i], 1e-5*scale, "%s[%d]", what, i)
		}
	}
	dst := kernel.NewMatrix(6, 8)
	require.NoError(t, m.Forward(dst, kernel.MatrixFrom(6, 8, x), Options{Causal: true}))
	check("forward", dst.Data)

	cache, err := NewKVCache(m, 6)
	require.NoError(t, err)
	got := kernel.NewMatrix(6, 8)
	require.NoError(t, m.Prefill(got.Slice(0, 2, 0, 8), kernel.MatrixFrom(2, 8, x[:16]), cache, Options{Causal: true}))
	for i := 2; i < 6; i++ {
		require.NoError(t, m.Decode(got.Row(i), x[i*8:(i+1)*8], cache, Options{}))
	}
	check("decode", got.Data)

	_, err = LoadMultiHead(filepath.Join(dir, "mha_causal.safetensors"), "attn.", 0)
	require.Error(t, err)
	_, err = LoadMultiHead(filepath.Join(dir, "mha_causal.safetensors"), "", 3)
	require.ErrorIs(t, err, ErrShape)
}
