package attn

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// The worked example of the issue: four keys, one query.
var (
	exKeys   = kernel.MatrixFrom(4, 3, []float32{1, 2, 3, 2, 2, 1, 0, 1, -1, 0, 2, -1})
	exQuery  = []float32{3, -1, -1}
	exScores = []float32{-2, 3, 0, -1}
)

func TestWorkedExample(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		s := make([]float32, 4)
		Scores(s, exQuery, exKeys, 1)
		require.Equal(t, exScores, s, "scores")

		// Values: the identity rows, so the output is the weights.
		values := kernel.MatrixFrom(4, 4, []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})
		dst := make([]float32, 4)
		idx, err := Hard(dst, exQuery, exKeys, values, Options{Unscaled: true})
		require.NoError(t, err)
		require.Equal(t, 1, idx, "hard attention picks the second key")
		require.Equal(t, []float32{0, 1, 0, 0}, dst)

		// Scaling and temperature do not change the hard choice.
		idx, err = Hard(dst, exQuery, exKeys, values, Options{Temperature: 7})
		require.NoError(t, err)
		require.Equal(t, 1, idx)

		w := make([]float32, 4)
		require.NoError(t, Soft(dst, w, exQuery, exKeys, values, Options{Unscaled: true}))
		var z float64
		for _, v := range exScores {
			z += math.Exp(float64(v))
		}
		want := make([]float64, 4)
		for i, v := range exScores {
			want[i] = math.Exp(float64(v)) / z
		}
		near(t, "weights", w, want, 1e-6)
		near(t, "dst", dst, want, 1e-6)
		require.InDelta(t, 0.9304, w[1], 1e-4)
	})
}

func TestSoftHardVsRef(t *testing.T) {
	r := kerneltest.Rand(1)
	ns := []int{0, 1, 2, 3, 7, 16, 33, 100, 257, 1024}
	ds := []int{1, 3, 8, 17, 64, 65}
	if testing.Short() {
		ns = []int{0, 1, 3, 33, 257}
		ds = []int{1, 17, 64}
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		for _, n := range ns {
			for _, d := range ds {
				dv := d + 3
				keys := randMatrix(r, n, d, 3, -1, 1)
				values := randMatrix(r, n, dv, 1, -2, 2)
				q := randVec(r, d, -2, 2)
				q1 := kernel.MatrixFrom(1, d, q)
				limit := 0
				if n > 2 {
					limit = n - n/3
				}
				mask := randVec(r, n, -1, 1)
				keep := make([]bool, n)
				for j := range keep {
					keep[j] = r.IntN(4) != 0
					if r.IntN(10) == 0 {
						mask[j] = negInf
					}
				}
				for _, opt := range []Options{
					{}, {Unscaled: true}, {Scale: 0.3}, {Temperature: 0.25}, {Temperature: 3, Scale: 2},
					{KeyLimit: limit}, {Causal: true}, {Mask: mask}, {Keep: keep},
					{Mask: mask, Keep: keep, KeyLimit: limit, Temperature: 0.5},
				} {
					w := make([]float32, n)
					dst := make([]float32, dv)
					require.NoError(t, Soft(dst, w, q, keys, values, opt))
					ww := refWeights(q1, keys, opt)
					near(t, "weights", w, ww[0], accTol(d))
					near(t, "soft", dst, refAttend(ww, values)[0], accTol(n*d))

					// nil weights take a pooled buffer and give the same result.
					dst2 := make([]float32, dv)
					require.NoError(t, Soft(dst2, nil, q, keys, values, opt))
					require.Equal(t, dst, dst2)

					idx, err := Hard(dst, q, keys, values, opt)
					require.NoError(t, err)
					want := refArgmax(ww[0])
					if want < 0 {
						require.Equal(t, -1, idx)
						require.Equal(t, make([]float32, dv), dst)
						continue
					}
					// Near-ties may go either way in float32: accept any key
					// whose reference weight is within rounding of the best.
					require.GreaterOrEqual(t, idx, 0)
					require.InDelta(t, ww[0][want], ww[0][idx], 1e-5*(1+ww[0][want]), "n=%d d=%d opt=%+v", n, d, opt)
					require.Equal(t, values.Row(idx), dst)
				}
			}
		}
	})
}

func refArgmax(w []float64) int {
	best := -1
	for j, v := range w {
		if v > 0 && (best < 0 || v > w[best]) {
			best = j
		}
	}
	return best
}

func TestFullyMasked(t *testing.T) {
	r := kerneltest.Rand(2)
	n, d := 40, 16
	keys := randMatrix(r, n, d, 0, -1, 1)
	values := randMatrix(r, n, d, 0, -1, 1)
	q := randVec(r, d, -1, 1)
	allInf := make([]float32, n)
	for i := range allInf {
		allInf[i] = negInf
	}
	for _, opt := range []Options{{Mask: allInf}, {Keep: make([]bool, n)}} {
		w := make([]float32, n)
		dst := randVec(r, d, -1, 1)
		require.NoError(t, Soft(dst, w, q, keys, values, opt))
		require.Equal(t, make([]float32, n), w)
		require.Equal(t, make([]float32, d), dst)
		idx, err := Hard(dst, q, keys, values, opt)
		require.NoError(t, err)
		require.Equal(t, -1, idx)
		require.Equal(t, make([]float32, d), dst)
	}
	// No keys at all.
	empty := kernel.NewMatrix(0, d)
	dst := randVec(r, d, -1, 1)
	require.NoError(t, Soft(dst, nil, q, empty, empty, Options{}))
	require.Equal(t, make([]float32, d), dst)
}

func TestLargeScoresStable(t *testing.T) {
	// Scores of magnitude ~1e4: a naive exp overflows; the softmax must not.
	r := kerneltest.Rand(3)
	n, d := 4096, 32
	keys := randMatrix(r, n, d, 0, -100, 100)
	values := randMatrix(r, n, d, 0, -1, 1)
	q := randVec(r, d, -100, 100)
	w := make([]float32, n)
	dst := make([]float32, d)
	require.NoError(t, Soft(dst, w, q, keys, values, Options{Unscaled: true}))
	ww := refWeights(kernel.MatrixFrom(1, d, q), keys, Options{Unscaled: true})
	for j := range w {
		// The scores carry float32 rounding of ~1e4·2^-24·d, so compare weights absolutely.
		require.False(t, math.IsNaN(float64(w[j])))
		require.InDelta(t, ww[0][j], float64(w[j]), 0.02)
	}
}

func TestShapeErrors(t *testing.T) {
	keys := kernel.NewMatrix(4, 3)
	values := kernel.NewMatrix(4, 2)
	for name, err := range map[string]error{
		"q":       Soft(make([]float32, 2), nil, make([]float32, 4), keys, values, Options{}),
		"dst":     Soft(make([]float32, 3), nil, make([]float32, 3), keys, values, Options{}),
		"weights": Soft(make([]float32, 2), make([]float32, 5), make([]float32, 3), keys, values, Options{}),
		"rows":    Soft(make([]float32, 2), nil, make([]float32, 3), keys, kernel.NewMatrix(5, 2), Options{}),
		"mask":    Soft(make([]float32, 2), nil, make([]float32, 3), keys, values, Options{Mask: make([]float32, 3)}),
	} {
		require.Error(t, err, name)
		require.True(t, errors.Is(err, ErrShape), "%s: %v", name, err)
	}
	_, err := Hard(make([]float32, 2), make([]float32, 4), keys, values, Options{})
	require.ErrorIs(t, err, ErrShape)
	require.ErrorContains(t, err, "len(q)=4 != keys.Cols=3")
	require.ErrorIs(t, Soft(make([]float32, 2), nil, make([]float32, 3), keys, values, Options{Unscaled: true, Scale: 2}), ErrOptions)
	require.ErrorIs(t, Soft(make([]float32, 2), nil, make([]float32, 3), keys, values, Options{Temperature: -1}), ErrOptions)
	require.PanicsWithError(t, "attn.Scores: len(q)=2, keys 4×3, len(dst)=4: attn: shape mismatch", func() {
		Scores(make([]float32, 4), make([]float32, 2), keys, 1)
	})
}

func TestSoftNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	r := kerneltest.Rand(4)
	keys := randMatrix(r, 256, 64, 0, -1, 1)
	values := randMatrix(r, 256, 64, 0, -1, 1)
	q := randVec(r, 64, -1, 1)
	w := make([]float32, 256)
	dst := make([]float32, 64)
	a := testing.AllocsPerRun(20, func() { _ = Soft(dst, w, q, keys, values, Options{}) })
	require.Zero(t, a)
	a = testing.AllocsPerRun(20, func() { _, _ = Hard(dst, q, keys, values, Options{}) })
	require.Zero(t, a)
}
