package attn

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// rotated returns a copy of the head x rotated to position pos.
func rotated(r *Rotary, x []float32, pos int) []float32 {
	y := append([]float32(nil), x...)
	r.rotateRow(y, len(y), pos, make([]float32, r.Dims()))
	return y
}

func dotF64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// TestRotaryVsRef compares one rotated head with the float64 definition,
// and checks that the features beyond Dims are left alone and the norm is
// kept.
func TestRotaryVsRef(t *testing.T) {
	r := kerneltest.Rand(50)
	for _, il := range []bool{false, true} {
		for _, dims := range []int{2, 8, 12} {
			rot := mustRotary(t, dims, 0, il)
			x := randVec(r, 12, -2, 2)
			for _, pos := range []int{0, 1, 7, 1000, 100000} {
				got := rotated(rot, x, pos)
				want := f64(x)
				refRotate(rot, want, pos)
				near(t, fmt.Sprintf("il=%v dims=%d pos=%d", il, dims, pos), got, want, 1e-6)
				require.Equal(t, x[dims:], got[dims:])
				require.InDelta(t, dotF64(x, x), dotF64(got, got), 1e-5*dotF64(x, x))
			}
		}
	}
	// Position 1, one pair: (1, 0) turns by one radian.
	for _, il := range []bool{false, true} {
		got := rotated(mustRotary(t, 2, 0, il), []float32{1, 0}, 1)
		require.Equal(t, []float32{float32(math.Cos(1)), float32(math.Sin(1))}, got)
	}
}

// TestRotaryConventions: the interleaved rotation is the rotate-half one
// with the features permuted (pair i at 2i, 2i+1 instead of i, i+Dims/2).
func TestRotaryConventions(t *testing.T) {
	r := kerneltest.Rand(51)
	half, inter := mustRotary(t, 8, 0, false), mustRotary(t, 8, 0, true)
	x := randVec(r, 8, -1, 1)
	perm := make([]float32, 8) // x in the interleaved order
	for i := range 4 {
		perm[2*i], perm[2*i+1] = x[i], x[i+4]
	}
	for _, pos := range []int{3, 50} {
		a, b := rotated(half, x, pos), rotated(inter, perm, pos)
		for i := range 4 {
			require.Equal(t, a[i], b[2*i])
			require.Equal(t, a[i+4], b[2*i+1])
		}
	}
	require.NotEqual(t, rotated(half, x, 3), rotated(inter, x, 3))
}

// TestRotaryRelative: the score of a rotated query and key depends on
// their positions only through the difference.
func TestRotaryRelative(t *testing.T) {
	r := kerneltest.Rand(52)
	for _, il := range []bool{false, true} {
		for _, base := range []float64{0, 500} {
			rot := mustRotary(t, 16, base, il)
			q, k := randVec(r, 16, -1, 1), randVec(r, 16, -1, 1)
			for _, d := range []int{-5, 0, 3, 40} {
				want := dotF64(rotated(rot, q, max(d, 0)), rotated(rot, k, max(-d, 0)))
				for _, p := range []int{1, 37, 1000, 65536} {
					got := dotF64(rotated(rot, q, p+d), rotated(rot, k, p))
					require.InDelta(t, want, got, 1e-5, "il=%v base=%g Δ=%d p=%d", il, base, d, p)
				}
			}
			// And it does depend on the difference.
			require.Greater(t, math.Abs(dotF64(rotated(rot, q, 3), k)-dotF64(q, k)), 1e-3)
		}
	}
}

// TestRotaryShift: through the whole model, a sequence whose positions
// start at P (after P cached tokens that the mask hides) gives what it
// gives from position 0.
func TestRotaryShift(t *testing.T) {
	r := kerneltest.Rand(53)
	for _, il := range []bool{false, true} {
		m := newTestConfig(t, 60, MultiHeadConfig{DModel: 16, Heads: 2, KVHeads: 1, Bias: true})
		m.Rotary = mustRotary(t, 8, 0, il)
		T, P := 6, 300
		x := randMatrix(r, T, 16, 0, -2, 2)
		want := kernel.NewMatrix(T, 16)
		require.NoError(t, m.Forward(want, x, Options{Causal: true}))
		cache, err := NewKVCache(m, P+T)
		require.NoError(t, err)
		junk := randMatrix(r, P, 16, 0, -2, 2)
		require.NoError(t, m.Prefill(kernel.NewMatrix(P, 16), junk, cache, Options{}))
		keep := make([]bool, P+T)
		for j := P; j < P+T; j++ {
			keep[j] = true
		}
		got := kernel.NewMatrix(T, 16)
		for i := range T {
			require.NoError(t, m.Decode(got.Row(i), x.Row(i), cache, Options{KeepKeys: keep[:P+i+1]}))
		}
		for i := range T {
			near(t, fmt.Sprintf("il=%v row %d", il, i), got.Row(i), f64(want.Row(i)), 1e-5)
		}
	}
}
