package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// SGD with momentum against the recurrence written out by hand.
func TestSGDMomentum(t *testing.T) {
	w := []float32{1, -2}
	g := []float32{0, 0}
	ps := []Param{{"w", w, g}}
	o := &SGD{LR: 0.1, Momentum: 0.9}
	wantW := []float64{1, -2}
	v := []float64{0, 0}
	for step := 0; step < 5; step++ {
		for i := range w {
			g[i] = 2 * w[i] // ∇ of Σ w²
		}
		for i := range v {
			v[i] = 0.9*v[i] + 2*wantW[i]
			wantW[i] -= 0.1 * v[i]
		}
		o.Step(ps)
		for i := range w {
			require.InDelta(t, wantW[i], w[i], 1e-6)
		}
	}
}

// SGD's weight decay goes into the step, not into Grad, as
// torch.optim.SGD's does: two steps on the same gradients (never zeroed,
// as with gradient accumulation) decay by the current weights only. The
// old Step added WeightDecay·w to Grad in place, so the second step
// decayed by w₀ + w₁.
func TestSGDWeightDecayLeavesGrad(t *testing.T) {
	for _, mom := range []float32{0, 0.9} {
		w := []float32{1, -2, 0.5}
		g := []float32{0.3, 0.1, -0.2}
		ps := []Param{{"w", w, g}}
		o := &SGD{LR: 0.1, Momentum: mom, WeightDecay: 0.5}
		wantW := []float64{1, -2, 0.5}
		v := make([]float64, 3)
		for step := 0; step < 3; step++ {
			for i := range v {
				d := float64(g[i]) + 0.5*wantW[i]
				v[i] = float64(mom)*v[i] + d
				wantW[i] -= 0.1 * v[i]
			}
			o.Step(ps)
			require.Equal(t, []float32{0.3, 0.1, -0.2}, g, "momentum %v: Step changed the gradient", mom)
			for i := range w {
				require.InDelta(t, wantW[i], w[i], 1e-6, "momentum %v, step %d", mom, step)
			}
		}
	}
}

// Adam: the first step moves each weight by LR·sign(g) (bias
// correction), and it minimises a quadratic.
func TestAdam(t *testing.T) {
	w := []float32{3, -1, 0.5}
	g := make([]float32, 3)
	ps := []Param{{"w", w, g}}
	o := NewAdam(0.01)
	copy(g, []float32{10, -0.001, 3})
	o.Step(ps)
	require.InDelta(t, 2.99, w[0], 1e-6)
	require.InDelta(t, -0.99, w[1], 1e-5)
	require.InDelta(t, 0.49, w[2], 1e-6)
	o = NewAdam(0.05)
	for range 2000 {
		for i := range w {
			g[i] = 2 * w[i]
		}
		o.Step(ps)
	}
	for _, v := range w {
		require.Less(t, math.Abs(float64(v)), 1e-2)
	}
	require.Equal(t, 2000, o.Steps())
	require.Panics(t, func() { o.Step([]Param{{"w", w, g}, {"x", w, g}}) })
}

func TestClipGlobalNorm(t *testing.T) {
	a := []float32{3, 0}
	b := []float32{4}
	ps := []Param{{"a", make([]float32, 2), a}, {"b", make([]float32, 1), b}}
	require.InDelta(t, 5, GlobalNorm(ps), 1e-12)
	require.InDelta(t, 5, ClipGlobalNorm(ps, 10), 1e-12)
	require.Equal(t, []float32{3, 0}, a) // below the bound: untouched
	require.InDelta(t, 5, ClipGlobalNorm(ps, 1), 1e-12)
	require.InDelta(t, 1, GlobalNorm(ps), 1e-5)
	require.InDelta(t, 0.6, a[0], 1e-5)
	require.InDelta(t, 0.8, b[0], 1e-5)
	ZeroGrads(ps)
	require.Zero(t, GlobalNorm(ps))
	b[0] = float32(math.NaN())
	require.True(t, math.IsNaN(ClipGlobalNorm(ps, 1)))
}

// torch's clip_grad_norm_ multiplies by min(1, maxNorm/(norm+1e-6)), so
// a gradient clipped once is scaled again by the second clip (its norm,
// maxNorm·n/(n+1e-6), is within 1e-6 of maxNorm), until norm+1e-6
// reaches maxNorm. The old ClipGlobalNorm left it alone, 2e-5 off torch
// at maxNorm 0.05 after one more clip.
func TestClipGlobalNormTwiceAsTorch(t *testing.T) {
	a := []float32{0.3, -0.4}
	ps := []Param{{"a", make([]float32, 2), a}}
	want := []float64{0.3, -0.4}
	n := 0.5
	for range 3 {
		ClipGlobalNorm(ps, 0.05)
		f := math.Min(1, 0.05/(n+1e-6))
		for i := range want {
			want[i] *= f
		}
		n = math.Hypot(want[0], want[1])
	}
	require.Less(t, n, 0.05*0.5/(0.5+1e-6)-5e-7) // the second clip shrank the once-clipped norm
	for i := range a {
		require.InEpsilon(t, want[i], a[i], 1e-6)
	}
}
