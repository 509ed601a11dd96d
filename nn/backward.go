package nn

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds the gradients of Linear, LayerNorm and FeedForward.

// checkGrad checks dy (like the layer's output, rows×out) and dx (like x,
// or nil Data to skip).
func checkGrad(fn string, dx, dy, x kernel.Matrix, in, out int) error {
	if err := checkMatrix(fn, "x", x, x.Rows, in); err != nil {
		return err
	}
	if err := checkMatrix(fn, "dy", dy, x.Rows, out); err != nil {
		return err
	}
	if skip(dx) {
		return nil
	}
	return checkMatrix(fn, "dx", dx, x.Rows, in)
}

// Backward adds to g the gradients of Forward(·, x) with respect to W and
// B, and to dx (skipped if its Data is nil; it must not overlap dy) the
// gradient with respect to x, given dy, the gradient with respect to
// Forward's output: g.W += dyᵀ·x, g.B += Σ_rows dy, dx += dy·W.
func (l *Linear) Backward(g *LinearGrads, dx, dy, x kernel.Matrix) error {
	const fn = "Linear.Backward"
	if err := firstErr(l.check(fn), g.fits(fn, l), checkGrad(fn, dx, dy, x, l.In, l.Out)); err != nil {
		return err
	}
	l.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer l.WeightsChanged() // and no packed form left to go stale in an optimiser step
	l.backward(g, dx, dy, x)
	return nil
}

// backward is Backward on checked shapes.
func (l *Linear) backward(g *LinearGrads, dx, dy, x kernel.Matrix) {
	if x.Rows == 0 {
		return
	}
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dy, x, 1, g.W)
	if g.B != nil {
		for i := range dy.Rows {
			kernel.Add(g.B, g.B, dy.Row(i))
		}
	}
	if !skip(dx) {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dy, l.W, 1, dx)
	}
}

// Backward adds to g the gradients of Forward(·, x) with respect to γ and
// β, and to dx (skipped if its Data is nil; it must not overlap x or dy)
// the gradient with respect to x, given dy. Per row, with x̂ = (x − μ)·r,
// r = 1/√(σ² + eps) and u = dy·γ (dy without γ):
//
//	dγ += dy·x̂,  dβ += dy,  dx += r·(u − mean(u) − x̂·mean(u·x̂))
//
// the moments and the row sums in float64.
func (n *LayerNorm) Backward(g *LayerNormGrads, dx, dy, x kernel.Matrix) error {
	const fn = "LayerNorm.Backward"
	if err := firstErr(n.check(fn), g.fits(fn, n), checkGrad(fn, dx, dy, x, n.Dim, n.Dim)); err != nil {
		return err
	}
	n.backward(g, dx, dy, x)
	return nil
}

// backward is Backward on checked shapes.
func (n *LayerNorm) backward(g *LayerNormGrads, dx, dy, x kernel.Matrix) {
	d := float64(n.Dim)
	for i := range x.Rows {
		xr, dyr := x.Row(i), dy.Row(i)
		var s float64
		for _, v := range xr {
			s += float64(v)
		}
		mu := s / d
		var q float64
		for _, v := range xr {
			q += (float64(v) - mu) * (float64(v) - mu)
		}
		r := 1 / math.Sqrt(q/d+float64(n.Eps))
		var su, sux float64
		for j, v := range xr {
			xh, u := (float64(v)-mu)*r, float64(dyr[j])
			if n.Weight != nil {
				g.Weight[j] += float32(u * xh)
				u *= float64(n.Weight[j])
			}
			if n.Bias != nil {
				g.Bias[j] += dyr[j]
			}
			su += u
			sux += u * xh
		}
		if skip(dx) {
			continue
		}
		su /= d
		sux /= d
		dxr := dx.Row(i)
		for j, v := range xr {
			xh, u := (float64(v)-mu)*r, float64(dyr[j])
			if n.Weight != nil {
				u *= float64(n.Weight[j])
			}
			dxr[j] += float32(r * (u - su - xh*sux))
		}
	}
}

// Backward adds to g the gradients of Forward(·, x) with respect to both
// linears' weights and biases, and to dx (skipped if its Data is nil; it
// must not overlap dy) the gradient with respect to x, given dy. It
// recomputes linear1's output. The activation's derivative is ReLU's
// step (0 at 0, as torch), GELU's Φ(x) + x·φ(x), or the tanh form's
// derivative, evaluated in float64.
func (f *FeedForward) Backward(g *FeedForwardGrads, dx, dy, x kernel.Matrix) error {
	const fn = "FeedForward.Backward"
	if g == nil {
		return shapeErr(fn, "nil gradients (use NewGrads)")
	}
	if err := firstErr(f.check(fn), g.Linear1.fits(fn, &f.Linear1), g.Linear2.fits(fn, &f.Linear2),
		checkGrad(fn, dx, dy, x, f.Linear1.In, f.Linear2.Out)); err != nil {
		return err
	}
	f.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer f.WeightsChanged() // and no packed form left to go stale in an optimiser step
	f.backward(g, dx, dy, x)
	return nil
}

// backward is Backward on checked shapes.
func (f *FeedForward) backward(g *FeedForwardGrads, dx, dy, x kernel.Matrix) {
	t, h := x.Rows, f.Linear1.Out
	if t == 0 {
		return
	}
	ws := getWS(3 * t * h)
	defer putWS(ws)
	pre, act, dh := carve(&ws.Data, t, h), carve(&ws.Data, t, h), carve(&ws.Data, t, h)
	f.Linear1.apply(pre, x)
	f.Activation.apply(act.Data, pre.Data)
	// linear2: its gradients, and dh = dy·W2, the activation's gradient.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dy, act, 1, g.Linear2.W)
	if g.Linear2.B != nil {
		for i := range t {
			kernel.Add(g.Linear2.B, g.Linear2.B, dy.Row(i))
		}
	}
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dy, f.Linear2.W, 0, dh)
	for i, z := range pre.Data {
		dh.Data[i] *= f.Activation.derivative(z)
	}
	f.Linear1.backward(&g.Linear1, dx, dh, x)
}

// derivative returns the activation's derivative at z.
func (a Activation) derivative(z float32) float32 {
	x := float64(z)
	switch a {
	case GELU:
		return float32(0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi))
	case GELUTanh:
		const c, k = 0.7978845608028654, 0.044715 // √(2/π)
		th := math.Tanh(c * (x + k*x*x*x))
		return float32(0.5*(1+th) + 0.5*x*(1-th*th)*c*(1+3*k*x*x))
	}
	if z > 0 {
		return 1
	}
	return 0
}
