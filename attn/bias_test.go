package attn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

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
