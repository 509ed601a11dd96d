package attn

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/alloctest"
	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// allocModels returns the models of the allocation tests: d_model 64 over
// 4 heads, in the packed layout, and grouped (2 key/value heads) with
// Rotary.
func allocModels(t *testing.T, r *rand.Rand) (packed, grouped *MultiHead) {
	packed = newTestMHA(t, 32, 64, 4, true)
	grouped, err := NewMultiHeadConfig(MultiHeadConfig{DModel: 64, Heads: 4, KVHeads: 2, Bias: true})
	require.NoError(t, err)
	grouped.Init(r)
	grouped.Rotary, err = NewRotary(16, 10000, false)
	require.NoError(t, err)
	return packed, grouped
}

// allocShapes returns the sequence lengths of the allocation tests. 12
// rows: every head on the caller; 160: over the pool (with two threads);
// 600: tiled (more than directMaxKeys keys). -short leaves out 600, which
// is the same Go code on every architecture and takes four of the five
// minutes of attn's tests under qemu (CI's -short runs): the native runs
// check it.
func allocShapes() []int {
	shapes := []int{12, 160, directMaxKeys + 88}
	if testing.Short() {
		shapes = shapes[:2]
	}
	return shapes
}

// allocCalls returns the calls of the allocation tests on m at T rows,
// into a caller's dst: Forward (causal, and with KeepKeys too), Prefill
// (in two halves, into a float32 cache and into an int8 one), Cross (a
// model without Rotary) and SelfAttention.
func allocCalls(t *testing.T, r *rand.Rand, m *MultiHead, T int) []alloctest.Call {
	x := randMatrix(r, T, 64, 3, -1, 1)
	mem := randMatrix(r, T/2, 64, 0, -1, 1)
	y := kernel.NewMatrix(T, 64)
	keepKeys := make([]bool, T)
	for i := range keepKeys {
		keepKeys[i] = i%5 != 2
	}
	masked := Options{Causal: true, KeepKeys: keepKeys}
	cache, err := NewKVCache(m, 2*T)
	require.NoError(t, err)
	cache8, err := NewKVCacheInt8(m, 2*T)
	require.NoError(t, err)
	prefill := func(c *KVCache) func() error {
		return func() error {
			c.Reset()
			if err := m.Prefill(y.Slice(0, T/2, 0, 64), x.Slice(0, T/2, 0, 64), c, Options{Causal: true}); err != nil {
				return err
			}
			return m.Prefill(y.Slice(T/2, T, 0, 64), x.Slice(T/2, T, 0, 64), c, Options{Causal: true})
		}
	}
	name := fmt.Sprintf("T=%d grouped=%v", T, m.KVHeads != 0)
	calls := []alloctest.Call{
		{Name: "Forward " + name, Run: func() error { return m.Forward(y, x, Options{Causal: true}) }},
		{Name: "Forward masked " + name, Run: func() error { return m.Forward(y, x, masked) }},
		{Name: "Prefill " + name, Run: prefill(cache)},
		{Name: "Prefill int8 " + name, Run: prefill(cache8)},
	}
	if m.Rotary == nil {
		calls = append(calls, alloctest.Call{Name: "Cross " + name, Run: func() error { return m.Cross(y, x, mem, mem, Options{}) }})
	}
	q, k, v := x.Slice(0, T, 0, 16), x.Slice(0, T, 16, 32), x.Slice(0, T, 32, 48)
	return append(calls, alloctest.Call{Name: "SelfAttention " + name, Run: func() error { return SelfAttention(y.Slice(0, T, 0, 16), q, k, v, masked) }})
}

// TestForwardNoAllocs: with a caller's dst, steady-state Forward, Prefill,
// Cross and SelfAttention allocate nothing, on one thread and on two
// (heads spread over the worker pool), in the packed and the grouped
// layouts, with Rotary and with masks, on the direct and the tiled paths.
// Each call is repeated on its own here; TestForwardNoAllocsAlternating
// mixes them.
func TestForwardNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's runs look for races, not allocations (it slows these calls several times, and makes sync.Pool drop items at random)")
	}
	// A garbage collection lets the scratch pools drop buffers and the
	// runtime its parking records: the next calls allocate afresh, which
	// is not the steady state, so there is none while this test measures
	// (and alloctest.WarmRuntime has the runtime make up front what it
	// would allocate for itself meanwhile).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer kernel.SetThreads(kernel.Threads())
	alloctest.WarmRuntime()
	r := kerneltest.Rand(31)
	packed, grouped := allocModels(t, r)
	for _, threads := range []int{1, 2} {
		kernel.SetThreads(threads)
		for _, T := range allocShapes() {
			parallel := headThreads(4, T*T*16) > 1
			require.Equal(t, threads > 1 && T >= 160, parallel)
			for _, m := range []*MultiHead{packed, grouped} {
				for _, c := range allocCalls(t, r, m, T) {
					name := fmt.Sprintf("%s threads=%d", c.Name, threads)
					require.NoError(t, c.Run(), name)
					require.Zero(t, testing.AllocsPerRun(20, func() {
						if err := c.Run(); err != nil {
							panic(err)
						}
					}), name)
				}
			}
		}
	}
}

// TestForwardNoAllocsAlternating: once every call has run once, no call
// allocates, counted call by call rather than on average, while
// the calls alternate between shapes, layouts and entry points, on one
// thread and on two (where the helper goroutine takes some of the blocks,
// which ones varying from call to call). A pool that lends a buffer
// shorter than the call needs, one left by a call of another shape, or
// that keeps its buffers where another goroutine does not look, allocates
// now and then in this mix, which an average over repetitions of one
// call hides.
func TestForwardNoAllocsAlternating(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's runs look for races, not allocations (it slows these calls several times, and makes sync.Pool drop items at random)")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // see TestForwardNoAllocs
	defer kernel.SetThreads(kernel.Threads())
	alloctest.WarmRuntime()
	r := kerneltest.Rand(32)
	packed, grouped := allocModels(t, r)
	// The calls, shape by shape for each entry point and layout, so that
	// consecutive calls differ in shape.
	var calls []alloctest.Call
	byShape := map[int][]alloctest.Call{}
	shapes := allocShapes()
	for _, T := range shapes {
		byShape[T] = append(allocCalls(t, r, packed, T), allocCalls(t, r, grouped, T)...)
	}
	for i := range byShape[shapes[0]] {
		for _, T := range shapes {
			calls = append(calls, byShape[T][i])
		}
	}
	// A warm-up in which every call runs once at the thread count is all
	// the pools need; the measured rounds run the calls in that order,
	// then backwards, and so on.
	const measured = 4
	for _, threads := range []int{1, 2} {
		kernel.SetThreads(threads)
		allocated, err := alloctest.Alternating(calls, measured)
		require.NoError(t, err)
		require.Empty(t, allocated, "threads=%d: calls that allocated (of %d)\n%s", threads, measured*len(calls), strings.Join(allocated, "\n"))
	}
}
