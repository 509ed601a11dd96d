package attn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// fdCheck compares the analytic gradient ana of the float64 loss with
// central differences over every element of the float32 parameter x:
// perturb x[i] by ±h (rounded to float32, dividing by the actual step).
func fdCheck(t *testing.T, what string, x []float32, ana []float32, loss func() float64) {
	t.Helper()
	const h = 1e-3
	for i := range x {
		orig := x[i]
		xp, xm := float32(float64(orig)+h), float32(float64(orig)-h)
		x[i] = xp
		lp := loss()
		x[i] = xm
		lm := loss()
		x[i] = orig
		num := (lp - lm) / (float64(xp) - float64(xm))
		if math.Abs(num-float64(ana[i])) > 1e-3*(1+math.Abs(num)) {
			t.Fatalf("%s[%d]: analytic %v, central difference %v", what, i, ana[i], num)
		}
	}
}

// fdMatrix runs fdCheck over the elements of a matrix (row by row, so
// padding is never touched).
func fdMatrix(t *testing.T, what string, x, ana kernel.Matrix, loss func() float64) {
	t.Helper()
	for i := 0; i < x.Rows; i++ {
		fdCheck(t, what+"/row"+itoa(i), x.Row(i), ana.Row(i), loss)
	}
}

func dot64(r []float32, y []float64) float64 {
	var s float64
	for i := range y {
		s += float64(r[i]) * y[i]
	}
	return s
}

func TestSoftBackwardFD(t *testing.T) {
	r := kerneltest.Rand(30)
	n, d, dv := 6, 5, 4
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		keys := randMatrix(r, n, d, 1, -1, 1)
		values := randMatrix(r, n, dv, 2, -1, 1)
		q := randVec(r, d, -1, 1)
		dOut := randVec(r, dv, -1, 1)
		mask := randVec(r, n, -1, 1)
		mask[2] = negInf
		keep := []bool{true, true, true, false, true, true}
		for _, opt := range []Options{{}, {Scale: 1.3, Temperature: 0.7}, {Mask: mask, Keep: keep, KeyLimit: 5}} {
			loss := func() float64 {
				w := refWeights(kernel.MatrixFrom(1, d, q), keys, opt)
				return dot64(dOut, refAttend(w, values)[0])
			}
			w := make([]float32, n)
			dst := make([]float32, dv)
			require.NoError(t, Soft(dst, w, q, keys, values, opt))
			dq := make([]float32, d)
			dK, dV := kernel.NewMatrix(n, d), kernel.NewMatrix(n, dv)
			require.NoError(t, SoftBackward(dq, dK, dV, dOut, q, keys, values, w, opt))
			fdCheck(t, "dq", q, dq, loss)
			fdMatrix(t, "dK", keys, dK, loss)
			fdMatrix(t, "dV", values, dV, loss)

			// Gradients accumulate: a second call doubles them.
			dq2 := append([]float32(nil), dq...)
			require.NoError(t, SoftBackward(dq2, kernel.Matrix{}, kernel.Matrix{}, dOut, q, keys, values, w, opt))
			for i := range dq {
				require.InDelta(t, 2*dq[i], dq2[i], 1e-6)
			}
		}
	})
}

func TestHardBackward(t *testing.T) {
	r := kerneltest.Rand(31)
	n, d := 4, 3
	values := randMatrix(r, n, 2, 0, -1, 1)
	dOut := []float32{0.5, -2}
	dst := make([]float32, 2)
	opt := Options{Unscaled: true}
	idx, err := Hard(dst, exQuery, exKeys, values, opt)
	require.NoError(t, err)

	// ZeroGradient: only the chosen value row learns.
	dq := make([]float32, d)
	dK, dV := kernel.NewMatrix(n, d), kernel.NewMatrix(n, 2)
	require.NoError(t, HardBackward(dq, dK, dV, dOut, idx, exQuery, exKeys, values, nil, opt, ZeroGradient))
	require.Equal(t, make([]float32, d), dq)
	require.Equal(t, make([]float32, n*d), dK.Data)
	for j := 0; j < n; j++ {
		if j == idx {
			require.Equal(t, dOut, dV.Row(j))
		} else {
			require.Equal(t, []float32{0, 0}, dV.Row(j))
		}
	}

	// StraightThrough: score gradients are the softmax ones.
	w := make([]float32, n)
	require.NoError(t, Soft(dst, w, exQuery, exKeys, values, opt))
	dqS, dKS := make([]float32, d), kernel.NewMatrix(n, d)
	require.NoError(t, SoftBackward(dqS, dKS, kernel.Matrix{}, dOut, exQuery, exKeys, values, w, opt))
	dq, dK, dV = make([]float32, d), kernel.NewMatrix(n, d), kernel.NewMatrix(n, 2)
	require.NoError(t, HardBackward(dq, dK, dV, dOut, idx, exQuery, exKeys, values, nil, opt, StraightThrough))
	require.Equal(t, dqS, dq)
	require.Equal(t, dKS.Data, dK.Data)
	require.Equal(t, dOut, dV.Row(idx))
	require.NotEqual(t, make([]float32, d), dq)

	require.ErrorIs(t, HardBackward(dq, dK, dV, dOut, 9, exQuery, exKeys, values, nil, opt, ZeroGradient), ErrShape)
}

func TestGumbelSoft(t *testing.T) {
	values := kernel.MatrixFrom(4, 4, []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})
	opt := Options{Unscaled: true}
	w1, w2 := make([]float32, 4), make([]float32, 4)
	dst := make([]float32, 4)
	// Seeded: reproducible.
	i1, err := GumbelSoft(dst, w1, exQuery, exKeys, values, opt, rand.New(rand.NewPCG(1, 2)), false)
	require.NoError(t, err)
	i2, err := GumbelSoft(dst, w2, exQuery, exKeys, values, opt, rand.New(rand.NewPCG(1, 2)), false)
	require.NoError(t, err)
	require.Equal(t, w1, w2)
	require.Equal(t, i1, i2)
	require.Equal(t, w2, dst, "soft sample output = weights for identity values")

	// Gumbel-max: the argmax of a sample is distributed as softmax(scores).
	want := refWeights(kernel.MatrixFrom(1, 3, exQuery), exKeys, opt)[0]
	rng := rand.New(rand.NewPCG(3, 4))
	const N = 40000
	counts := make([]float64, 4)
	for range N {
		i, err := GumbelSoft(dst, w1, exQuery, exKeys, values, opt, rng, true)
		require.NoError(t, err)
		counts[i]++
		require.Equal(t, values.Row(i), dst)
	}
	for j := range counts {
		require.InDelta(t, want[j], counts[j]/N, 0.01, "key %d", j)
	}

	// Low temperature: the soft sample is nearly one-hot.
	_, err = GumbelSoft(dst, w1, exQuery, exKeys, values, Options{Unscaled: true, Temperature: 0.01}, rng, false)
	require.NoError(t, err)
	require.Greater(t, kernel.Max(w1), float32(0.99))

	// The weights are softmax((c·s + g)/τ) with the noise drawn in key
	// order, so SoftBackward with these weights is the exact gradient.
	tau := float32(0.5)
	o := Options{Unscaled: true, Temperature: tau, Keep: []bool{true, true, false, true}}
	_, err = GumbelSoft(dst, w1, exQuery, exKeys, values, o, rand.New(rand.NewPCG(5, 6)), false)
	require.NoError(t, err)
	g := rand.New(rand.NewPCG(5, 6))
	logits := make([]float64, 4)
	mx := math.Inf(-1)
	for j := range logits {
		var s float64
		for p := range exQuery {
			s += float64(exQuery[p]) * float64(exKeys.At(j, p))
		}
		noise := -math.Log(-math.Log(g.Float64()))
		logits[j] = (s + noise) / float64(tau)
		if j == 2 {
			logits[j] = math.Inf(-1)
		}
		mx = math.Max(mx, logits[j])
	}
	var z float64
	for j := range logits {
		logits[j] = math.Exp(logits[j] - mx)
		z += logits[j]
	}
	for j := range logits {
		require.InDelta(t, logits[j]/z, float64(w1[j]), 1e-6)
	}

	// All masked.
	i, err := GumbelSoft(dst, w1, exQuery, exKeys, values, Options{Keep: make([]bool, 4)}, rng, true)
	require.NoError(t, err)
	require.Equal(t, -1, i)
	require.Equal(t, make([]float32, 4), dst)
}

func TestSelfAttentionBackwardFD(t *testing.T) {
	r := kerneltest.Rand(32)
	defer func(old int) { backwardRows = old }(backwardRows)
	backwardRows = 2 // several query blocks
	tq, tk, d, dv := 5, 7, 3, 4
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		q := randMatrix(r, tq, d, 1, -1, 1)
		k := randMatrix(r, tk, d, 2, -1, 1)
		v := randMatrix(r, tk, dv, 0, -1, 1)
		dOut := randMatrix(r, tq, dv, 1, -1, 1)
		keep := make([]bool, tq*tk)
		for i := range keep {
			keep[i] = r.IntN(4) != 0
		}
		for j := 0; j < tk; j++ {
			keep[1*tk+j] = false // a fully masked row
		}
		mask := randVec(r, tq*tk, -1, 1)
		for _, opt := range []Options{{}, {Causal: true}, {Causal: true, Temperature: 0.6, KeyLimit: 6}, {Keep: keep, Mask: mask}} {
			loss := func() float64 {
				out := refSelf(q, k, v, opt)
				var s float64
				for i := range out {
					s += dot64(dOut.Row(i), out[i])
				}
				return s
			}
			dq, dk, dv := kernel.NewMatrix(tq, d), kernel.NewMatrix(tk, d), kernel.NewMatrix(tk, dv)
			require.NoError(t, SelfAttentionBackward(dq, dk, dv, dOut, q, k, v, opt))
			fdMatrix(t, "dq", q, dq, loss)
			fdMatrix(t, "dk", k, dk, loss)
			fdMatrix(t, "dv", v, dv, loss)
		}
	})
	err := SelfAttentionBackward(kernel.Matrix{}, kernel.NewMatrix(7, 3), kernel.NewMatrix(7, 4), kernel.NewMatrix(5, 4), kernel.NewMatrix(5, 3), kernel.NewMatrix(7, 3), kernel.NewMatrix(7, 4), Options{})
	require.ErrorIs(t, err, ErrShape)
}

func TestMultiHeadBackwardFD(t *testing.T) {
	r := kerneltest.Rand(33)
	e, h, T := 8, 2, 5
	for _, bias := range []bool{true, false} {
		m := newTestMHA(t, 34, e, h, bias)
		if bias {
			kerneltest.Fill(r, m.InBias, -0.3, 0.3)
			kerneltest.Fill(r, m.OutBias, -0.3, 0.3)
		}
		x := randMatrix(r, T, e, 1, -1, 1)
		dy := randMatrix(r, T, e, 0, -1, 1)
		for _, opt := range []Options{{Causal: true}, {Temperature: 2}} {
			loss := func() float64 {
				out := refMHA(m, x, opt)
				var s float64
				for i := range out {
					s += dot64(dy.Row(i), out[i])
				}
				return s
			}
			g := m.NewGrads()
			dx := kernel.NewMatrix(T, e)
			require.NoError(t, m.Backward(g, dx, dy, x, opt))
			fdMatrix(t, "dx", x, dx, loss)
			fdMatrix(t, "dInProj", m.InProj, g.InProj, loss)
			fdMatrix(t, "dOutProj", m.OutProj, g.OutProj, loss)
			if bias {
				fdCheck(t, "dInBias", m.InBias, g.InBias, loss)
				fdCheck(t, "dOutBias", m.OutBias, g.OutBias, loss)
			}
			g.Zero()
			require.Equal(t, make([]float32, 3*e*e), g.InProj.Data)
		}
	}
	m := newTestMHA(t, 35, e, h, true)
	require.ErrorIs(t, m.Backward(&MultiHeadGrads{}, kernel.Matrix{}, kernel.NewMatrix(T, e), kernel.NewMatrix(T, e), Options{}), ErrShape)
}

// TestMultiHeadBackwardParallel checks that spreading the heads over
// goroutines gives the serial gradients (long enough for forHeads to go
// parallel); run with -race too.
func TestMultiHeadBackwardParallel(t *testing.T) {
	r := kerneltest.Rand(36)
	e, h, T := 64, 4, 130 // work per head 130·130·16 ≥ parallelMinWork
	m := newTestMHA(t, 37, e, h, true)
	x := randMatrix(r, T, e, 0, -1, 1)
	dy := randMatrix(r, T, e, 0, -1, 1)
	requireParallelGrads(t, m, x, dy, Options{Causal: true})
	require.Greater(t, T*T*(e/h), parallelMinWork-1)
}

// requireParallelGrads checks that m.Backward on 3 threads gives the
// gradients of 1 thread.
func requireParallelGrads(t *testing.T, m *MultiHead, x, dy kernel.Matrix, opt Options) {
	t.Helper()
	defer func(th int) { kernel.SetThreads(th) }(kernel.Threads())
	grads := func(threads int) (*MultiHeadGrads, kernel.Matrix) {
		kernel.SetThreads(threads)
		g := m.NewGrads()
		dx := kernel.NewMatrix(x.Rows, x.Cols)
		require.NoError(t, m.Backward(g, dx, dy, x, opt))
		return g, dx
	}
	g1, dx1 := grads(1)
	g2, dx2 := grads(3)
	for _, c := range []struct {
		name string
		a, b kernel.Matrix
	}{{"dx", dx1, dx2}, {"InProj", g1.InProj, g2.InProj}, {"QProj", g1.QProj, g2.QProj}, {"KProj", g1.KProj, g2.KProj},
		{"VProj", g1.VProj, g2.VProj}, {"OutProj", g1.OutProj, g2.OutProj}} {
		near(t, c.name, c.b.Data, f64(c.a.Data), 1e-5)
	}
	near(t, "InBias", g2.InBias, f64(g1.InBias), 1e-5)
	near(t, "OutBias", g2.OutBias, f64(g1.OutBias), 1e-5)
}
