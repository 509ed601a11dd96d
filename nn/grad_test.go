package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
)

// The gradient checks: the loss Σ w⊙y with random weights w (so dy = w),
// its gradients by central differences of the float64 references, and
// Backward's float32 gradients, which must agree to
// 1e-4·max|numeric| + 1e-3·|numeric| per element.

const fdStep = 1e-6

func randMatrix(r *rand.Rand, rows, cols int) kernel.Matrix {
	m := kernel.NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = float32(r.NormFloat64())
	}
	return m
}

func randFill(r *rand.Rand, x []float32, mean, sd float64) {
	for i := range x {
		x[i] = float32(mean + sd*r.NormFloat64())
	}
}

// loss64 is Σ w⊙y.
func loss64(y mat64, w kernel.Matrix) float64 {
	s := 0.0
	for i, v := range y.d {
		s += v * float64(w.Data[i])
	}
	return s
}

// numGrad returns ∂loss/∂p[i] for every i by central differences.
func numGrad(p []float64, loss func() float64) []float64 {
	g := make([]float64, len(p))
	for i := range p {
		v := p[i]
		p[i] = v + fdStep
		lp := loss()
		p[i] = v - fdStep
		lm := loss()
		p[i] = v
		g[i] = (lp - lm) / (2 * fdStep)
	}
	return g
}

// requireGrad compares Backward's gradient got with the numeric want.
func requireGrad(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	require.NotZero(t, scale, "%s: an all-zero gradient tests nothing", what)
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > 1e-4*scale+1e-3*math.Abs(w) {
			t.Fatalf("%s[%d] = %v, central differences %v (scale %.3g)", what, i, got[i], w, scale)
		}
	}
}

func TestLayerNormBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, affine := range []bool{true, false} {
		n, err := nn.NewLayerNorm(11, 1e-5, affine)
		require.NoError(t, err)
		if affine {
			randFill(r, n.Weight, 1, 0.3)
			randFill(r, n.Bias, 0, 0.3)
		}
		x, w := randMatrix(r, 4, 11), randMatrix(r, 4, 11)
		g := n.NewGrads()
		dx := kernel.NewMatrix(4, 11)
		require.NoError(t, n.Backward(g, dx, w, x))
		x64, gm, bt := toMat64(x), to64(n.Weight), to64(n.Bias)
		loss := func() float64 { return loss64(layerNorm64(x64, gm, bt, 1e-5), w) }
		requireGrad(t, "dx", dx.Data, numGrad(x64.d, loss))
		if affine {
			requireGrad(t, "dγ", g.Weight, numGrad(gm, loss))
			requireGrad(t, "dβ", g.Bias, numGrad(bt, loss))
		}
	}
}

func TestFeedForwardBackward(t *testing.T) {
	for _, act := range []nn.Activation{nn.ReLU, nn.GELU, nn.GELUTanh} {
		t.Run(act.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(act)))
			f, err := nn.NewFeedForward(6, 10, act)
			require.NoError(t, err)
			f.Linear1.Init(r)
			f.Linear2.Init(r)
			x, w := randMatrix(r, 5, 6), randMatrix(r, 5, 6)
			g := f.NewGrads()
			dx := kernel.NewMatrix(5, 6)
			require.NoError(t, f.Backward(g, dx, w, x))
			p, x64 := ffParamsOf(f), toMat64(x)
			loss := func() float64 { return loss64(p.forward(x64), w) }
			requireGrad(t, "dx", dx.Data, numGrad(x64.d, loss))
			for i, s := range [][]float64{p.w1, p.b1, p.w2, p.b2} {
				requireGrad(t, fmt.Sprint("param ", i), [][]float32{g.Linear1.W.Data, g.Linear1.B, g.Linear2.W.Data, g.Linear2.B}[i], numGrad(s, loss))
			}
		})
	}
}

// newTestEncoderLayer returns a small random layer with non-trivial biases
// and norms.
func newTestEncoderLayer(t testing.TB, r *rand.Rand, c nn.Config) *nn.EncoderLayer {
	l, err := nn.NewEncoderLayer(c)
	require.NoError(t, err)
	l.Init(r)
	randFill(r, l.SelfAttn.InBias, 0, 0.1)
	randFill(r, l.SelfAttn.OutBias, 0, 0.1)
	for _, n := range []*nn.LayerNorm{&l.Norm1, &l.Norm2} {
		randFill(r, n.Weight, 1, 0.2)
		randFill(r, n.Bias, 0, 0.2)
	}
	return l
}

func TestEncoderLayerBackward(t *testing.T) {
	for _, c := range []struct {
		normFirst, causal, pad bool
		act                    nn.Activation
	}{{false, false, false, nn.ReLU}, {true, true, false, nn.GELU}, {false, true, true, nn.GELU}, {true, false, true, nn.GELUTanh}} {
		t.Run(fmt.Sprintf("normFirst=%v,causal=%v,pad=%v,%v", c.normFirst, c.causal, c.pad, c.act), func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			l := newTestEncoderLayer(t, r, nn.Config{DModel: 8, Heads: 2, FF: 12, Activation: c.act, NormFirst: c.normFirst})
			const T = 5
			x, w := randMatrix(r, T, 8), randMatrix(r, T, 8)
			var keep []bool
			if c.pad {
				keep = []bool{true, false, true, true, false}
			}
			g := l.NewGrads()
			dx := kernel.NewMatrix(T, 8)
			require.NoError(t, l.Backward(g, dx, w, x, nn.Mask{Causal: c.causal, KeepKeys: keep}))
			p, x64 := encParamsOf(l), toMat64(x)
			loss := func() float64 { return loss64(p.forward(x64, c.causal, keep), w) }
			requireGrad(t, "dx", dx.Data, numGrad(x64.d, loss))
			ps := l.Params(g, "")
			for i, s := range p.slices() {
				requireGrad(t, ps[i].Name, ps[i].Grad, numGrad(s, loss))
			}
		})
	}
}

// TestEncoderBackward: the stack's Backward equals the layers' Backward
// chained by hand through the final norm, and its Params list every
// parameter once with torch's names.
func TestEncoderBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	c := nn.Config{DModel: 8, Heads: 2, FF: 12, Activation: nn.GELU, NormFirst: true, Layers: 3, FinalNorm: true}
	e, err := nn.NewEncoder(c)
	require.NoError(t, err)
	for i := range e.Layers {
		e.Layers[i] = newTestEncoderLayer(t, r, c)
	}
	randFill(r, e.Norm.Weight, 1, 0.2)
	randFill(r, e.Norm.Bias, 0, 0.2)
	const T = 6
	x, w := randMatrix(r, T, 8), randMatrix(r, T, 8)
	m := nn.Mask{Causal: true}
	g := e.NewGrads()
	dx := kernel.NewMatrix(T, 8)
	require.NoError(t, e.Backward(g, dx, w, x, m))

	// By hand.
	hs := []kernel.Matrix{x}
	for _, l := range e.Layers {
		h, err := l.Forward(kernel.Matrix{}, hs[len(hs)-1], m)
		require.NoError(t, err)
		hs = append(hs, h)
	}
	want := e.NewGrads()
	dy := kernel.NewMatrix(T, 8)
	require.NoError(t, e.Norm.Backward(want.Norm, dy, w, hs[3]))
	for i := 2; i >= 0; i-- {
		d := kernel.NewMatrix(T, 8)
		require.NoError(t, e.Layers[i].Backward(want.Layers[i], d, dy, hs[i], m))
		dy = d
	}
	require.Equal(t, want, g)
	require.Equal(t, dy.Data, dx.Data)

	ps := e.Params(g, "encoder.")
	require.Len(t, ps, 3*12+2)
	require.Equal(t, "encoder.layers.2.self_attn.in_proj_weight", ps[24].Name)
	require.Equal(t, "encoder.norm.bias", ps[len(ps)-1].Name)
	require.NotZero(t, optim.GlobalNorm(ps))
}

// TestForwardReference: the feed-forward block for every activation (the
// tanh form of GELU included, which torch 1.13's layers cannot name) and
// encoder layers agree with the float64 references to 1e-5 relative.
func TestForwardReference(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, act := range []nn.Activation{nn.ReLU, nn.GELU, nn.GELUTanh} {
		f, err := nn.NewFeedForward(12, 20, act)
		require.NoError(t, err)
		f.Linear1.Init(r)
		f.Linear2.Init(r)
		x := randMatrix(r, 7, 12)
		y, err := f.Forward(kernel.Matrix{}, x)
		require.NoError(t, err)
		torchtest.RequireClose(t, "FeedForward "+act.String(), y.Data, to32(ffParamsOf(f).forward(toMat64(x)).d))
		for _, normFirst := range []bool{false, true} {
			l := newTestEncoderLayer(t, r, nn.Config{DModel: 12, Heads: 3, FF: 20, Activation: act, NormFirst: normFirst})
			y, err := l.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
			require.NoError(t, err)
			torchtest.RequireClose(t, fmt.Sprint("EncoderLayer ", act, normFirst), y.Data, to32(encParamsOf(l).forward(toMat64(x), true, nil).d))
		}
	}
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func TestDecoderLayerBackward(t *testing.T) {
	for _, normFirst := range []bool{false, true} {
		t.Run(fmt.Sprint("normFirst=", normFirst), func(t *testing.T) {
			r := rand.New(rand.NewPCG(15, 16))
			l, err := nn.NewDecoderLayer(nn.Config{DModel: 8, Heads: 2, FF: 12, Activation: nn.GELU, NormFirst: normFirst})
			require.NoError(t, err)
			l.Init(r)
			for _, m := range []*attn.MultiHead{l.SelfAttn, l.CrossAttn} {
				randFill(r, m.InBias, 0, 0.1)
				randFill(r, m.OutBias, 0, 0.1)
			}
			for _, n := range []*nn.LayerNorm{&l.Norm1, &l.Norm2, &l.Norm3} {
				randFill(r, n.Weight, 1, 0.2)
				randFill(r, n.Bias, 0, 0.2)
			}
			const T, S = 5, 4
			x, mem, w := randMatrix(r, T, 8), randMatrix(r, S, 8), randMatrix(r, T, 8)
			memKeep := []bool{true, false, true, true}
			tm, mm := nn.Mask{Causal: true}, nn.Mask{KeepKeys: memKeep}
			y, err := l.Forward(kernel.Matrix{}, x, mem, tm, mm)
			require.NoError(t, err)
			p, x64, mem64 := decParamsOf(l), toMat64(x), toMat64(mem)
			torchtest.RequireClose(t, "forward", y.Data, to32(p.forward(x64, mem64, memKeep).d))

			g := l.NewGrads()
			dx, dmem := kernel.NewMatrix(T, 8), kernel.NewMatrix(S, 8)
			require.NoError(t, l.Backward(g, dx, dmem, w, x, mem, tm, mm))
			loss := func() float64 { return loss64(p.forward(x64, mem64, memKeep), w) }
			requireGrad(t, "dtgt", dx.Data, numGrad(x64.d, loss))
			requireGrad(t, "dmemory", dmem.Data, numGrad(mem64.d, loss))
			ps := l.Params(g, "")
			for i, s := range p.slices() {
				requireGrad(t, ps[i].Name, ps[i].Grad, numGrad(s, loss))
			}
		})
	}
}

// TestDecoderBackward: the stack's Backward equals its layers' Backward
// chained by hand through the final norm, the memory's gradient summed
// over the layers.
func TestDecoderBackward(t *testing.T) {
	const name = "dec_pre_gelu"
	dec, err := nn.LoadDecoder(filepath.Join(torchtest.Dir, name+".safetensors"), "")
	require.NoError(t, err)
	require.NotNil(t, dec.Norm)
	x, mem := fixtureMatrix(t, name, "input"), fixtureMatrix(t, name, "memory")
	T, S, d := x.Rows, mem.Rows, x.Cols
	r := rand.New(rand.NewPCG(17, 18))
	w := randMatrix(r, T, d)
	tm := nn.Mask{Causal: true, KeepKeys: keep(t, name, "tgt_pad")}
	mm := nn.Mask{KeepKeys: keep(t, name, "memory_pad")}
	g := dec.NewGrads()
	dx, dmem := kernel.NewMatrix(T, d), kernel.NewMatrix(S, d)
	require.NoError(t, dec.Backward(g, dx, dmem, w, x, mem, tm, mm))

	hs := []kernel.Matrix{x}
	for _, l := range dec.Layers {
		h, err := l.Forward(kernel.Matrix{}, hs[len(hs)-1], mem, tm, mm)
		require.NoError(t, err)
		hs = append(hs, h)
	}
	want := dec.NewGrads()
	dy := kernel.NewMatrix(T, d)
	require.NoError(t, dec.Norm.Backward(want.Norm, dy, w, hs[2]))
	wantMem := kernel.NewMatrix(S, d)
	for i := 1; i >= 0; i-- {
		dh := kernel.NewMatrix(T, d)
		require.NoError(t, dec.Layers[i].Backward(want.Layers[i], dh, wantMem, dy, hs[i], mem, tm, mm))
		dy = dh
	}
	require.Equal(t, want, g)
	require.Equal(t, dy.Data, dx.Data)
	require.Equal(t, wantMem.Data, dmem.Data)
	require.NotZero(t, optim.GlobalNorm(dec.Params(g, "")))
	require.Len(t, dec.Params(g, ""), 2*18+2)
}
