package rnn

import (
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// withSplit sets kernel.SetThreads(threads) and makes every piece of
// work worth splitting, until the test ends.
func withSplit(t *testing.T, threads int) {
	t.Helper()
	setSplit(threads)
	t.Cleanup(func() { kernel.SetThreads(0); splitFlopsOverride = 0 })
}

func setSplit(threads int) {
	kernel.SetThreads(threads)
	splitFlopsOverride = 1
}

func TestThreadsFor(t *testing.T) {
	kernel.SetThreads(2)
	defer kernel.SetThreads(0)
	require.Equal(t, 1, threadsFor(splitFlops, 8), "one share's worth of work went to two goroutines")
	require.Equal(t, 2, threadsFor(2*splitFlops, 8))
	require.Equal(t, 2, threadsFor(100*splitFlops, 8), "more goroutines than kernel.Threads()")
	require.Equal(t, 1, threadsFor(100*splitFlops, 1), "more goroutines than shares")
	require.Equal(t, 1, threadsFor(0, 0))
	for _, tc := range []struct{ n, k, unit int }{{10, 3, 1}, {50, 2, 24}, {7, 7, 1}, {5, 2, 24}} {
		next := 0
		for i := range tc.k {
			lo, hi := part(tc.n, tc.k, i, tc.unit)
			require.Equal(t, next, lo, "%+v share %d", tc, i)
			require.LessOrEqual(t, lo, hi)
			next = hi
		}
		require.Equal(t, tc.n, next, "%+v: the shares do not cover the whole", tc)
	}
}

// TestThreadsSameBits runs ForwardBatch (its batch split across
// goroutines) and Forward on one thread and on two with every split of
// rnn's taken (kernel.GemmPacked splits its large products by its own
// threshold, tested in kernel): the outputs must agree to the bit, since
// every element is computed the same way.
func TestThreadsSameBits(t *testing.T) {
	for _, tc := range packedConfigs() {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(tc.cfg, 8)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(8, 8))
			xs := randSeqs(r, 5, 11, n.cfg.Input)
			run := func(threads int) ([]kernel.Matrix, kernel.Matrix) {
				withSplit(t, threads)
				ys, err := n.ForwardBatch(xs)
				require.NoError(t, err)
				long := kernel.NewMatrix(60, n.cfg.Input)
				copy(long.Data, randMat(rand.New(rand.NewPCG(9, 9)), 60, n.cfg.Input).Data)
				y, err := n.Forward(long)
				require.NoError(t, err)
				return ys, y
			}
			ys1, y1 := run(1)
			ys2, y2 := run(2)
			for b := range ys1 {
				requireSameBits(t, ys1[b], ys2[b], "ForwardBatch seq %d", b)
			}
			requireSameBits(t, y1, y2, "Forward")
		})
	}
}

// TestLMTrainThreads trains the same LM on one thread and on two (the
// windows of every update split across goroutines): each is
// deterministic, one thread reproduces the serial loop, and two threads
// differ from one only by the rounding of the regrouped gradient sum.
// It fails if the windows' offsets, the groups or their sum depended on
// the scheduling of the goroutines.
func TestLMTrainThreads(t *testing.T) {
	tokens := make([]int, 400)
	r := rand.New(rand.NewPCG(10, 10))
	for i := range tokens {
		tokens[i] = r.IntN(11)
	}
	// The GRU's update takes two rounds of windows (trainRound).
	for _, tc := range []struct {
		cell  CellType
		batch int
	}{{Elman, 5}, {LSTM, 5}, {GRU, trainRound + 3}} {
		cell, batch := tc.cell, tc.batch
		train := func(threads int) (*LM, float64) {
			withSplit(t, threads)
			m, err := NewLM(LMConfig{Cell: cell, Vocab: 11, Embed: 5, Hidden: 12, Layers: 2}, 11)
			require.NoError(t, err)
			J, err := m.Train(tokens, LMTrainConfig{Steps: 4, SeqLen: 20, BatchSize: batch, ClipNorm: 1, Seed: 3})
			require.NoError(t, err)
			return m, J
		}
		serial := func() (*LM, float64) { // LM.Train's loop written out serially
			withSplit(t, 1)
			m, err := NewLM(LMConfig{Cell: cell, Vocab: 11, Embed: 5, Hidden: 12, Layers: 2}, 11)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(3, 0x6c6d))
			grad := m.NewGrad()
			params := m.OptimParams(grad)
			opt := optimizerOrAdam(nil)
			var last float64
			for step := 1; step <= 4; step++ {
				for _, p := range grad.Params() {
					clear(p.Data)
				}
				var total float64
				for range batch {
					off := rng.IntN(len(tokens) - 20)
					J, err := m.LossGrad(tokens[off:off+21], grad, 1/float32(20*batch), 0)
					require.NoError(t, err)
					total += J
				}
				last = total / float64(20*batch)
				update(params, opt, 1, nil, step, last)
				m.Net.WeightsChanged()
			}
			return m, last
		}
		m1, J1 := train(1)
		ms, Js := serial()
		m1b, J1b := train(1)
		m2, J2 := train(2)
		m2b, J2b := train(2)
		require.Equal(t, Js, J1, "%v: one thread is not the serial loop", cell)
		require.Equal(t, J1, J1b)
		require.Equal(t, J2, J2b, "%v: two threads are not deterministic", cell)
		require.Equal(t, paramBits(ms.Params()), paramBits(m1.Params()), "%v", cell)
		require.Equal(t, paramBits(m1.Params()), paramBits(m1b.Params()), "%v", cell)
		require.Equal(t, paramBits(m2.Params()), paramBits(m2b.Params()), "%v", cell)
		require.InDelta(t, J1, J2, 1e-5*J1, "%v: two threads' loss is not the same up to rounding", cell)
		ps1, ps2 := m1.Params(), m2.Params()
		for i := range ps1 {
			for j := range ps1[i].Data {
				// Four Adam updates of at most about lr=0.01 each: the
				// regrouped sums move a weight by far less.
				require.InDelta(t, ps1[i].Data[j], ps2[i].Data[j], 1e-4, "%v %s[%d]", cell, ps1[i].Name, j)
			}
		}
	}
}
