package attn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// fdModel checks every parameter gradient in g against central
// differences of loss.
func fdModel(t *testing.T, name string, m *MultiHead, g *MultiHeadGrads, loss func() float64) {
	t.Helper()
	for _, w := range []struct {
		n    string
		w, g kernel.Matrix
	}{{"InProj", m.InProj, g.InProj}, {"QProj", m.QProj, g.QProj}, {"KProj", m.KProj, g.KProj},
		{"VProj", m.VProj, g.VProj}, {"OutProj", m.OutProj, g.OutProj}} {
		if w.w.Data != nil {
			fdMatrix(t, name+" d"+w.n, w.w, w.g, loss)
		}
	}
	if m.InBias != nil {
		fdCheck(t, name+" dInBias", m.InBias, g.InBias, loss)
		fdCheck(t, name+" dOutBias", m.OutBias, g.OutBias, loss)
	}
}

// weighted is the loss Σ dy ⊙ out.
func weighted(dy kernel.Matrix, out [][]float64) float64 {
	var s float64
	for i := range out {
		s += dot64(dy.Row(i), out[i])
	}
	return s
}

// TestGroupedBackwardFD: self-attention gradients with grouped and
// multi-query heads and rotary embeddings, against central differences of
// the float64 reference.
func TestGroupedBackwardFD(t *testing.T) {
	r := kerneltest.Rand(70)
	T := 5
	for i, c := range []struct {
		cfg MultiHeadConfig
		rot *Rotary
	}{
		{MultiHeadConfig{DModel: 8, Heads: 4, KVHeads: 2, Bias: true}, nil},
		{MultiHeadConfig{DModel: 8, Heads: 2, KVHeads: 1}, mustRotary(t, 4, 0, false)},
		{MultiHeadConfig{DModel: 12, Heads: 2, Bias: true}, mustRotary(t, 4, 100, true)}, // packed, rotary
	} {
		m := newTestConfig(t, uint64(80+i), c.cfg)
		m.Rotary = c.rot
		x := randMatrix(r, T, c.cfg.DModel, 1, -1, 1)
		dy := randMatrix(r, T, c.cfg.DModel, 0, -1, 1)
		for _, opt := range []Options{{Causal: true}, {KeepKeys: []bool{true, false, true, true, false}}} {
			loss := func() float64 { return weighted(dy, refAttention(m, x, x, x, 0, opt)) }
			g := m.NewGrads()
			dx := kernel.NewMatrix(T, c.cfg.DModel)
			require.NoError(t, m.Backward(g, dx, dy, x, opt))
			name := modelName(m)
			fdMatrix(t, name+" dx", x, dx, loss)
			fdModel(t, name, m, g, loss)
		}
	}
}

// TestCrossBackwardFD: cross-attention gradients (kdim, vdim ≠ d_model,
// grouped heads, key padding) against central differences, the memory's
// gradient accumulated from the key and value sides into one matrix.
func TestCrossBackwardFD(t *testing.T) {
	r := kerneltest.Rand(71)
	tq, tk := 3, 5
	for i, cfg := range []MultiHeadConfig{
		{DModel: 8, Heads: 2, KDim: 5, VDim: 7, Bias: true},
		{DModel: 8, Heads: 4, KVHeads: 1, KDim: 6, VDim: 6},
	} {
		m := newTestConfig(t, uint64(90+i), cfg)
		q := randMatrix(r, tq, 8, 1, -1, 1)
		k := randMatrix(r, tk, m.kDim(), 0, -1, 1)
		v := randMatrix(r, tk, m.vDim(), 2, -1, 1)
		dy := randMatrix(r, tq, 8, 0, -1, 1)
		for _, opt := range []Options{{KeepKeys: []bool{true, true, false, true, false}}, {Causal: true, Temperature: 1.5}} {
			loss := func() float64 { return weighted(dy, refAttention(m, q, k, v, 0, opt)) }
			g := m.NewGrads()
			dq, dk, dv := kernel.NewMatrix(tq, 8), kernel.NewMatrix(tk, m.kDim()), kernel.NewMatrix(tk, m.vDim())
			require.NoError(t, m.CrossBackward(g, dq, dk, dv, dy, q, k, v, opt))
			name := fmt.Sprintf("cross %d", i)
			fdMatrix(t, name+" dQuery", q, dq, loss)
			fdMatrix(t, name+" dKey", k, dk, loss)
			fdMatrix(t, name+" dValue", v, dv, loss)
			fdModel(t, name, m, g, loss)
		}
	}
	// One memory for keys and values: its gradient is the sum.
	m := newTestConfig(t, 99, MultiHeadConfig{DModel: 8, Heads: 2, KDim: 6, VDim: 6, Bias: true})
	q, mem, dy := randMatrix(r, tq, 8, 0, -1, 1), randMatrix(r, tk, 6, 0, -1, 1), randMatrix(r, tq, 8, 0, -1, 1)
	both, dk, dv := kernel.NewMatrix(tk, 6), kernel.NewMatrix(tk, 6), kernel.NewMatrix(tk, 6)
	require.NoError(t, m.CrossBackward(m.NewGrads(), kernel.Matrix{}, both, both, dy, q, mem, mem, Options{}))
	require.NoError(t, m.CrossBackward(m.NewGrads(), kernel.Matrix{}, dk, dv, dy, q, mem, mem, Options{}))
	kernel.Add(dk.Data, dk.Data, dv.Data)
	near(t, "memory", both.Data, f64(dk.Data), 1e-6)
}

// TestGroupedBackwardParallel: the key/value groups spread over
// goroutines give the serial gradients; run with -race too.
func TestGroupedBackwardParallel(t *testing.T) {
	r := kerneltest.Rand(72)
	e, T := 64, 130
	m := newTestConfig(t, 73, MultiHeadConfig{DModel: e, Heads: 4, KVHeads: 2, Bias: true})
	m.Rotary = mustRotary(t, 16, 0, false)
	x := randMatrix(r, T, e, 0, -1, 1)
	dy := randMatrix(r, T, e, 0, -1, 1)
	requireParallelGrads(t, m, x, dy, Options{Causal: true})
	require.GreaterOrEqual(t, 2*T*T*(e/4), parallelMinWork)
}
