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
