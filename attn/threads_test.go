// Tests of the work split over goroutines (kernel.SetThreads): each
// split gives the one-thread bits.

package attn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// TestSelfAttentionThreads: SelfAttention split by blocks of query rows
// across goroutines gives the serial bits, on the direct path and the
// tiled one, with and without Causal, with every kind of mask (run with
// -race too).
func TestSelfAttentionThreads(t *testing.T) {
	defer kernel.SetThreads(kernel.Threads())
	r := kerneltest.Rand(41)
	split := 0
	for _, c := range []struct{ tq, tk, d int }{{300, 300, 32}, {260, 300, 24}, {700, 700, 16}, {200, 900, 32}} {
		q, k, v := randMatrix(r, c.tq, c.d, 0, -2, 2), randMatrix(r, c.tk, c.d, 0, -2, 2), randMatrix(r, c.tk, c.d, 0, -2, 2)
		mask, keep := randMatrix(r, c.tq, c.tk, 0, -1, 1).Data, make([]bool, c.tq*c.tk)
		for i := range keep {
			keep[i] = r.IntN(7) != 0
		}
		for oi, opt := range seqOptions(r, c.tq, c.tk, mask, keep) {
			rows := directRows
			switch {
			case c.tk > directMaxKeys && opt.Causal:
				rows = tileQCausal
			case c.tk > directMaxKeys:
				rows = tileQ
			case opt.Causal:
				rows = directRowsCausal
			}
			kernel.SetThreads(2)
			if (c.tq+rows-1)/rows < 2 || headThreads(2, min(rows, c.tq)*c.tk*c.d) < 2 {
				continue // one block, or too little work per block: no split
			}
			split++
			kernel.SetThreads(1)
			want := kernel.NewMatrix(c.tq, c.d)
			require.NoError(t, SelfAttention(want, q, k, v, opt))
			for _, threads := range []int{2, 3} {
				kernel.SetThreads(threads)
				got := randMatrix(r, c.tq, c.d, 0, -9, 9)
				require.NoError(t, SelfAttention(got, q, k, v, opt))
				require.Equal(t, want.Data, got.Data, fmt.Sprintf("%+v opt%d threads=%d", c, oi, threads))
			}
		}
	}
	require.Greater(t, split, 20, "cases that split")
}

// TestAddBiasRowsThreads: the bias pass split by bands of rows gives
// each element its one float32 addition, on any number of threads, on a
// matrix view with a stride wider than its rows (whose padding it leaves
// alone), and allocates nothing.
func TestAddBiasRowsThreads(t *testing.T) {
	defer kernel.SetThreads(kernel.Threads())
	r := kerneltest.Rand(51)
	for _, sh := range [][2]int{{3, 5}, {biasSplitMin/600 + 1, 600}, {1000, 300}} {
		rows, cols := sh[0], sh[1]
		base := randMatrix(r, rows, cols+7, 0, -3, 3)
		b := randMatrix(r, 1, cols, 0, -3, 3).Data
		want := append([]float32(nil), base.Data...)
		for i := range rows {
			for j := range cols {
				want[i*base.Stride+3+j] += b[j]
			}
		}
		for _, threads := range []int{1, 2, 3} {
			kernel.SetThreads(threads)
			got := kernel.NewMatrix(rows, cols+7)
			copy(got.Data, base.Data)
			addBiasRows(got.Slice(0, rows, 3, 3+cols), b)
			name := fmt.Sprintf("%d×%d threads=%d", rows, cols, threads)
			require.Equal(t, want, got.Data, name)
			if !raceEnabled {
				a := got.Slice(0, rows, 3, 3+cols)
				require.Zero(t, testing.AllocsPerRun(10, func() { addBiasRows(a, b) }), name)
			}
		}
	}
}

// TestForwardThreadsBits: a prefill large enough for every part to split
// (the projections' products and bias passes, the heads, the output
// projection) gives the one-thread bits on two and three threads.
func TestForwardThreadsBits(t *testing.T) {
	defer kernel.SetThreads(kernel.Threads())
	r := kerneltest.Rand(52)
	m := newTestMHA(t, 53, 128, 4, true)
	for i := range m.InBias {
		m.InBias[i] = float32(r.Float64() - 0.5)
	}
	for i := range m.OutBias {
		m.OutBias[i] = float32(r.Float64() - 0.5)
	}
	T := 1100 // tiled (more than directMaxKeys keys); T×3·d_model and T×d_model above biasSplitMin
	require.GreaterOrEqual(t, T*128, biasSplitMin)
	x := randMatrix(r, T, 128, 0, -1, 1)
	kernel.SetThreads(1)
	want := kernel.NewMatrix(T, 128)
	require.NoError(t, m.Forward(want, x, Options{Causal: true}))
	for _, threads := range []int{2, 3} {
		kernel.SetThreads(threads)
		require.Greater(t, headThreads(m.Heads, T*T*m.DHead()), 1)
		got := kernel.NewMatrix(T, 128)
		require.NoError(t, m.Forward(got, x, Options{Causal: true}))
		require.Equal(t, want.Data, got.Data, "threads=%d", threads)
	}
}
