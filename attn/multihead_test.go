package attn

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// refMHA is multi-head self-attention in float64, straight from the
// definition (causal or not, masks shared by heads): refAttention with
// the sequence as queries, keys and values.
func refMHA(m *MultiHead, x kernel.Matrix, opt Options) [][]float64 {
	return refAttention(m, x, x, x, 0, opt)
}

func newTestMHA(t testing.TB, seed uint64, e, h int, bias bool) *MultiHead {
	m, err := NewMultiHead(e, h, bias)
	require.NoError(t, err)
	r := kerneltest.Rand(seed)
	m.Init(r)
	if bias {
		kerneltest.Fill(r, m.InBias, -0.5, 0.5)
		kerneltest.Fill(r, m.OutBias, -0.5, 0.5)
	}
	return m
}

func TestMultiHeadForwardVsRef(t *testing.T) {
	r := kerneltest.Rand(20)
	type cs struct{ e, h, t int }
	// The last case spreads the heads over goroutines (forHeads).
	cases := []cs{{4, 1, 1}, {8, 2, 5}, {12, 3, 17}, {32, 4, 40}, {64, 8, 200}}
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		for _, c := range cases {
			for _, bias := range []bool{false, true} {
				m := newTestMHA(t, uint64(c.e*100+c.t), c.e, c.h, bias)
				x := randMatrix(r, c.t, c.e, 3, -2, 2)
				keep := make([]bool, c.t*c.t)
				for i := range keep {
					keep[i] = r.IntN(3) != 0
				}
				for oi, opt := range []Options{{Causal: true}, {}, {Causal: true, Temperature: 0.5}, {Keep: keep}} {
					if testing.Short() && c.t > 100 && (oi > 1 || !bias) {
						continue // the float64 reference is slow under qemu
					}
					dst := randMatrix(r, c.t, c.e, 1, -9, 9)
					require.NoError(t, m.Forward(dst, x, opt))
					nearMatrix(t, "forward", dst, refMHA(m, x, opt), accTol(c.e*c.t))
				}
			}
		}
	})
}

func TestDecodeMatchesForward(t *testing.T) {
	r := kerneltest.Rand(21)
	e, h, T := 32, 4, 70
	if !testing.Short() {
		T = 300
	}
	m := newTestMHA(t, 5, e, h, true)
	x := randMatrix(r, T, e, 0, -2, 2)
	want := kernel.NewMatrix(T, e)
	require.NoError(t, m.Forward(want, x, Options{Causal: true}))

	cache, err := NewKVCache(m, T)
	require.NoError(t, err)
	require.Equal(t, T, cache.Cap())
	for reuse := 0; reuse < 2; reuse++ {
		cache.Reset()
		require.Equal(t, 0, cache.Len())
		// Prefill a prompt, then decode the rest token by token.
		p := 1 + T/3
		got := kernel.NewMatrix(T, e)
		require.NoError(t, m.Prefill(got.Slice(0, p, 0, e), x.Slice(0, p, 0, e), cache, Options{Causal: true}))
		require.Equal(t, p, cache.Len())
		for i := p; i < T; i++ {
			require.NoError(t, m.Decode(got.Row(i), x.Row(i), cache, Options{}))
			require.Equal(t, i+1, cache.Len())
		}
		for i := 0; i < T; i++ {
			near(t, "decode row "+itoa(i), got.Row(i), f64(want.Row(i)), 1e-4)
		}
		err = m.Decode(got.Row(0), x.Row(0), cache, Options{})
		require.ErrorIs(t, err, ErrCacheFull)
	}
	// The cached keys are the projected keys.
	k0 := cache.Keys(1).Row(3)
	wantK := make([]float32, e)
	kernel.Gemv(wantK, m.Wk(), x.Row(3))
	kernel.Add(wantK, wantK, m.InBias[e:2*e])
	near(t, "cached key", k0, f64(wantK[8:16]), 1e-6)
}

func f64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func TestDecodeNoAllocs(t *testing.T) {
	m := newTestMHA(t, 6, 64, 8, true)
	cache, err := NewKVCache(m, 512)
	require.NoError(t, err)
	r := kerneltest.Rand(22)
	x := randVec(r, 64, -1, 1)
	dst := make([]float32, 64)
	for range 10 {
		require.NoError(t, m.Decode(dst, x, cache, Options{}))
	}
	allocs := testing.AllocsPerRun(100, func() {
		if cache.Len() == cache.Cap() {
			cache.Reset()
		}
		if err := m.Decode(dst, x, cache, Options{}); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
}

// TestConcurrentDecode shares one model between goroutines, each with its
// own cache, serially and with the split (flash-decoding) path sharing
// the helper pool; run with -race.
func TestConcurrentDecode(t *testing.T) {
	for _, split := range []bool{false, true} {
		t.Run(fmt.Sprintf("split=%v", split), func(t *testing.T) {
			if split {
				defer func(w, c, th int) { decodeMinWork, decodeMinChunk = w, c; kernel.SetThreads(th) }(decodeMinWork, decodeMinChunk, kernel.Threads())
				decodeMinWork, decodeMinChunk = 0, 4
				kernel.SetThreads(3)
			}
			concurrentDecode(t)
		})
	}
}

func concurrentDecode(t *testing.T) {
	m := newTestMHA(t, 7, 16, 2, true)
	r := kerneltest.Rand(23)
	T := 20
	x := randMatrix(r, T, 16, 0, -1, 1)
	want := kernel.NewMatrix(T, 16)
	require.NoError(t, m.Forward(want, x, Options{Causal: true}))
	var wg sync.WaitGroup
	errs := make([]error, 4)
	outs := make([]kernel.Matrix, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cache, err := NewKVCache(m, T)
			if err != nil {
				errs[g] = err
				return
			}
			outs[g] = kernel.NewMatrix(T, 16)
			for i := 0; i < T && errs[g] == nil; i++ {
				errs[g] = m.Decode(outs[g].Row(i), x.Row(i), cache, Options{})
			}
			if errs[g] == nil {
				// Forward on the shared model concurrently too.
				errs[g] = m.Forward(kernel.NewMatrix(T, 16), x, Options{Causal: true})
			}
		}()
	}
	wg.Wait()
	for g := range 4 {
		require.NoError(t, errs[g])
		for i := 0; i < T; i++ {
			near(t, "goroutine output", outs[g].Row(i), f64(want.Row(i)), 1e-4)
		}
	}
}

func TestMultiHeadErrors(t *testing.T) {
	_, err := NewMultiHead(10, 3, false)
	require.ErrorIs(t, err, ErrShape)
	m := newTestMHA(t, 8, 8, 2, false)
	require.ErrorIs(t, m.Forward(kernel.NewMatrix(3, 8), kernel.NewMatrix(3, 7), Options{}), ErrShape)
	require.ErrorIs(t, m.Forward(kernel.NewMatrix(2, 8), kernel.NewMatrix(3, 8), Options{}), ErrShape)
	other := newTestMHA(t, 9, 8, 4, false)
	cache, err := NewKVCache(other, 4)
	require.NoError(t, err)
	require.ErrorIs(t, m.Decode(make([]float32, 8), make([]float32, 8), cache, Options{}), ErrShape)
	cache, err = NewKVCache(m, 2)
	require.NoError(t, err)
	require.ErrorIs(t, m.Prefill(kernel.NewMatrix(3, 8), kernel.NewMatrix(3, 8), cache, Options{Causal: true}), ErrCacheFull)
	require.ErrorIs(t, m.Decode(make([]float32, 7), make([]float32, 8), cache, Options{}), ErrShape)
	bad := *m
	bad.InBias = make([]float32, 5)
	require.ErrorIs(t, bad.Forward(kernel.NewMatrix(3, 8), kernel.NewMatrix(3, 8), Options{}), ErrShape)
}

// TestDecodeSplit forces the flash-decoding path (heads and key chunks
// spread over goroutines) and compares it with Forward, with masks, and
// checks that it allocates nothing.
func TestDecodeSplit(t *testing.T) {
	defer func(w, c, th int) { decodeMinWork, decodeMinChunk = w, c; kernel.SetThreads(th) }(decodeMinWork, decodeMinChunk, kernel.Threads())
	decodeMinWork, decodeMinChunk = 0, 3
	r := kerneltest.Rand(24)
	T := 40
	for _, heads := range []int{1, 2, 4} {
		m := newTestMHA(t, uint64(heads), 16, heads, true)
		x := randMatrix(r, T, 16, 0, -2, 2)
		want := kernel.NewMatrix(T, 16)
		require.NoError(t, m.Forward(want, x, Options{Causal: true}))
		for _, threads := range []int{2, 3, 8} {
			kernel.SetThreads(threads)
			require.Greater(t, decodeSplit(threads, heads, T, m.DHead()), 0)
			cache, err := NewKVCache(m, T)
			require.NoError(t, err)
			got := kernel.NewMatrix(T, 16)
			for i := 0; i < T; i++ {
				require.NoError(t, m.Decode(got.Row(i), x.Row(i), cache, Options{}))
			}
			for i := 0; i < T; i++ {
				near(t, "split decode row "+itoa(i), got.Row(i), f64(want.Row(i)), 1e-4)
			}
			// A Keep mask over the cache: compare with the serial path.
			keep := make([]bool, T)
			for j := range keep {
				keep[j] = j%3 != 1
			}
			cache.Truncate(T - 1)
			par := make([]float32, 16)
			require.NoError(t, m.Decode(par, x.Row(T-1), cache, Options{Keep: keep, KeyLimit: T - 5}))
			kernel.SetThreads(1)
			cache.Truncate(T - 1)
			ser := make([]float32, 16)
			require.NoError(t, m.Decode(ser, x.Row(T-1), cache, Options{Keep: keep, KeyLimit: T - 5}))
			near(t, "split vs serial with masks", par, f64(ser), 1e-5)
			kernel.SetThreads(threads)
			if !raceEnabled {
				allocs := testing.AllocsPerRun(50, func() {
					cache.Truncate(T - 1)
					if err := m.Decode(par, x.Row(T-1), cache, Options{}); err != nil {
						panic(err)
					}
				})
				require.Zero(t, allocs, "heads=%d threads=%d", heads, threads)
			}
		}
	}
}
