package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExpScaledSumMaxLevels holds every level's pass 1 of the two-pass
// softmax to the portable one: the same y bits for every element before
// the stop, the same maximum and ymax, a sum within rounding of the
// portable sum, a stop at the start of the block holding the first
// element above hi (or NaN), nothing written from there on, in place or
// not.
func TestExpScaledSumMaxLevels(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	nan := float32(math.NaN())
	for _, l := range Available() {
		restore, _ := SetLevel(l)
		// The blocks: of the main loop, then of the rest.
		big := map[Level]int{Generic: expScaledBlock, AVX2: 32, AVX512: 128, NEON: 8}[l]
		block := map[Level]int{Generic: expScaledBlock, AVX2: 8, AVX512: 16, NEON: 4}[l]
		for _, n := range []int{0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 64, 127, 128, 129, 300, 1000} {
			for trial := range 6 {
				x := make([]float32, n)
				for i := range x {
					x[i] = 20 * (2*r.Float32() - 1)
					if r.IntN(7) == 0 {
						x[i] = float32(math.Inf(-1))
					}
				}
				if n == 0 {
					continue
				}
				sc, ok := twoPassScaling(x)
				if !ok {
					continue // the first 16 are all -Inf
				}
				stopAt := n
				if trial > 0 && n > 1 {
					stopAt = r.IntN(n)
					x[stopAt] = [...]float32{sc.hi + 1, nan, float32(math.Inf(1)), 1e30, sc.hi + 0.01}[trial-1]
				}
				what := fmt.Sprintf("%v n=%d trial=%d stop at %d", l, n, trial, stopAt)
				for _, inPlace := range []bool{false, true} {
					src := slices.Clone(x)
					dst := make([]float32, n)
					for i := range dst {
						dst[i] = -7 // never a result
					}
					if inPlace {
						dst = src
					}
					s, m, ym, done := expScaledSumMax(dst, src, sc.k, sc.lo, sc.hi)
					_, gm, gym, gdone := expScaledSumMaxGeneric(nil, x, sc.k, sc.lo, sc.hi)
					require.LessOrEqual(t, done, stopAt, what)
					require.Greater(t, done, stopAt-big, what)
					require.True(t, done == n || done%block == 0, "%s: done=%d", what, done)
					if done == gdone {
						require.Equal(t, gm, m, what)
						require.Equal(t, math.Float32bits(gym), math.Float32bits(expScaled32(m, sc.k, sc.lo)), what)
					}
					var want float64
					mx := float32(math.Inf(-1))
					for i := 0; i < done; i++ {
						y := expScaled32(x[i], sc.k, sc.lo)
						require.Equal(t, math.Float32bits(y), math.Float32bits(dst[i]), "%s: y[%d] of %v", what, i, x[i])
						want += float64(y)
						mx = max(mx, x[i])
					}
					for i := done; i < n; i++ {
						if inPlace {
							require.Equal(t, math.Float32bits(x[i]), math.Float32bits(src[i]), "%s: src[%d] written", what, i)
						} else {
							require.Equal(t, float32(-7), dst[i], "%s: dst[%d] written past the stop", what, i)
						}
					}
					require.InDelta(t, want, float64(s), 1e-6*want+1e-30, what)
					if done > 0 {
						require.Equal(t, mx, m, what)
					}
					// Without stores: the same sum and maximum, and ymax.
					s2, m2, ym2, done2 := expScaledSumMax(nil, x, sc.k, sc.lo, sc.hi)
					require.Equal(t, done, done2, what)
					require.Equal(t, math.Float32bits(s), math.Float32bits(s2), what)
					require.Equal(t, m, m2, what)
					require.Equal(t, math.Float32bits(expScaled32(m2, sc.k, sc.lo)), math.Float32bits(ym2), "%s: ymax", what)
					require.Zero(t, ym, "%s: ymax with stores", what)
				}
			}
		}
		restore()
	}
}

// TestLogRatio holds logRatio to math.Log: the series' first omitted
// term, 2·t^15/15 with |t| ≤ 0.1716, is below 4.5e-13, and the rest is
// float64 rounding.
func TestLogRatio(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 15))
	for range 200000 {
		s := float32(math.Exp(r.Float64()*170 - 85))
		ym := float32(math.Exp(r.Float64()*170 - 85))
		want := math.Log(float64(s) / float64(ym))
		require.InDelta(t, want, logRatio(s, ym), 4.5e-13+1e-15*math.Abs(want), "s=%v ym=%v", s, ym)
	}
	for _, q := range []float32{1, 1.0000001, 0.9999999, 1.4142135, 1.4142137, 2, 3} {
		require.InDelta(t, math.Log(float64(q)), logRatio(q, 1), 4.5e-13, "q=%v", q)
	}
	require.Equal(t, 0.0, logRatio(3.5, 3.5))
}
