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

// TestConcurrentGroupedDecode: goroutines decoding one grouped-query
// (and one multi-query) model with Rotary, each with its own cache that
// starts small and grows, give what one goroutine gives with a cache of
// the whole length; run with -race.
func TestConcurrentGroupedDecode(t *testing.T) {
	for _, kvHeads := range []int{2, 1} {
		m := newTestConfig(t, 43, MultiHeadConfig{DModel: 16, Heads: 4, KVHeads: kvHeads, Bias: true})
		m.Rotary = mustRotary(t, 4, 0, true)
		const T = 12
		x := randMatrix(kerneltest.Rand(44), T, 16, 0, -1, 1)
		want := kernel.NewMatrix(T, 16)
		full, err := NewKVCache(m, T)
		require.NoError(t, err)
		require.NoError(t, m.Prefill(want.Slice(0, 3, 0, 16), x.Slice(0, 3, 0, 16), full, Options{Causal: true}))
		for i := 3; i < T; i++ {
			require.NoError(t, m.Decode(want.Row(i), x.Row(i), full, Options{}))
		}
		errs := make([]error, 4)
		outs := make([]kernel.Matrix, 4)
		done := make(chan int)
		for g := range 4 {
			go func() {
				defer func() { done <- g }()
				cache, err := NewKVCache(m, 3)
				if err != nil {
					errs[g] = err
					return
				}
				out := kernel.NewMatrix(T, 16)
				outs[g] = out
				if errs[g] = m.Prefill(out.Slice(0, 3, 0, 16), x.Slice(0, 3, 0, 16), cache, Options{Causal: true}); errs[g] != nil {
					return
				}
				for i := 3; i < T && errs[g] == nil; i++ {
					if i == cache.Cap() {
						errs[g] = cache.Grow(2 * i)
					}
					if errs[g] == nil {
						errs[g] = m.Decode(out.Row(i), x.Row(i), cache, Options{})
					}
				}
			}()
		}
		for range 4 {
			<-done
		}
		for g := range 4 {
			require.NoError(t, errs[g])
			require.Equal(t, want.Data, outs[g].Data, "kv heads %d, goroutine %d", kvHeads, g)
		}
	}
}
