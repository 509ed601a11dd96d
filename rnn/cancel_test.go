package rnn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
	"github.com/stretchr/testify/require"
)

// paramBits returns the bit patterns of every weight in ps, to compare
// models bit for bit (-0 and +0 differ, as they should here).
func paramBits(ps []Param) [][]uint32 {
	out := make([][]uint32, len(ps))
	for i, p := range ps {
		out[i] = make([]uint32, len(p.Data))
		for j, v := range p.Data {
			out[i][j] = math.Float32bits(v)
		}
	}
	return out
}

// cancelSoon returns a context cancelled after d and a function that
// reports how long ago it was cancelled.
func cancelSoon(t *testing.T, d time.Duration) (context.Context, func() time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var at atomic.Int64
	time.AfterFunc(d, func() {
		at.Store(time.Now().UnixNano())
		cancel()
	})
	return ctx, func() time.Duration {
		ns := at.Load()
		require.NotZero(t, ns, "returned before the cancel")
		return time.Since(time.Unix(0, ns))
	}
}

// TestLMTrainCancelInsideUpdate: an update of ten million windows (hours
// of work) cancelled after 100 ms returns within a second, with an error
// wrapping context.Canceled, and leaves the weights bit-identical and
// the optimiser untouched: training on afterwards gives exactly what it
// gives without the cancelled update.
func TestLMTrainCancelInsideUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	toks := make([]int, 2000)
	for i := range toks {
		toks[i] = r.IntN(20)
	}
	newLM := func() *LM {
		m, err := NewLM(LMConfig{Vocab: 20, Embed: 4, Hidden: 16}, 3)
		require.NoError(t, err)
		return m
	}
	small := LMTrainConfig{Steps: 2, SeqLen: 16, BatchSize: 3, ClipNorm: 5, Seed: 7}

	m, opt := newLM(), optim.NewAdam(0.01)
	small.Optimizer = opt
	_, err := m.Train(toks, small)
	require.NoError(t, err)
	before := paramBits(m.Params())

	ctx, sinceCancel := cancelSoon(t, 100*time.Millisecond)
	steps := 0
	_, err = m.Train(toks, LMTrainConfig{Steps: 1, SeqLen: 16, BatchSize: 10_000_000, Optimizer: opt, Seed: 8,
		Context: ctx, Progress: func(Progress) { steps++ }})
	late := sinceCancel()
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, late, time.Second, "the cancel took effect after %v", late)
	require.Zero(t, steps, "a cancelled update was reported")
	require.Equal(t, before, paramBits(m.Params()), "the cancelled update changed the weights")
	require.Equal(t, 2, opt.Steps(), "the cancelled update stepped the optimiser")

	// The optimiser's moments are untouched too: the next updates are
	// those of a run that never saw the cancelled one.
	_, err = m.Train(toks, small)
	require.NoError(t, err)
	ref, refOpt := newLM(), optim.NewAdam(0.01)
	small.Optimizer = refOpt
	for range 2 {
		_, err = ref.Train(toks, small)
		require.NoError(t, err)
	}
	require.Equal(t, paramBits(ref.Params()), paramBits(m.Params()))
}

// TestNetTrainCancelInsideUpdate: the same for Net.Train, and a context
// cancelled before the first update leaves the model as it was.
func TestNetTrainCancelInsideUpdate(t *testing.T) {
	n, err := New(Config{Input: 2, Hidden: 12, Output: 3, OutputActivation: Softmax}, 4)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]Sample, 50)
	for i := range data {
		x := kernel.NewMatrix(40, 2)
		y := kernel.NewMatrix(40, 3)
		for t := range 40 {
			x.Set(t, 0, float32(r.NormFloat64()))
			x.Set(t, 1, float32(r.NormFloat64()))
			y.Set(t, r.IntN(3), 1)
		}
		data[i] = Sample{X: x, Y: y}
	}
	opt := optim.NewAdam(0.01)
	_, err = n.Train(data, TrainConfig{Steps: 1, BatchSize: 4, Optimizer: opt})
	require.NoError(t, err)
	before := paramBits(n.Params())

	// 200 000 sequences of 40 steps: far more than 100 ms of work.
	ctx, sinceCancel := cancelSoon(t, 100*time.Millisecond)
	_, err = n.Train(data, TrainConfig{Steps: 1, BatchSize: 200_000, Optimizer: opt, Context: ctx})
	late := sinceCancel()
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, late, time.Second, "the cancel took effect after %v", late)
	require.Equal(t, before, paramBits(n.Params()))
	require.Equal(t, 1, opt.Steps())

	done, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = n.Train(data, TrainConfig{Steps: 3, Optimizer: opt, Context: done})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.ErrorContains(t, err, "update 1 of 3")
	require.Equal(t, before, paramBits(n.Params()))
}
