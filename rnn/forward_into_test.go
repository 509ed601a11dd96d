package rnn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
)

// TestForwardIntoMatchesForwardState: every sequence of a batch run by
// ForwardInto, from its own initial state, gives the outputs and final
// state ForwardState gives it alone; and ForwardInto allocates nothing.
func TestForwardIntoMatchesForwardState(t *testing.T) {
	cfgs := map[string]Config{
		"elman relu 2 layers bidi": {Cell: Elman, Input: 3, Hidden: 5, Layers: 2, Bidirectional: true, Activation: ReLU, Bias: BiasPair},
		"lstm 3 layers proj":       {Cell: LSTM, Input: 4, Hidden: 6, Proj: 3, Layers: 3, Bias: BiasPair},
		"lstm bidi head":           {Cell: LSTM, Input: 4, Hidden: 6, Bidirectional: true, Output: 2, OutputActivation: Sigmoid},
		"gru bidi 2 layers":        {Cell: GRU, Input: 2, Hidden: 7, Layers: 2, Bidirectional: true, Bias: BiasPair},
		"gru reset-before bidi":    {Cell: GRU, Input: 2, Hidden: 7, Layers: 2, Bidirectional: true, Bias: BiasPair, ResetBefore: true},
		"lstm peepholes bidi clip": {Cell: LSTM, Input: 4, Hidden: 6, Layers: 2, Bidirectional: true, Peepholes: true, Clip: 0.5},
	}
	for name, cfg := range cfgs {
		n, err := New(cfg, 7)
		require.NoError(t, err)
		c := n.Config()
		for _, bt := range [][2]int{{1, 5}, {3, 4}, {2, 1}, {2, 0}} {
			B, T := bt[0], bt[1]
			ws, err := n.NewWorkspace(B, T)
			require.NoError(t, err)
			x := kernel.NewMatrix(B*T, c.Input)
			for i := range x.Data {
				x.Data[i] = float32(math.Sin(float64(i)*0.37 + float64(B)))
			}
			init := n.NewBatchStates(B)
			for i := range init.H.Data {
				init.H.Data[i] = float32(math.Cos(float64(i) * 0.51))
			}
			for i := range init.C.Data {
				init.C.Data[i] = float32(math.Sin(float64(i) * 0.23))
			}
			// dst a strided view, to check that ForwardInto honours it
			wide := kernel.NewMatrix(B*T, c.OutWidth()+3)
			dst := wide.Slice(0, B*T, 1, 1+c.OutWidth())
			final := n.NewBatchStates(B)
			require.NoError(t, n.ForwardInto(ws, dst, x, init, final))
			L := c.Layers * c.Dirs()
			for b := 0; b < B; b++ {
				one := n.NewStates()
				for i := 0; i < L; i++ {
					copy(one.H.Row(i), init.H.Row(i*B+b))
					if one.C.Rows > 0 {
						copy(one.C.Row(i), init.C.Row(i*B+b))
					}
				}
				y, fin, err := n.ForwardState(x.Slice(b*T, (b+1)*T, 0, c.Input), one)
				require.NoError(t, err)
				for tt := 0; tt < T; tt++ {
					for j, w := range y.Row(tt) {
						require.InDelta(t, w, dst.At(b*T+tt, j), 1e-5*(1+math.Abs(float64(w))), "%s B=%d T=%d seq %d step %d [%d]", name, B, T, b, tt, j)
					}
				}
				for i := 0; i < L; i++ {
					require.InDeltaSlice(t, fin.H.Row(i), final.H.Row(i*B+b), 1e-5, "%s B=%d T=%d final h %d", name, B, T, i)
					if fin.C.Rows > 0 {
						require.InDeltaSlice(t, fin.C.Row(i), final.C.Row(i*B+b), 1e-5, "%s final c %d", name, i)
					}
				}
			}
			if T > 0 {
				require.Zero(t, wide.Data[0], "the padding of dst is not written")
			}
			// final may be init: a streaming caller carries the state in place.
			require.NoError(t, n.ForwardInto(ws, dst, x, init, init))
			require.InDeltaSlice(t, final.H.Data, init.H.Data, 0, "%s: final = init in place", name)
			if !race.Enabled { // Gemm's pooled pack buffers: sync.Pool drops items at random under -race
				require.Zero(t, testing.AllocsPerRun(5, func() { _ = n.ForwardInto(ws, dst, x, final, final) }), name)
			}
		}
	}
}

func TestForwardIntoErrors(t *testing.T) {
	n, err := New(Config{Cell: LSTM, Input: 2, Hidden: 3}, 1)
	require.NoError(t, err)
	other, err := New(Config{Cell: LSTM, Input: 2, Hidden: 3}, 1)
	require.NoError(t, err)
	_, err = n.NewWorkspace(0, 3)
	require.ErrorIs(t, err, ErrShape)
	ws, err := n.NewWorkspace(2, 3)
	require.NoError(t, err)
	x, y := kernel.NewMatrix(6, 2), kernel.NewMatrix(6, 3)
	require.NoError(t, n.ForwardInto(ws, y, x, nil, nil))
	require.ErrorIs(t, other.ForwardInto(ws, y, x, nil, nil), ErrShape, "a workspace of another Net")
	require.ErrorIs(t, n.ForwardInto(ws, y, kernel.NewMatrix(4, 2), nil, nil), ErrShape, "x rows")
	require.ErrorIs(t, n.ForwardInto(ws, kernel.NewMatrix(6, 2), x, nil, nil), ErrShape, "dst cols")
	require.ErrorIs(t, n.ForwardInto(ws, y, x, n.NewStates(), nil), ErrShape, "a state of one sequence")
	require.ErrorIs(t, n.ForwardInto(ws, y, x, nil, n.NewBatchStates(3)), ErrShape, "a state of three")
	_, err = (&Net{}).NewWorkspace(1, 1)
	require.ErrorIs(t, err, ErrConfig)
}
