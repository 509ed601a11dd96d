package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestForwardStateMatchesReference runs ForwardState and LastState from
// a random initial state, for every cell and topology, against the
// float64 reference started from the same state, and checks the final
// state against the reference's state after each direction's last step.
func TestForwardStateMatchesReference(t *testing.T) {
	for ci, tc := range allCases() {
		if tc.k != 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 11))
			n, err := New(tc.cfg, uint64(300+ci))
			require.NoError(t, err)
			cfg := n.Config()
			init := n.NewStates()
			for i := range init.H.Data {
				init.H.Data[i] = float32(2*r.Float64() - 1)
			}
			for i := range init.C.Data {
				init.C.Data[i] = float32(2*r.Float64() - 1)
			}
			xs := randMat(r, tc.T, cfg.Input)
			ref := toRef(n)
			for i := 0; i < init.H.Rows; i++ {
				st := toRefMat(init.H)[i]
				if init.C.Rows > 0 {
					st = append(st, toRefMat(init.C)[i]...)
				}
				ref.init = append(ref.init, st)
			}
			x64 := toRefMat(xs)
			tol := 8 * eps32 * (1 + math.Log2(float64(max(cfg.Width(), cfg.Input))))
			near := func(what string, got []float32, want []float64) {
				require.Len(t, got, len(want), what)
				for i := range want {
					require.InDelta(t, want[i], got[i], tol*(1+math.Abs(want[i])), "%s[%d]", what, i)
				}
			}
			y, final, err := n.ForwardState(xs, init)
			require.NoError(t, err)
			want := refActivated(cfg.OutputActivation, ref.outputs(x64, false, 0, nil))
			for s := range tc.T {
				near(fmt.Sprintf("row %d", s), y.Row(s), want[s])
			}
			_, states := ref.layers(x64, 0, nil)
			HO := cfg.HiddenOut()
			for i, st := range states {
				last := st[tc.T-1]
				if i%cfg.Dirs() == 1 {
					last = st[0]
				}
				near(fmt.Sprintf("h_n[%d]", i), final.H.Row(i), last[:HO])
				if final.C.Rows > 0 {
					near(fmt.Sprintf("c_n[%d]", i), final.C.Row(i), last[HO:])
				}
			}
			v, final2, err := n.LastState(xs, init)
			require.NoError(t, err)
			near("LastState", v, refActivated(cfg.OutputActivation, ref.outputs(x64, true, 0, nil))[0])
			require.Equal(t, final, final2)
			// The initial state is not modified.
			y2, _, err := n.ForwardState(xs, init)
			require.NoError(t, err)
			require.Equal(t, y, y2)
		})
	}
}

// TestForwardStateContinues: a sequence split in two, the second half
// started from the first half's final state, gives what the whole
// sequence gives (causal networks), including T = 0 pieces.
func TestForwardStateContinues(t *testing.T) {
	for _, v := range allCellVariants() {
		t.Run(v.name, func(t *testing.T) {
			cfg := v.set(Config{Input: 3, Hidden: 6, Layers: 2, Bias: BiasPair})
			n, err := New(cfg, 5)
			require.NoError(t, err)
			xs := randMat(rand.New(rand.NewPCG(1, 2)), 9, 3)
			whole, fw, err := n.ForwardState(xs, nil)
			require.NoError(t, err)
			_, s0, err := n.ForwardState(xs.Slice(0, 0, 0, 3), nil)
			require.NoError(t, err)
			require.Equal(t, n.NewStates(), s0, "T=0 from zeros ends at zeros")
			a, sa, err := n.ForwardState(xs.Slice(0, 4, 0, 3), s0)
			require.NoError(t, err)
			b, sb, err := n.ForwardState(xs.Slice(4, 9, 0, 3), sa)
			require.NoError(t, err)
			for i := 0; i < 4; i++ {
				require.Equal(t, whole.Row(i), a.Row(i))
			}
			for i := 0; i < 5; i++ {
				require.Equal(t, whole.Row(4+i), b.Row(i), "row %d", 4+i)
			}
			require.Equal(t, fw, sb)
		})
	}
}

// TestStatesErrors: states of the wrong shape are refused with ErrShape.
func TestStatesErrors(t *testing.T) {
	n, err := New(Config{Cell: LSTM, Input: 2, Hidden: 4, Proj: 3, Layers: 2}, 1)
	require.NoError(t, err)
	xs := kernel.NewMatrix(3, 2)
	for _, bad := range []*States{
		{},
		{H: kernel.NewMatrix(2, 4), C: kernel.NewMatrix(2, 4)},
		{H: kernel.NewMatrix(2, 3)},
		{H: kernel.NewMatrix(1, 3), C: kernel.NewMatrix(1, 4)},
		{H: kernel.Matrix{Rows: 2, Cols: 3, Stride: 3, Data: make([]float32, 5)}, C: kernel.NewMatrix(2, 4)},
	} {
		_, _, err := n.ForwardState(xs, bad)
		require.ErrorIs(t, err, ErrShape)
		_, _, err = n.LastState(xs, bad)
		require.ErrorIs(t, err, ErrShape)
	}
	g, err := New(Config{Cell: GRU, Input: 2, Hidden: 4}, 1)
	require.NoError(t, err)
	_, _, err = g.ForwardState(xs, &States{H: kernel.NewMatrix(1, 4), C: kernel.NewMatrix(1, 4)})
	require.ErrorIs(t, err, ErrShape, "a GRU has no c")
}
