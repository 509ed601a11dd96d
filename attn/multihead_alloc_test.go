package attn

import (
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// TestForwardNoAllocs: with a caller's dst, steady-state Forward, Prefill,
// Cross and SelfAttention allocate nothing, on one thread and on two
// (heads spread over the worker pool), in the packed and the grouped
// layouts, with Rotary and with masks, on the direct and the tiled paths.
func TestForwardNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector: allocation counts mean nothing")
	}
	// A garbage collection empties the sync.Pools that lend the scratch
	// (and the parallel tasks): the next calls allocate afresh, which is
	// not the steady state, so there is none while this test measures.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer kernel.SetThreads(kernel.Threads())
	r := kerneltest.Rand(31)
	packed := newTestMHA(t, 32, 64, 4, true)
	grouped, err := NewMultiHeadConfig(MultiHeadConfig{DModel: 64, Heads: 4, KVHeads: 2, Bias: true})
	require.NoError(t, err)
	grouped.Init(r)
	grouped.Rotary, err = NewRotary(16, 10000, false)
	require.NoError(t, err)
	// 12 rows: every head on the caller; 160: over the pool; 600: tiled
	// (more than directMaxKeys keys). -short leaves out 600, which is
	// the same Go code on every architecture and takes four of the five
	// minutes of attn's tests under qemu (CI's -short runs): the native
	// runs check it.
	shapes := []int{12, 160, directMaxKeys + 88}
	if testing.Short() {
		shapes = shapes[:2]
	}
	for _, threads := range []int{1, 2} {
		kernel.SetThreads(threads)
		for _, T := range shapes {
			parallel := headThreads(4, T*T*16) > 1
			require.Equal(t, threads > 1 && T >= 160, parallel)
			x := randMatrix(r, T, 64, 3, -1, 1)
			mem := randMatrix(r, T/2, 64, 0, -1, 1)
			y := kernel.NewMatrix(T, 64)
			keepKeys := make([]bool, T)
			for i := range keepKeys {
				keepKeys[i] = i%5 != 2
			}
			masked := Options{Causal: true, KeepKeys: keepKeys}
			for _, m := range []*MultiHead{packed, grouped} {
				name := fmt.Sprintf("threads=%d T=%d grouped=%v", threads, T, m == grouped)
				cache, err := NewKVCache(m, 2*T)
				require.NoError(t, err)
				runs := map[string]func() error{
					"Forward":        func() error { return m.Forward(y, x, Options{Causal: true}) },
					"Forward masked": func() error { return m.Forward(y, x, masked) },
					"Prefill": func() error {
						cache.Reset()
						if err := m.Prefill(y.Slice(0, T/2, 0, 64), x.Slice(0, T/2, 0, 64), cache, Options{Causal: true}); err != nil {
							return err
						}
						return m.Prefill(y.Slice(T/2, T, 0, 64), x.Slice(T/2, T, 0, 64), cache, Options{Causal: true})
					},
				}
				if m.Rotary == nil {
					runs["Cross"] = func() error { return m.Cross(y, x, mem, mem, Options{}) }
				}
				q, k, v := x.Slice(0, T, 0, 16), x.Slice(0, T, 16, 32), x.Slice(0, T, 32, 48)
				runs["SelfAttention"] = func() error { return SelfAttention(y.Slice(0, T, 0, 16), q, k, v, masked) }
				for what, run := range runs {
					require.NoError(t, run(), what+" "+name)
					require.Zero(t, testing.AllocsPerRun(20, func() {
						if err := run(); err != nil {
							panic(err)
						}
					}), what+" "+name)
				}
			}
		}
	}
}
