package rnn

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestWorkspaceShorter: a shorter view of a workspace gives the bits of
// a workspace made for its length, allocates nothing, and refuses
// lengths outside the workspace's.
func TestWorkspaceShorter(t *testing.T) {
	for _, cfg := range []Config{
		{Cell: LSTM, Input: 3, Hidden: 4, Layers: 3, Bidirectional: true, Peepholes: true, Output: 2},
		{Cell: GRU, Input: 3, Hidden: 5, Layers: 2, ResetBefore: true, Bias: BiasPair},
		{Cell: GRU, Input: 3, Hidden: 5, Bidirectional: true, Bias: BiasPair},
	} {
		n, err := New(cfg, 4)
		require.NoError(t, err)
		c := n.Config()
		for _, B := range []int{1, 3} {
			long, err := n.NewWorkspace(B, 7)
			require.NoError(t, err)
			for _, T := range []int{7, 4, 1, 0} {
				ws, err := long.Shorter(T)
				require.NoError(t, err)
				fresh, err := n.NewWorkspace(B, T)
				require.NoError(t, err)
				x := kernel.NewMatrix(B*T, c.Input)
				for i := range x.Data {
					x.Data[i] = float32(math.Sin(float64(i) * 0.3))
				}
				got, want := kernel.NewMatrix(B*T, c.OutWidth()), kernel.NewMatrix(B*T, c.OutWidth())
				gotS, wantS := n.NewBatchStates(B), n.NewBatchStates(B)
				require.NoError(t, n.ForwardInto(fresh, want, x, nil, wantS))
				require.NoError(t, n.ForwardInto(ws, got, x, nil, gotS))
				require.Equal(t, want.Data, got.Data, "%+v B=%d T=%d", cfg, B, T)
				require.Equal(t, wantS, gotS, "%+v B=%d T=%d", cfg, B, T)
				if !race.Enabled { // Gemm's pooled scratch: sync.Pool drops items at random under -race
					require.Zero(t, testing.AllocsPerRun(5, func() { _ = n.ForwardInto(ws, got, x, nil, gotS) }))
				}
			}
			for _, bad := range []int{-1, 8} {
				_, err := long.Shorter(bad)
				require.ErrorIs(t, err, ErrShape)
			}
		}
	}
	var ws *Workspace
	_, err := ws.Shorter(0)
	require.ErrorIs(t, err, ErrShape)
}
