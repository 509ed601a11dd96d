package attn

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// The NaN and Inf rule of the package documentation, on every path: the
// direct and tiled SelfAttention, MultiHead.Forward on one goroutine or
// several, and Decode serial or split over threads.

// class is how a float32 is non-finite: 0 finite, 1 NaN, 2 +Inf, 3 −Inf.
func class(x float32) int {
	switch {
	case x != x:
		return 1
	case math.IsInf(float64(x), 1):
		return 2
	case math.IsInf(float64(x), -1):
		return 3
	}
	return 0
}

// sameNonFinite fails unless got and want are NaN, +Inf and −Inf at the
// same places and near each other elsewhere.
func sameNonFinite(t *testing.T, what string, got, want []float32) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	for i := range want {
		if class(got[i]) != class(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
		if class(want[i]) == 0 && math.Abs(float64(got[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// poison is one non-finite input: the element col of row row of the
// query ('q'), key ('k') or value ('v') matrix set to val.
type poison struct {
	name     string
	which    byte
	row, col int
	val      float32
}

func poisons(t int) []poison {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	return []poison{
		{"key NaN", 'k', t / 3, 2, nan},
		{"key +Inf", 'k', t / 2, 5, inf},
		{"key −Inf", 'k', t - 2, 0, -inf},
		{"value NaN", 'v', t / 3, 1, nan},
		{"value +Inf", 'v', t / 2, 3, inf},
		{"query NaN", 'q', t - 3, 4, nan},
	}
}

// TestSelfAttentionNonFinite compares SelfAttention, direct (up to
// directMaxKeys keys) and tiled (beyond), with Soft row by row.
func TestSelfAttentionNonFinite(t *testing.T) {
	r := kerneltest.Rand(90)
	const d = 16
	for _, T := range []int{100, directMaxKeys + 88} {
		for _, p := range poisons(T) {
			// keep removes the poisoned key (its score; its value is
			// still multiplied by weight 0).
			keep := make([]bool, T*T)
			for i := range keep {
				keep[i] = i%T != p.row
			}
			for oi, o := range []Options{{}, {Causal: true}, {Keep: keep}, {Keep: keep, Causal: true}} {
				pad := oi / 2 * 3 // rows contiguous or not (the padding is NaN), causal or not
				q := randMatrix(r, T, d, pad, -1, 1)
				k := randMatrix(r, T, d, pad, -1, 1)
				v := randMatrix(r, T, d, pad, -1, 1)
				map[byte]kernel.Matrix{'q': q, 'k': k, 'v': v}[p.which].Row(p.row)[p.col] = p.val
				got := kernel.NewMatrix(T, d)
				require.NoError(t, SelfAttention(got, q, k, v, o))
				want := make([]float32, d)
				for i := 0; i < T; i++ {
					n := T
					if o.Causal {
						n = i + 1
					}
					var so Options
					if o.Keep != nil {
						so.Keep = keep[i*T : i*T+n]
					}
					require.NoError(t, Soft(want, nil, q.Row(i), k.Slice(0, n, 0, d), v.Slice(0, n, 0, d), so))
					what := p.name + " T=" + itoa(T) + " row " + itoa(i)
					if o.Causal {
						what += " causal"
					}
					if o.Keep != nil {
						what += " keep"
					}
					sameNonFinite(t, what, got.Row(i), want)
				}
			}
		}
	}
}

// TestMultiHeadNonFinite runs a token with a NaN through Forward and
// Prefill (direct and tiled, one goroutine and several) and compares with
// Decode token by token on one thread.
func TestMultiHeadNonFinite(t *testing.T) {
	defer func(th int) { kernel.SetThreads(th) }(kernel.Threads())
	r := kerneltest.Rand(91)
	const e, heads = 16, 2
	m := newTestMHA(t, 92, e, heads, true)
	for _, T := range []int{40, directMaxKeys + 40} {
		x := randMatrix(r, T, e, 0, -1, 1)
		x.Row(T / 2)[3] = float32(math.NaN())
		kernel.SetThreads(1)
		cache, err := NewKVCache(m, T)
		require.NoError(t, err)
		want := kernel.NewMatrix(T, e)
		for i := 0; i < T; i++ {
			require.NoError(t, m.Decode(want.Row(i), x.Row(i), cache, Options{}))
		}
		for _, threads := range []int{1, 2} {
			kernel.SetThreads(threads)
			got := kernel.NewMatrix(T, e)
			require.NoError(t, m.Forward(got, x, Options{Causal: true}))
			for i := 0; i < T; i++ {
				sameNonFinite(t, "causal Forward T="+itoa(T)+" threads="+itoa(threads)+" row "+itoa(i), got.Row(i), want.Row(i))
			}
			pc, err := NewKVCache(m, T)
			require.NoError(t, err)
			require.NoError(t, m.Prefill(got, x, pc, Options{Causal: true}))
			for i := 0; i < T; i++ {
				sameNonFinite(t, "causal Prefill T="+itoa(T)+" threads="+itoa(threads)+" row "+itoa(i), got.Row(i), want.Row(i))
			}
			// Without the causal mask every token sees the NaN.
			require.NoError(t, m.Forward(got, x, Options{}))
			for i := 0; i < T; i++ {
				for j, g := range got.Row(i) {
					require.True(t, g != g, "Forward T=%d threads=%d [%d][%d] = %v, want NaN", T, threads, i, j, g)
				}
			}
		}
	}
}

// TestDecodeNonFinite puts a non-finite number in the cache and compares
// Decode split over threads (one chunk per head, and several) with
// Decode on one thread.
func TestDecodeNonFinite(t *testing.T) {
	defer func(w, c, th int) { decodeMinWork, decodeMinChunk = w, c; kernel.SetThreads(th) }(decodeMinWork, decodeMinChunk, kernel.Threads())
	decodeMinWork, decodeMinChunk = 0, 4
	r := kerneltest.Rand(93)
	const e, T = 16, 40
	for _, heads := range []int{1, 4} {
		m := newTestMHA(t, 94, e, heads, true)
		x := randMatrix(r, T, e, 0, -1, 1)
		for _, p := range poisons(T - 1) {
			if p.which == 'q' {
				continue // the query is computed from the new token
			}
			cache, err := NewKVCache(m, T)
			require.NoError(t, err)
			require.NoError(t, m.Prefill(kernel.NewMatrix(T-1, e), x.Slice(0, T-1, 0, e), cache, Options{Causal: true}))
			for h := 0; h < heads; h++ {
				row := cache.keyRow(h, p.row)
				if p.which == 'v' {
					row = cache.valueRow(h, p.row)
				}
				row[p.col%m.DHead()] = p.val
			}
			out := map[int][]float32{}
			for _, threads := range []int{1, 2, 3} {
				kernel.SetThreads(threads)
				if threads > 1 {
					require.Greater(t, decodeSplit(threads, heads, T, m.DHead()), 0)
				}
				cache.Truncate(T - 1)
				out[threads] = make([]float32, e)
				require.NoError(t, m.Decode(out[threads], x.Row(T-1), cache, Options{}))
			}
			for _, threads := range []int{2, 3} {
				sameNonFinite(t, p.name+" heads="+itoa(heads)+" threads="+itoa(threads), out[threads], out[1])
			}
		}
	}
}

// TestOptionsNonFinite: a NaN or infinite Scale, and a NaN Temperature,
// are errors.
func TestOptionsNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	q := []float32{1, 2}
	k := kernel.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: []float32{1, 1}}
	dst := make([]float32, 2)
	for _, o := range []Options{{Scale: nan}, {Scale: inf}, {Scale: -inf}, {Temperature: nan}, {Temperature: -1}} {
		require.ErrorIs(t, Soft(dst, nil, q, k, k, o), ErrOptions, "%+v", o)
		_, err := Hard(dst, q, k, k, o)
		require.ErrorIs(t, err, ErrOptions, "%+v", o)
		m1 := kernel.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: dst}
		require.ErrorIs(t, SelfAttention(m1, kernel.Matrix{Rows: 1, Cols: 2, Stride: 2, Data: q}, k, k, o), ErrOptions, "%+v", o)
	}
}
