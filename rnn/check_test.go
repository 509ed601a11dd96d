package rnn

import (
	"errors"
	"math"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

func TestHugeConfigs(t *testing.T) {
	for _, cfg := range []Config{
		{Input: 1 << 32, Hidden: 1 << 32}, // 2⁶⁴ wraps to 0: once an empty model
		{Input: 1 << 32, Hidden: 1},       // 4·2³⁰ weights, over MaxWeights
		{Input: 1, Hidden: 1 << 31},       // Whh alone is 2⁶²
		{Input: 1, Hidden: math.MaxInt},   // Hidden·Hidden overflows
		{Input: math.MaxInt, Hidden: 2},   // Hidden·Input overflows
		{Input: 1, Hidden: 1, Layers: 1 << 40},
		{Input: 1, Hidden: 1, Layers: math.MaxInt},
		{Input: 1, Hidden: 1, Output: math.MaxInt},
		{Input: 1, Hidden: math.MaxInt/2 + 1, Bidirectional: true}, // Width overflows
		{Input: 1 << 15, Hidden: 1 << 15, Layers: 2},               // 2³⁰ + 3·2³⁰: just over
	} {
		n, err := New(cfg, 1)
		require.ErrorIs(t, err, ErrConfig, "%+v", cfg)
		require.Nil(t, n)
	}
	for _, cfg := range []LMConfig{
		{Vocab: 1 << 32, Embed: 1 << 32, Hidden: 4},
		{Vocab: 1 << 20, Embed: 1 << 11, Hidden: 4}, // the embedding alone is 2³¹
		{Vocab: 1 << 32, Hidden: 1 << 32},
	} {
		m, err := NewLM(cfg, 1)
		require.ErrorIs(t, err, ErrConfig, "%+v", cfg)
		require.Nil(t, m)
	}
	// At the limit: counted exactly, and accepted (without allocating
	// 4 GiB here: weightCount alone).
	c, err := Config{Input: MaxWeights - 4, Hidden: 1, Output: 1}.normalized() // 1·(in+1+1) + 1·(1+1) = MaxWeights
	require.NoError(t, err)
	n, ok := weightCount(c)
	require.True(t, ok)
	require.Equal(t, uint64(MaxWeights), n)
	c.Input++ // one over
	_, ok = weightCount(c)
	require.False(t, ok)
}

// modelCalls runs every model method that validates its Net on n, with
// inputs of n's configured shape, and returns each call's error.
func modelCalls(n *Net, in int) map[string]error {
	xs := kernel.NewMatrix(3, max(in, 0))
	errs := map[string]error{}
	_, errs["Forward"] = n.Forward(xs)
	_, errs["Last"] = n.Last(xs)
	_, errs["ForwardBatch"] = n.ForwardBatch([]kernel.Matrix{xs, xs})
	_, errs["Trace"] = n.Trace(xs)
	_, errs["TraceLast"] = n.TraceLast(xs)
	errs["Step"] = n.NewState().Step(make([]float32, n.cfg.OutWidth()), make([]float32, max(in, 0)))
	return errs
}

func TestZeroNet(t *testing.T) {
	var n Net
	for fn, err := range modelCalls(&n, 0) {
		require.ErrorIs(t, err, ErrConfig, fn)
	}
	good, err := New(Config{Input: 2, Hidden: 3}, 1)
	require.NoError(t, err)
	tr, err := good.Trace(kernel.NewMatrix(3, 2))
	require.NoError(t, err)
	_, err = n.Backward(tr, kernel.NewMatrix(3, 3), good.NewGrad())
	require.ErrorIs(t, err, ErrConfig)
}

func TestHandModifiedNet(t *testing.T) {
	cfg := Config{Input: 4, Hidden: 5, Layers: 2, Output: 3, Bidirectional: true, Bias: BiasPair}
	hostile := kernel.Matrix{Rows: 5, Cols: 4, Stride: math.MaxInt, Data: make([]float32, 4)}
	for name, spoil := range map[string]func(n *Net){
		"Wih wrong shape":      func(n *Net) { n.Cells[0].Wih = kernel.NewMatrix(4, 5) },
		"Wih hostile stride":   func(n *Net) { n.Cells[0].Wih = hostile },
		"upper Wih too narrow": func(n *Net) { n.Cells[2].Wih = kernel.NewMatrix(5, 5) },
		"Whh wrong shape":      func(n *Net) { n.Cells[3].Whh = kernel.NewMatrix(5, 4) },
		"Whh empty":            func(n *Net) { n.Cells[1].Whh = kernel.Matrix{} },
		"Wy wrong shape":       func(n *Net) { n.Wy = kernel.NewMatrix(3, 5) },
		"Wy short data":        func(n *Net) { n.Wy.Data = n.Wy.Data[:7] },
		"By short":             func(n *Net) { n.By = n.By[:2] },
		"Bih short":            func(n *Net) { n.Cells[1].Bih = n.Cells[1].Bih[:1] },
		"Bhh missing":          func(n *Net) { n.Cells[2].Bhh = nil },
		"a cell missing":       func(n *Net) { n.Cells = n.Cells[:3] },
		"no cells":             func(n *Net) { n.Cells = nil },
	} {
		t.Run(name, func(t *testing.T) {
			n, err := New(cfg, 1)
			require.NoError(t, err)
			spoil(n)
			for fn, err := range modelCalls(n, cfg.Input) {
				require.ErrorIs(t, err, ErrShape, fn)
			}
			// Backward checks the network, and a grad spoilt alike.
			good, _ := New(cfg, 1)
			tr, err := good.Trace(kernel.NewMatrix(3, cfg.Input))
			require.NoError(t, err)
			dOut := kernel.NewMatrix(3, cfg.Output)
			_, err = n.Backward(tr, dOut, good.NewGrad())
			require.ErrorIs(t, err, ErrShape)
			_, err = good.Backward(tr, dOut, n)
			require.ErrorIs(t, err, ErrShape)
			_, err = good.Backward(tr, dOut, good.NewGrad())
			require.NoError(t, err)
		})
	}
}

func TestHandModifiedTrace(t *testing.T) {
	cfg := Config{Input: 4, Hidden: 5, Output: 3}
	n, err := New(cfg, 1)
	require.NoError(t, err)
	for name, spoil := range map[string]func(tr *Trace){
		"input wrong width":  func(tr *Trace) { tr.X = kernel.NewMatrix(3, 2) },
		"input hostile":      func(tr *Trace) { tr.X = kernel.Matrix{Rows: 3, Cols: 4, Stride: math.MaxInt, Data: make([]float32, 4)} },
		"layer wrong height": func(tr *Trace) { tr.Layers[0] = kernel.NewMatrix(2, 5) },
		"layer short data":   func(tr *Trace) { tr.Layers[0].Data = tr.Layers[0].Data[:4] },
		"layers missing":     func(tr *Trace) { tr.Layers = nil },
	} {
		tr, err := n.Trace(kernel.NewMatrix(3, cfg.Input))
		require.NoError(t, err)
		spoil(tr)
		_, err = n.Backward(tr, kernel.NewMatrix(3, cfg.Output), n.NewGrad())
		require.ErrorIs(t, err, ErrShape, name)
	}
	_, err = n.Backward(nil, kernel.NewMatrix(3, cfg.Output), n.NewGrad())
	require.ErrorIs(t, err, ErrShape)
}

func TestStateValidatesOnce(t *testing.T) {
	n, err := New(Config{Input: 2, Hidden: 3, Output: 1}, 1)
	require.NoError(t, err)
	n.Cells[0].Whh = kernel.NewMatrix(2, 2)
	s := n.NewState()
	for range 2 {
		err := s.Step(make([]float32, 1), make([]float32, 2))
		require.ErrorIs(t, err, ErrShape)
		require.False(t, errors.Is(err, ErrConfig))
	}
}
