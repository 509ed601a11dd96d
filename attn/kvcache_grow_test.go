package attn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// TestKVCacheGrow: a cache that starts small and grows between Prefill
// and Decode gives bit for bit what a cache of the final size gives, for
// float32 and int8 caches, grouped-query heads and Rotary; the cached
// keys and values survive the growth.
func TestKVCacheGrow(t *testing.T) {
	m := newTestConfig(t, 41, MultiHeadConfig{DModel: 24, Heads: 4, KVHeads: 2, Bias: true})
	m.Rotary = mustRotary(t, 6, 0, false)
	r := kerneltest.Rand(42)
	const T = 9
	x := randMatrix(r, T, 24, 0, -1, 1)
	for _, newCache := range []func(*MultiHead, int) (*KVCache, error){NewKVCache, NewKVCacheInt8} {
		full, err := newCache(m, T)
		require.NoError(t, err)
		small, err := newCache(m, 3)
		require.NoError(t, err)
		want, got := kernel.NewMatrix(T, 24), kernel.NewMatrix(T, 24)
		require.NoError(t, m.Prefill(want.Slice(0, 3, 0, 24), x.Slice(0, 3, 0, 24), full, Options{Causal: true}))
		require.NoError(t, m.Prefill(got.Slice(0, 3, 0, 24), x.Slice(0, 3, 0, 24), small, Options{Causal: true}))
		require.ErrorIs(t, m.Decode(got.Row(3), x.Row(3), small, Options{}), ErrCacheFull)
		require.NoError(t, small.Grow(2)) // smaller: nothing changes
		require.Equal(t, 3, small.Cap())
		for i := 3; i < T; i++ {
			require.NoError(t, m.Decode(want.Row(i), x.Row(i), full, Options{}))
			if i == small.Cap() {
				require.NoError(t, small.Grow(min(T, 2*small.Cap())))
			}
			require.NoError(t, m.Decode(got.Row(i), x.Row(i), small, Options{}))
		}
		require.Equal(t, T, small.Cap())
		require.Equal(t, want.Data, got.Data, "int8 %v", small.Int8())
		if !small.Int8() {
			for g := range small.Heads() {
				require.Equal(t, full.Keys(g).Data, small.Keys(g).Data)
				require.Equal(t, full.Values(g).Data, small.Values(g).Data)
			}
		}
		require.ErrorIs(t, small.Grow(1<<62), ErrShape)
		require.Equal(t, T, small.Cap())
	}
}
