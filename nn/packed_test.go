package nn_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// newEncoder returns an encoder drawn from seed, never run.
func newEncoder(t *testing.T, c nn.Config, seed uint64) *nn.Encoder {
	e, err := nn.NewEncoder(c)
	require.NoError(t, err)
	e.Init(rand.New(rand.NewPCG(seed, 1)))
	return e
}

// TestSharedEncoder: goroutines sharing one encoder that has never run
// race to pack its weights (run with -race) and all get the output of a
// serial run.
func TestSharedEncoder(t *testing.T) {
	c := nn.Config{DModel: 32, Heads: 4, FF: 48, Layers: 2, FinalNorm: true}
	r := rand.New(rand.NewPCG(3, 4))
	x := randMatrix(r, 20, 32)
	want, err := newEncoder(t, c, 7).Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
	require.NoError(t, err)
	e := newEncoder(t, c, 7)
	outs := make([]kernel.Matrix, 6)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			for range 5 {
				y, err := e.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
				if err != nil {
					panic(err)
				}
				outs[i] = y
			}
		})
	}
	wg.Wait()
	for _, o := range outs {
		require.Equal(t, want.Data, o.Data)
	}
}

// TestWeightsChanged: after its weights change in place, an encoder that
// has run gives the output of one that never ran with the new weights
// once WeightsChanged is called, and so does Linear.
func TestWeightsChanged(t *testing.T) {
	c := nn.Config{DModel: 16, Heads: 2, FF: 24, Layers: 2}
	r := rand.New(rand.NewPCG(5, 6))
	x := randMatrix(r, 9, 16)
	change := func(e *nn.Encoder) {
		for _, l := range e.Layers {
			l.SelfAttn.InProj.Data[5] += 0.5
			l.SelfAttn.OutProj.Data[7] -= 0.5
			l.FF.Linear1.W.Data[3] *= 2
			l.FF.Linear2.W.Data[11] += 1
		}
	}
	e := newEncoder(t, c, 9)
	before, err := e.Forward(kernel.Matrix{}, x, nn.Mask{})
	require.NoError(t, err)
	change(e)
	e.WeightsChanged()
	got, err := e.Forward(kernel.Matrix{}, x, nn.Mask{})
	require.NoError(t, err)
	fresh := newEncoder(t, c, 9)
	change(fresh)
	want, err := fresh.Forward(kernel.Matrix{}, x, nn.Mask{})
	require.NoError(t, err)
	require.NotEqual(t, before.Data, want.Data)
	require.Equal(t, want.Data, got.Data)

	l := &e.Layers[0].FF.Linear1
	y0, err := l.Forward(kernel.Matrix{}, x)
	require.NoError(t, err)
	l.W.Data[0] += 1
	l.WeightsChanged()
	y1, err := l.Forward(kernel.Matrix{}, x)
	require.NoError(t, err)
	for i := range x.Rows {
		require.NotEqual(t, y0.At(i, 0), y1.At(i, 0), "row %d sees the new weight", i)
	}
}

// TestBackwardLeavesNoStalePacking: in the loop Forward, Backward, an
// optimiser's step on Params, without WeightsChanged, every Forward and
// Backward sees the stepped weights (Backward leaves no packed form
// behind): the same bits as the loop that calls WeightsChanged after each
// step.
func TestBackwardLeavesNoStalePacking(t *testing.T) {
	c := nn.Config{DModel: 16, Heads: 2, FF: 24, Layers: 1}
	r := rand.New(rand.NewPCG(11, 12))
	x, dy := randMatrix(r, 7, 16), randMatrix(r, 7, 16)
	train := func(announce bool) []float32 {
		l, err := nn.NewEncoderLayer(c)
		require.NoError(t, err)
		l.Init(rand.New(rand.NewPCG(13, 14)))
		for range 3 {
			_, err := l.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
			require.NoError(t, err)
			g := l.NewGrads()
			require.NoError(t, l.Backward(g, kernel.Matrix{}, dy, x, nn.Mask{Causal: true}))
			for _, p := range l.Params(g, "") {
				for i := range p.Value {
					p.Value[i] -= 0.1 * p.Grad[i]
				}
			}
			if announce {
				l.WeightsChanged()
			}
		}
		y, err := l.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
		require.NoError(t, err)
		return y.Data
	}
	require.Equal(t, train(true), train(false))
}
