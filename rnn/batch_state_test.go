package rnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestBatchStateMatchesState steps 5 streams together for every cell and
// compares each stream with a State of its own, through a ResetStream
// and a stream moved in and out with GetStream/SetStream.
func TestBatchStateMatchesState(t *testing.T) {
	for _, v := range allCellVariants() {
		for _, head := range []int{0, 3} {
			cfg := v.set(Config{Input: 4, Hidden: 7, Layers: 2, Output: head, Bias: BiasPair})
			n, err := New(cfg, 7)
			require.NoError(t, err)
			cfg = n.Config()
			const B, T = 5, 9
			r := rand.New(rand.NewPCG(7, 7))
			bs := n.NewBatchState(B)
			require.Equal(t, B, bs.Streams())
			single := make([]*State, B)
			for b := range single {
				single[b] = n.NewState()
			}
			x := kernel.NewMatrix(B, cfg.Input)
			y := kernel.NewMatrix(B, cfg.OutWidth())
			want := make([]float32, cfg.OutWidth())
			for step := range T {
				if step == 4 {
					require.NoError(t, bs.ResetStream(2))
					single[2].Reset()
				}
				if step == 6 { // swap streams 0 and 1 through States
					s0, s1 := n.NewState(), n.NewState()
					require.NoError(t, bs.GetStream(s0, 0))
					require.NoError(t, bs.GetStream(s1, 1))
					require.NoError(t, bs.SetStream(0, s1))
					require.NoError(t, bs.SetStream(1, s0))
					single[0], single[1] = single[1], single[0]
				}
				for i := range x.Data {
					x.Data[i] = float32(2*r.Float64() - 1)
				}
				require.NoError(t, bs.Step(y, x))
				for b := range B {
					require.NoError(t, single[b].Step(want, x.Row(b)))
					for i, w := range want {
						require.InDelta(t, w, y.At(b, i), 1e-5*(1+math.Abs(float64(w))), "%s head %d step %d stream %d [%d]", v.name, head, step, b, i)
					}
				}
			}
			if !race.Enabled { // Gemm's pooled scratch: sync.Pool drops items at random under -race
				require.Zero(t, testing.AllocsPerRun(20, func() { _ = bs.Step(y, x) }), v.name)
			}
		}
	}
}

func TestBatchStateErrors(t *testing.T) {
	n, err := New(Config{Cell: GRU, Input: 2, Hidden: 3}, 1)
	require.NoError(t, err)
	bs := n.NewBatchState(2)
	require.ErrorIs(t, bs.Step(kernel.NewMatrix(3, 2), kernel.NewMatrix(2, 3)), ErrShape)
	require.ErrorIs(t, bs.Step(kernel.NewMatrix(2, 3), kernel.NewMatrix(2, 3)), ErrShape)
	require.ErrorIs(t, bs.Step(kernel.NewMatrix(2, 3), kernel.Matrix{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 3)}), ErrShape)
	require.ErrorIs(t, bs.ResetStream(2), ErrShape)
	require.ErrorIs(t, bs.ResetStream(-1), ErrShape)
	other, err := New(Config{Cell: GRU, Input: 2, Hidden: 3}, 2)
	require.NoError(t, err)
	require.ErrorIs(t, bs.GetStream(other.NewState(), 0), ErrShape)
	require.ErrorIs(t, bs.SetStream(0, nil), ErrShape)
	require.ErrorIs(t, n.NewBatchState(0).Step(kernel.NewMatrix(0, 3), kernel.NewMatrix(0, 2)), ErrConfig)
	bi, err := New(Config{Input: 2, Hidden: 3, Bidirectional: true}, 1)
	require.NoError(t, err)
	require.ErrorIs(t, bi.NewBatchState(2).Step(kernel.NewMatrix(2, 6), kernel.NewMatrix(2, 2)), ErrNotCausal)
	require.ErrorIs(t, (&Net{}).NewBatchState(2).Step(kernel.NewMatrix(2, 6), kernel.NewMatrix(2, 2)), ErrConfig)
}
