package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// packedConfigs are the topologies the packing and threading tests run
// for every cell: stacked with a head (and a projection for lstm-proj),
// and bidirectional without one.
func packedConfigs() []struct {
	name string
	cfg  Config
} {
	type c = struct {
		name string
		cfg  Config
	}
	var cs []c
	for _, v := range cellVariants() {
		cs = append(cs,
			c{v.name + "/stacked-head", v.set(Config{Input: 5, Hidden: 9, Layers: 2, Output: 4, Bias: BiasPair})},
			c{v.name + "/bidir", v.set(Config{Input: 3, Hidden: 6, Bidirectional: true})})
	}
	return cs
}

// unpacked returns a copy of n that keeps no packed weights, so that it
// multiplies by its matrices through Gemm, as rnn did before packing.
func unpacked(n *Net) *Net {
	u := n.Clone()
	u.packs = nil
	return u
}

// requireSameBits fails unless a and b hold the same float32 bits.
func requireSameBits(t *testing.T, a, b kernel.Matrix, msg string, args ...any) {
	t.Helper()
	if i, j, diff := bitsDiff(a, b); diff {
		require.Failf(t, "bits differ", "%s at [%d,%d] (%d×%d and %d×%d)", fmt.Sprintf(msg, args...), i, j, a.Rows, a.Cols, b.Rows, b.Cols)
	}
}

// requireCloseBatch1 fails unless a and b, a batch-1 Forward's outputs by
// GemvPacked and by Gemv, agree within 1e-5 relative to the larger of
// the element and 1: the two sum each product's few terms in different
// orders, a few float32 roundings apart.
func requireCloseBatch1(t *testing.T, a, b kernel.Matrix, msg string, args ...any) {
	t.Helper()
	require.Equal(t, [2]int{a.Rows, a.Cols}, [2]int{b.Rows, b.Cols}, fmt.Sprintf(msg, args...))
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < a.Cols; j++ {
			x, y := float64(a.At(i, j)), float64(b.At(i, j))
			require.LessOrEqual(t, math.Abs(x-y), 1e-5*max(1, math.Abs(y)), "%s at [%d,%d]", fmt.Sprintf(msg, args...), i, j)
		}
	}
}

// bitsDiff returns the first element where a and b differ in bits, and
// whether there is one (a difference of shape is one at [-1,-1]).
func bitsDiff(a, b kernel.Matrix) (int, int, bool) {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		return -1, -1, true
	}
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < a.Cols; j++ {
			if math.Float32bits(a.At(i, j)) != math.Float32bits(b.At(i, j)) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// requireSameBatch fails unless n and m give the same bits from
// ForwardBatch over xs.
func requireSameBatch(t *testing.T, n, m *Net, xs []kernel.Matrix) {
	t.Helper()
	got, err := n.ForwardBatch(xs)
	require.NoError(t, err)
	want, err := m.ForwardBatch(xs)
	require.NoError(t, err)
	for b := range xs {
		requireSameBits(t, got[b], want[b], "ForwardBatch seq %d", b)
	}
}

func randSeqs(r *rand.Rand, B, T, cols int) []kernel.Matrix {
	xs := make([]kernel.Matrix, B)
	for b := range xs {
		xs[b] = randMat(r, T, cols)
	}
	return xs
}

// stepAll runs a BatchState of len(xs) streams over the sequences xs
// (each T×Input) and returns stream-major outputs: row b·T+t.
func stepAll(t *testing.T, n *Net, xs []kernel.Matrix) kernel.Matrix {
	out := stepAllErr(n, xs)
	require.NotZero(t, out.Rows, "BatchState.Step failed")
	return out
}

// TestPackedMatchesUnpacked holds every path that multiplies by packed
// weights (Forward, ForwardBatch, Trace, BatchState.Step) to the bits of
// the same Net multiplying through Gemm, which packs per call: GemmPacked
// computes exactly what Gemm computes. A batch-1 sequence's matrix–vector
// products go through GemvPacked where the level streams it, which sums
// in another order than Gemv: there Forward and Trace are held to the
// unpacked Net's values within float32 rounding (requireCloseBatch1),
// and to its bits elsewhere.
func TestPackedMatchesUnpacked(t *testing.T) {
	for _, tc := range packedConfigs() {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(tc.cfg, 3)
			require.NoError(t, err)
			u := unpacked(n)
			r := rand.New(rand.NewPCG(3, 3))
			xs := randSeqs(r, 5, 7, n.cfg.Input)
			requireSameBatch(t, n, u, xs)
			for b := range xs {
				g, err := n.Forward(xs[b])
				require.NoError(t, err)
				w, err := u.Forward(xs[b])
				require.NoError(t, err)
				if kernel.GemvPackedStreams() {
					requireCloseBatch1(t, g, w, "Forward seq %d", b)
				} else {
					requireSameBits(t, g, w, "Forward seq %d", b)
				}
			}
			gt, err := n.Trace(xs[0])
			require.NoError(t, err)
			wt, err := u.Trace(xs[0])
			require.NoError(t, err)
			if kernel.GemvPackedStreams() {
				requireCloseBatch1(t, gt.Out, wt.Out, "Trace")
			} else {
				requireSameBits(t, gt.Out, wt.Out, "Trace")
			}
			if !n.cfg.Bidirectional {
				requireSameBits(t, stepAll(t, n, xs), stepAll(t, u, xs), "BatchState.Step")
			}
		})
	}
}

// TestWeightsChanged checks that a Net run before its weights change
// computes with the new ones after WeightsChanged, and that repacking
// allocates nothing.
func TestWeightsChanged(t *testing.T) {
	for _, tc := range packedConfigs() {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(tc.cfg, 4)
			require.NoError(t, err)
			other, err := New(tc.cfg, 5)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(4, 4))
			xs := randSeqs(r, 3, 6, n.cfg.Input)
			_, err = n.ForwardBatch(xs) // packs n's weights
			require.NoError(t, err)
			src := other.Params()
			for i, p := range n.Params() {
				copy(p.Data, src[i].Data)
			}
			n.WeightsChanged()
			requireSameBatch(t, n, other, xs)
			if n.cfg.Bidirectional {
				return
			}
			requireSameBits(t, stepAll(t, n, xs), stepAll(t, other, xs), "BatchState.Step")
			if !race.Enabled { // Gemm's pooled scratch: sync.Pool drops items at random under -race
				bs := n.NewBatchState(3)
				x, y := kernel.NewMatrix(3, n.cfg.Input), kernel.NewMatrix(3, n.cfg.OutWidth())
				require.Zero(t, testing.AllocsPerRun(20, func() {
					n.WeightsChanged()
					_ = bs.Step(y, x)
				}), "a repack allocated")
			}
		})
	}
}

// TestSharedNetConcurrent runs one fresh Net, whose weights are packed by
// whichever goroutine runs it first, from many goroutines at once
// (ForwardBatch, Forward, Trace and a BatchState each), on two threads
// with every split taken, and checks every result against the same Net's
// results computed alone. go test -race checks the sharing.
func TestSharedNetConcurrent(t *testing.T) {
	withSplit(t, 2)
	for _, cell := range []CellType{Elman, LSTM, GRU} {
		cfg := Config{Cell: cell, Input: 6, Hidden: 10, Layers: 2, Output: 3}
		ref, err := New(cfg, 6)
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(6, 6))
		xs := randSeqs(r, 4, 30, cfg.Input)
		wantBatch, err := ref.ForwardBatch(xs)
		require.NoError(t, err)
		wantSteps := stepAll(t, ref, xs)
		wantOne, err := ref.Forward(xs[1])
		require.NoError(t, err)

		n, err := New(cfg, 6)
		require.NoError(t, err)
		const G = 8
		var wg sync.WaitGroup
		errs := make([]error, G)
		for g := range G {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[g] = func() error {
					for range 3 {
						switch g % 3 {
						case 0:
							ys, err := n.ForwardBatch(xs)
							if err != nil {
								return err
							}
							for b := range ys {
								if !sameBits(ys[b], wantBatch[b]) {
									return fmt.Errorf("ForwardBatch seq %d differs", b)
								}
							}
						case 1:
							y, err := n.Forward(xs[1])
							if err != nil {
								return err
							}
							if !sameBits(y, wantOne) {
								return fmt.Errorf("Forward differs")
							}
							if _, err := n.Trace(xs[1]); err != nil {
								return err
							}
						case 2:
							if !sameBits(stepAllErr(n, xs), wantSteps) {
								return fmt.Errorf("BatchState.Step differs")
							}
						}
					}
					return nil
				}()
			}()
		}
		wg.Wait()
		for g, err := range errs {
			require.NoError(t, err, "%v goroutine %d", cell, g)
		}
	}
}

func sameBits(a, b kernel.Matrix) bool {
	_, _, diff := bitsDiff(a, b)
	return !diff
}

// stepAllErr is stepAll for a goroutine other than the test's: an error
// gives an empty matrix.
func stepAllErr(n *Net, xs []kernel.Matrix) kernel.Matrix {
	B, T := len(xs), xs[0].Rows
	bs := n.NewBatchState(B)
	x, y := kernel.NewMatrix(B, n.cfg.Input), kernel.NewMatrix(B, n.cfg.OutWidth())
	out := kernel.NewMatrix(B*T, n.cfg.OutWidth())
	for s := range T {
		for b := range B {
			copy(x.Row(b), xs[b].Row(s))
		}
		if bs.Step(y, x) != nil {
			return kernel.Matrix{}
		}
		for b := range B {
			copy(out.Row(b*T+s), y.Row(b))
		}
	}
	return out
}

// TestPackedLevelChange: packed weights belong to the level that packed
// them; after kernel.SetLevel the next run repacks for the new level
// (GemmPacked would panic on the old packing) and matches Gemm there.
func TestPackedLevelChange(t *testing.T) {
	n, err := New(Config{Cell: LSTM, Input: 5, Hidden: 8, Output: 3}, 12)
	require.NoError(t, err)
	xs := randSeqs(rand.New(rand.NewPCG(12, 12)), 4, 6, 5)
	u := unpacked(n)
	requireSameBatch(t, n, u, xs) // packs at the active level
	for _, l := range kernel.Available() {
		restore, err := kernel.SetLevel(l)
		require.NoError(t, err)
		requireSameBatch(t, n, u, xs)
		restore()
	}
	requireSameBatch(t, n, u, xs)
}
