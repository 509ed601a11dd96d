package attn

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

type seqCase struct{ tq, tk, d, dv int }

func seqCases() []seqCase {
	cs := []seqCase{{1, 1, 1, 1}, {3, 5, 4, 2}, {5, 3, 7, 9}, {17, 17, 8, 8}, {64, 64, 16, 16}, {65, 300, 16, 12}, {130, 130, 32, 32}}
	if !testing.Short() && !raceEnabled {
		cs = append(cs, seqCase{300, 300, 12, 20})
		cs = append(cs, seqCase{257, 513, 64, 64}, seqCase{600, 600, 24, 24})
	}
	return cs
}

func seqOptions(r interface{ IntN(int) int }, tq, tk int, mask []float32, keep []bool) []Options {
	return []Options{
		{}, {Causal: true}, {Unscaled: true, Temperature: 2}, {KeyLimit: tk - tk/4},
		{Causal: true, KeyLimit: max(1, tk/2)}, {Mask: mask}, {Keep: keep}, {Causal: true, Mask: mask, Keep: keep},
	}
}

func TestSelfAttentionPaths(t *testing.T) {
	r := kerneltest.Rand(10)
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		for _, c := range seqCases() {
			q := randMatrix(r, c.tq, c.d, 2, -1.5, 1.5)
			k := randMatrix(r, c.tk, c.d, 1, -1.5, 1.5)
			v := randMatrix(r, c.tk, c.dv, 3, -1, 1)
			mask := randVec(r, c.tq*c.tk, -2, 2)
			keep := make([]bool, c.tq*c.tk)
			for i := range keep {
				keep[i] = r.IntN(5) != 0
				if r.IntN(7) == 0 {
					mask[i] = negInf
				}
			}
			// One row fully masked by Keep.
			for j := 0; j < c.tk; j++ {
				keep[(c.tq/2)*c.tk+j] = false
			}
			for oi, opt := range seqOptions(r, c.tq, c.tk, mask, keep) {
				want := refSelf(q, k, v, opt)
				tol := accTol(c.tk * c.d)
				name := fmt.Sprintf("%+v/opt%d", c, oi)
				dst := randMatrix(r, c.tq, c.dv, 1, -9, 9)
				require.NoError(t, SelfAttention(dst, q, k, v, opt))
				nearMatrix(t, name+"/auto", dst, want, tol)

				dst = randMatrix(r, c.tq, c.dv, 1, -9, 9)
				selfDirect(dst, q, k, v, &opt)
				nearMatrix(t, name+"/direct", dst, want, tol)
				for _, tile := range [][2]int{{1, 1}, {4, 8}, {16, 7}, {64, 256}, {7, 64}} {
					if tile[0]*tile[1] < 64 && c.tq*c.tk > 64*64 && testing.Short() {
						continue // tiny tiles are slow on long sequences
					}
					dst = randMatrix(r, c.tq, c.dv, 1, -9, 9)
					selfTiled(dst, q, k, v, &opt, tile[0], tile[1])
					nearMatrix(t, fmt.Sprintf("%s/tiled%v", name, tile), dst, want, tol)
				}
			}
		}
	})
}

// TestSelfAttentionLongStable runs T=4096 with scores of magnitude ~1e3 on
// the tiled path, checking sampled rows against the float64 reference.
func TestSelfAttentionLongStable(t *testing.T) {
	r := kerneltest.Rand(11)
	T, d := 4096, 64
	if testing.Short() || raceEnabled {
		d = 16
	}
	q := randMatrix(r, T, d, 0, -30, 30)
	k := randMatrix(r, T, d, 0, -30, 30)
	v := randMatrix(r, T, d, 0, -1, 1)
	for _, causal := range []bool{false, true} {
		opt := Options{Causal: causal}
		dst := kernel.NewMatrix(T, d)
		require.NoError(t, SelfAttention(dst, q, k, v, opt))
		for _, i := range []int{0, 1, 2, 100, 2047, 4000, 4095} {
			qi := q.Slice(i, i+1, 0, d)
			o := opt
			o.Causal = false
			if causal {
				o.KeyLimit = i + 1
			}
			want := refSelf(qi, k, v, o)[0]
			row := dst.Row(i)
			for j := range row {
				require.False(t, math.IsNaN(float64(row[j])), "row %d NaN", i)
				// Scores ~1e3 carry float32 rounding ~1e-4 absolute, so
				// near-tied weights may shift by that much.
				require.InDelta(t, want[j], float64(row[j]), 2e-3, "causal=%v row %d col %d", causal, i, j)
			}
		}
	}
}

func TestSelfAttentionErrors(t *testing.T) {
	m := func(r, c int) kernel.Matrix { return kernel.NewMatrix(r, c) }
	err := SelfAttention(m(3, 4), m(3, 5), m(6, 4), m(6, 4), Options{})
	require.ErrorIs(t, err, ErrShape)
	require.ErrorContains(t, err, "q is 3×5 but k is 6×4")
	require.ErrorIs(t, SelfAttention(m(3, 4), m(3, 5), m(6, 5), m(7, 4), Options{}), ErrShape)
	require.ErrorIs(t, SelfAttention(m(3, 3), m(3, 5), m(6, 5), m(6, 4), Options{}), ErrShape)
	require.ErrorIs(t, SelfAttention(m(3, 4), m(3, 5), m(6, 5), m(6, 4), Options{Mask: make([]float32, 6)}), ErrShape)
	require.ErrorIs(t, SelfAttention(m(3, 4), m(3, 5), m(6, 5), m(6, 4), Options{KeyLimit: -1}), ErrOptions)
}
