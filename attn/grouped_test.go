package attn

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// newTestConfig returns a model shaped by c with random weights and, with
// c.Bias, random biases.
func newTestConfig(t testing.TB, seed uint64, c MultiHeadConfig) *MultiHead {
	m, err := NewMultiHeadConfig(c)
	require.NoError(t, err)
	r := kerneltest.Rand(seed)
	m.Init(r)
	if c.Bias {
		kerneltest.Fill(r, m.InBias, -0.5, 0.5)
		kerneltest.Fill(r, m.OutBias, -0.5, 0.5)
	}
	return m
}

func mustRotary(t testing.TB, dims int, base float64, interleaved bool) *Rotary {
	r, err := NewRotary(dims, base, interleaved)
	require.NoError(t, err)
	return r
}

func TestCrossVsRef(t *testing.T) {
	r := kerneltest.Rand(40)
	type cs struct {
		c      MultiHeadConfig
		tq, tk int
	}
	cases := []cs{
		{MultiHeadConfig{DModel: 8, Heads: 2, KDim: 5, VDim: 7, Bias: true}, 4, 6},
		{MultiHeadConfig{DModel: 12, Heads: 3, KVHeads: 1, Bias: false}, 5, 9}, // multi-query
		{MultiHeadConfig{DModel: 16, Heads: 4, KVHeads: 2, KDim: 9, Bias: true}, 7, 3},
		{MultiHeadConfig{DModel: 24, Heads: 3, Bias: true}, 1, 1}, // packed
		{MultiHeadConfig{DModel: 128, Heads: 2, VDim: 40, Bias: true}, 64, 70},
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		for ci, c := range cases {
			m := newTestConfig(t, uint64(ci), c.c)
			q := randMatrix(r, c.tq, c.c.DModel, 2, -2, 2)
			k := randMatrix(r, c.tk, m.kDim(), 1, -2, 2)
			v := randMatrix(r, c.tk, m.vDim(), 3, -2, 2)
			keepKeys := make([]bool, c.tk)
			for j := range keepKeys {
				keepKeys[j] = j%3 != 1
			}
			mask := randVec(r, c.tq*c.tk, -1, 1)
			keep := make([]bool, c.tq*c.tk)
			for i := range keep {
				keep[i] = r.IntN(4) != 0
			}
			for oi, opt := range []Options{{}, {KeepKeys: keepKeys}, {Causal: true, KeepKeys: keepKeys}, {Mask: mask, Temperature: 0.7}, {Keep: keep}} {
				dst := randMatrix(r, c.tq, c.c.DModel, 1, -9, 9)
				require.NoError(t, m.Cross(dst, q, k, v, opt))
				nearMatrix(t, fmt.Sprintf("case %d option %d", ci, oi), dst, refAttention(m, q, k, v, 0, opt), accTol(c.tk*c.c.DModel))
			}
		}
	})
}

// TestCrossIsForward: Cross with the input as query, key and value is
// self-attention.
func TestCrossIsForward(t *testing.T) {
	r := kerneltest.Rand(41)
	for _, c := range []MultiHeadConfig{{DModel: 16, Heads: 4, Bias: true}, {DModel: 16, Heads: 4, KVHeads: 2}} {
		m := newTestConfig(t, 3, c)
		x := randMatrix(r, 9, 16, 0, -1, 1)
		a, b := kernel.NewMatrix(9, 16), kernel.NewMatrix(9, 16)
		require.NoError(t, m.Forward(a, x, Options{Causal: true}))
		require.NoError(t, m.Cross(b, x, x, x, Options{Causal: true}))
		nearMatrix(t, "cross vs forward", b, func() [][]float64 {
			out := make([][]float64, 9)
			for i := range out {
				out[i] = f64(a.Row(i))
			}
			return out
		}(), 1e-6)
	}
}

// groupedCases are self-attention models: grouped-query, multi-query,
// with rotary embeddings of both conventions, partial and whole.
func groupedCases(t testing.TB) []*MultiHead {
	var ms []*MultiHead
	for i, c := range []struct {
		kvh  int
		rot  int // rotary dims, 0 for none
		base float64
		il   bool
	}{{2, 0, 0, false}, {1, 0, 0, false}, {4, 8, 0, false}, {2, 8, 0, true}, {1, 4, 500, false}, {2, 6, 100, true}} {
		m := newTestConfig(t, uint64(10+i), MultiHeadConfig{DModel: 32, Heads: 4, KVHeads: c.kvh, Bias: i%2 == 0})
		if c.rot > 0 {
			m.Rotary = mustRotary(t, c.rot, c.base, c.il)
		}
		ms = append(ms, m)
	}
	return ms
}

func modelName(m *MultiHead) string {
	s := fmt.Sprintf("kv=%d", m.NumKVHeads())
	if m.Rotary != nil {
		s += fmt.Sprintf(",rot=%d/%g/%v", m.Rotary.Dims(), m.Rotary.Base(), m.Rotary.Interleaved())
	}
	return s
}

func TestGroupedForwardVsRef(t *testing.T) {
	r := kerneltest.Rand(42)
	T := 13
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		for _, m := range groupedCases(t) {
			x := randMatrix(r, T, 32, 1, -2, 2)
			for _, opt := range []Options{{Causal: true}, {}} {
				dst := kernel.NewMatrix(T, 32)
				require.NoError(t, m.Forward(dst, x, opt))
				nearMatrix(t, modelName(m), dst, refAttention(m, x, x, x, 0, opt), accTol(32*T))
			}
		}
	})
}

// splitDecode makes Decode split its work over 3 threads in key chunks of
// at least chunk keys, or stay serial on one; the caller restores
// decodeMinWork, decodeMinChunk and the threads.
func splitDecode(split bool, chunk int) {
	if split {
		decodeMinWork, decodeMinChunk = 0, chunk
		kernel.SetThreads(3)
	} else {
		kernel.SetThreads(1)
	}
}

// TestGroupedDecodeMatchesPrefill decodes token by token after a prompt
// and compares every row with the reference and with one Forward, serial
// and with the split (flash-decoding) path, and checks the cache.
func TestGroupedDecodeMatchesPrefill(t *testing.T) {
	defer func(w, c, th int) { decodeMinWork, decodeMinChunk = w, c; kernel.SetThreads(th) }(decodeMinWork, decodeMinChunk, kernel.Threads())
	r := kerneltest.Rand(43)
	T := 30
	for _, m := range groupedCases(t) {
		x := randMatrix(r, T, 32, 0, -2, 2)
		want := refAttention(m, x, x, x, 0, Options{Causal: true})
		fwd := kernel.NewMatrix(T, 32)
		require.NoError(t, m.Forward(fwd, x, Options{Causal: true}))
		for _, split := range []bool{false, true} {
			splitDecode(split, 4)
			cache, err := NewKVCache(m, T)
			require.NoError(t, err)
			require.Equal(t, m.NumKVHeads(), cache.Heads())
			got := kernel.NewMatrix(T, 32)
			p := 7
			require.NoError(t, m.Prefill(got.Slice(0, p, 0, 32), x.Slice(0, p, 0, 32), cache, Options{Causal: true}))
			for i := p; i < T; i++ {
				require.NoError(t, m.Decode(got.Row(i), x.Row(i), cache, Options{}))
			}
			name := fmt.Sprintf("%s split=%v", modelName(m), split)
			nearMatrix(t, name, got, want, accTol(32*T))
			for i := range T {
				near(t, name+" vs forward", got.Row(i), f64(fwd.Row(i)), 1e-5)
			}
			// The cache holds KVHeads heads of keys, rotated to their
			// positions: key head g of token 5.
			dh := m.DHead()
			k := make([]float64, m.kvWidth())
			for c := range k {
				var s float64
				for j := 0; j < 32; j++ {
					s += float64(m.Wk().At(c, j)) * float64(x.At(5, j))
				}
				if m.InBias != nil {
					s += float64(m.InBias[32+c])
				}
				k[c] = s
			}
			g := m.NumKVHeads() - 1
			if m.Rotary != nil {
				refRotate(m.Rotary, k[g*dh:(g+1)*dh], 5)
			}
			near(t, name+" cached key", cache.Keys(g).Row(5), k[g*dh:(g+1)*dh], 1e-5)

			// A key padding mask over the cache.
			keepKeys := make([]bool, T)
			for j := range keepKeys {
				keepKeys[j] = j%4 != 2
			}
			cache.Truncate(T - 1)
			row := make([]float32, 32)
			require.NoError(t, m.Decode(row, x.Row(T-1), cache, Options{KeepKeys: keepKeys}))
			keep := make([]bool, T*T)
			for i := range T {
				for j := range T {
					keep[i*T+j] = keepKeys[j]
				}
			}
			ref := refAttention(m, x, x, x, 0, Options{Causal: true, Keep: keep})
			near(t, name+" key padding", row, ref[T-1], accTol(32*T))

			if !raceEnabled {
				allocs := testing.AllocsPerRun(50, func() {
					cache.Truncate(T - 1)
					if err := m.Decode(row, x.Row(T-1), cache, Options{}); err != nil {
						panic(err)
					}
				})
				require.Zero(t, allocs, name)
			}
		}
	}
}

func TestGroupedErrors(t *testing.T) {
	_, err := NewMultiHeadConfig(MultiHeadConfig{DModel: 12, Heads: 4, KVHeads: 3})
	require.ErrorIs(t, err, ErrShape)
	_, err = NewMultiHeadConfig(MultiHeadConfig{DModel: 12, Heads: 4, KDim: -1})
	require.ErrorIs(t, err, ErrShape)
	_, err = NewMultiHeadConfig(MultiHeadConfig{DModel: 12, Heads: 4, KDim: MaxDModel + 1})
	require.ErrorIs(t, err, ErrShape)
	m := newTestConfig(t, 1, MultiHeadConfig{DModel: 8, Heads: 2, KDim: 5, VDim: 7})
	x := kernel.NewMatrix(3, 8)
	// Self-attention needs kdim = vdim = d_model.
	require.ErrorIs(t, m.Forward(kernel.NewMatrix(3, 8), x, Options{}), ErrShape)
	mc, err := NewKVCache(m, 4) // a memory cache for DecodeCross
	require.NoError(t, err)
	require.ErrorIs(t, m.Decode(make([]float32, 8), make([]float32, 8), mc, Options{}), ErrShape)
	require.ErrorIs(t, m.Prefill(kernel.NewMatrix(3, 8), x, mc, Options{}), ErrShape)
	// Cross's shapes.
	require.ErrorIs(t, m.Cross(kernel.NewMatrix(3, 8), x, kernel.NewMatrix(4, 8), kernel.NewMatrix(4, 7), Options{}), ErrShape)
	require.ErrorIs(t, m.Cross(kernel.NewMatrix(3, 8), x, kernel.NewMatrix(4, 5), kernel.NewMatrix(3, 7), Options{}), ErrShape)
	require.ErrorIs(t, m.Cross(kernel.NewMatrix(2, 8), x, kernel.NewMatrix(4, 5), kernel.NewMatrix(4, 7), Options{}), ErrShape)
	require.ErrorIs(t, m.Cross(kernel.NewMatrix(3, 8), x, kernel.NewMatrix(4, 5), kernel.NewMatrix(4, 7), Options{KeepKeys: make([]bool, 3)}), ErrShape)
	require.NoError(t, m.Cross(kernel.NewMatrix(3, 8), x, kernel.NewMatrix(4, 5), kernel.NewMatrix(4, 7), Options{KeepKeys: make([]bool, 4)}))
	// Both layouts at once, or a packed InProj for grouped heads.
	bad := *newTestMHA(t, 2, 8, 2, false)
	bad.QProj = kernel.NewMatrix(8, 8)
	require.ErrorIs(t, bad.Forward(kernel.NewMatrix(3, 8), x, Options{}), ErrShape)
	bad = *newTestMHA(t, 2, 8, 2, false)
	bad.KVHeads = 1
	require.ErrorIs(t, bad.Forward(kernel.NewMatrix(3, 8), x, Options{}), ErrShape)
	// A cache of another grouping.
	g1 := newTestConfig(t, 3, MultiHeadConfig{DModel: 8, Heads: 2, KVHeads: 1})
	c1, err := NewKVCache(g1, 4)
	require.NoError(t, err)
	require.ErrorIs(t, newTestMHA(t, 2, 8, 2, false).Decode(make([]float32, 8), make([]float32, 8), c1, Options{}), ErrShape)
	// Rotary: wider than a head, not from NewRotary, or in Cross.
	_, err = NewRotary(5, 0, false)
	require.ErrorIs(t, err, ErrShape)
	_, err = NewRotary(4, 1, false)
	require.ErrorIs(t, err, ErrOptions)
	_, err = NewRotary(4, math.NaN(), false)
	require.ErrorIs(t, err, ErrOptions)
	g1.Rotary = mustRotary(t, 6, 0, false)
	require.ErrorIs(t, g1.Forward(kernel.NewMatrix(3, 8), x, Options{}), ErrShape)
	g1.Rotary = &Rotary{}
	require.ErrorIs(t, g1.Forward(kernel.NewMatrix(3, 8), x, Options{}), ErrShape)
	g1.Rotary = mustRotary(t, 4, 0, false)
	require.NoError(t, g1.Forward(kernel.NewMatrix(3, 8), x, Options{}))
	require.ErrorIs(t, g1.Cross(kernel.NewMatrix(3, 8), x, x, x, Options{}), ErrOptions)
	require.ErrorIs(t, g1.CrossBackward(g1.NewGrads(), kernel.Matrix{}, kernel.Matrix{}, kernel.Matrix{}, x, x, x, x, Options{}), ErrOptions)
	// Gradients of another layout.
	require.ErrorIs(t, g1.Backward(newTestMHA(t, 2, 8, 2, false).NewGrads(), kernel.Matrix{}, x, x, Options{}), ErrShape)
	require.ErrorIs(t, m.CrossBackward(m.NewGrads(), kernel.NewMatrix(3, 7), kernel.Matrix{}, kernel.Matrix{}, x, x,
		kernel.NewMatrix(4, 5), kernel.NewMatrix(4, 7), Options{}), ErrShape)
}

// TestDecodeCross: a decoder's cross-attention step by step against a
// memory projected once (SetMemory) gives Cross's rows, serial and split,
// with key padding, allocating nothing per step.
func TestDecodeCross(t *testing.T) {
	defer func(w, c, th int) { decodeMinWork, decodeMinChunk = w, c; kernel.SetThreads(th) }(decodeMinWork, decodeMinChunk, kernel.Threads())
	r := kerneltest.Rand(44)
	tq, tk := 6, 11
	for i, c := range []MultiHeadConfig{
		{DModel: 16, Heads: 4, KDim: 10, VDim: 7, Bias: true},
		{DModel: 16, Heads: 4, KVHeads: 1, Bias: true},
		{DModel: 16, Heads: 2},
	} {
		m := newTestConfig(t, uint64(50+i), c)
		x := randMatrix(r, tq, 16, 1, -2, 2)
		k, v := randMatrix(r, tk, m.kDim(), 0, -2, 2), randMatrix(r, tk, m.vDim(), 2, -2, 2)
		keepKeys := make([]bool, tk)
		for j := range keepKeys {
			keepKeys[j] = j%5 != 3
		}
		for _, opt := range []Options{{}, {KeepKeys: keepKeys, Temperature: 0.8}} {
			want := kernel.NewMatrix(tq, 16)
			require.NoError(t, m.Cross(want, x, k, v, opt))
			for _, split := range []bool{false, true} {
				splitDecode(split, 3)
				cache, err := NewKVCache(m, tk+2)
				require.NoError(t, err)
				require.NoError(t, m.SetMemory(cache, k, v))
				require.Equal(t, tk, cache.Len())
				row := make([]float32, 16)
				name := fmt.Sprintf("case %d split=%v keys=%v", i, split, opt.KeepKeys != nil)
				for i := range tq {
					require.NoError(t, m.DecodeCross(row, x.Row(i), cache, opt))
					near(t, name, row, f64(want.Row(i)), 1e-5)
				}
				require.Equal(t, tk, cache.Len())
				if !raceEnabled {
					require.Zero(t, testing.AllocsPerRun(20, func() {
						if err := m.DecodeCross(row, x.Row(0), cache, opt); err != nil {
							panic(err)
						}
					}), name)
				}
			}
		}
		// Errors: a memory longer than the cache, wrong shapes, Rotary.
		cache, err := NewKVCache(m, tk-1)
		require.NoError(t, err)
		require.ErrorIs(t, m.SetMemory(cache, k, v), ErrCacheFull)
		require.ErrorIs(t, m.SetMemory(cache, kernel.NewMatrix(2, m.kDim()+1), kernel.NewMatrix(2, m.vDim())), ErrShape)
		require.ErrorIs(t, m.SetMemory(cache, kernel.NewMatrix(2, m.kDim()), kernel.NewMatrix(3, m.vDim())), ErrShape)
		require.ErrorIs(t, m.SetMemory(nil, k, v), ErrShape)
		require.ErrorIs(t, m.DecodeCross(make([]float32, 15), x.Row(0), cache, Options{}), ErrShape)
		require.ErrorIs(t, m.DecodeCross(make([]float32, 16), x.Row(0), cache, Options{KeepKeys: keepKeys}), ErrShape)
	}
	m := newTestConfig(t, 59, MultiHeadConfig{DModel: 8, Heads: 2})
	m.Rotary = mustRotary(t, 4, 0, false)
	cache, err := NewKVCache(m, 4)
	require.NoError(t, err)
	require.ErrorIs(t, m.DecodeCross(make([]float32, 8), make([]float32, 8), cache, Options{}), ErrOptions)
	require.ErrorIs(t, m.SetMemory(cache, kernel.NewMatrix(2, 8), kernel.NewMatrix(2, 8)), ErrOptions)
}
