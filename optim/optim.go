// Package optim holds the first-order optimisers and the gradient
// utilities that the model packages (rnn, attn) share: SGD with
// momentum, Adam, and clipping by global norm.
//
// A model exposes its weights as a list of Param, each pairing a weight
// slice with the slice its gradient is accumulated into. An optimiser
// keeps per-parameter state (velocity, moments) indexed by position in
// that list, so pass the same list, in the same order, on every Step.
package optim

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// Param pairs one weight tensor with its gradient. Value and Grad have
// the same length; Name is for messages and checkpoints only.
type Param struct {
	Name  string
	Value []float32
	Grad  []float32
}

// Optimizer updates parameters in place from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter. It panics if the list
	// changed shape since the first Step.
	Step(ps []Param)
}

// ZeroGrads sets every gradient to zero.
func ZeroGrads(ps []Param) {
	for _, p := range ps {
		clear(p.Grad)
	}
}

// GlobalNorm returns the Euclidean norm of all gradients taken together,
// accumulated in float64.
func GlobalNorm(ps []Param) float64 {
	var s float64
	for _, p := range ps {
		for _, g := range p.Grad {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm scales all gradients by maxNorm/(norm+1e-6) when that
// is below 1, as torch.nn.utils.clip_grad_norm_ does (it multiplies by
// the factor clamped to 1), and returns the norm before clipping. So a
// norm within 1e-6 below maxNorm is scaled too: clipping a gradient a
// second time shrinks it again, by about 1e-6/maxNorm, as in torch.
// maxNorm ≤ 0 disables clipping. A non-finite norm is returned without
// touching the gradients, so the caller can see it and skip the step.
func ClipGlobalNorm(ps []Param, maxNorm float64) float64 {
	n := GlobalNorm(ps)
	if maxNorm <= 0 || n+1e-6 <= maxNorm || math.IsNaN(n) || math.IsInf(n, 0) {
		return n
	}
	f := float32(maxNorm / (n + 1e-6))
	for _, p := range ps {
		kernel.Scale(f, p.Grad)
	}
	return n
}

// checkState makes sure the per-parameter state slices st match ps,
// allocating them on the first call.
func checkState(fn string, st *[][]float32, ps []Param) {
	if *st == nil {
		*st = make([][]float32, len(ps))
		for i, p := range ps {
			(*st)[i] = make([]float32, len(p.Value))
		}
	}
	if len(*st) != len(ps) {
		panic(fmt.Sprintf("optim.%s.Step: %d params, state was built for %d", fn, len(ps), len(*st)))
	}
	for i, p := range ps {
		if len(p.Value) != len((*st)[i]) || len(p.Grad) != len(p.Value) {
			panic(fmt.Sprintf("optim.%s.Step: param %d (%q): len(Value)=%d len(Grad)=%d, state has %d",
				fn, i, p.Name, len(p.Value), len(p.Grad), len((*st)[i])))
		}
	}
}

// SGD is stochastic gradient descent with optional momentum and weight
// decay, in PyTorch's form:
//
//	d ← g + WeightDecay·w;  v ← Momentum·v + d;  w ← w − LR·v
//
// With Momentum 0 it is plain SGD (w ← w − LR·d). Like torch.optim.SGD,
// Step leaves the gradients as they are: the weight-decay term is added
// to the step, not to Grad, so a second Step on the same gradients
// decays the weights by their new values, not by both.
type SGD struct {
	LR, Momentum, WeightDecay float32
	vel                       [][]float32
}

// Step implements Optimizer.
func (o *SGD) Step(ps []Param) {
	checkState("SGD", &o.vel, ps)
	for i, p := range ps {
		w, g, v := p.Value, p.Grad[:len(p.Value)], o.vel[i][:len(p.Value)]
		switch {
		case o.WeightDecay != 0 && o.Momentum == 0:
			for j := range w {
				d := g[j] + o.WeightDecay*w[j]
				w[j] -= o.LR * d
			}
		case o.WeightDecay != 0:
			for j := range w {
				d := g[j] + o.WeightDecay*w[j]
				v[j] = o.Momentum*v[j] + d
				w[j] -= o.LR * v[j]
			}
		case o.Momentum == 0:
			kernel.Axpy(-o.LR, g, w)
		default:
			kernel.Scale(o.Momentum, v)
			kernel.Add(v, v, g)
			kernel.Axpy(-o.LR, v, w)
		}
	}
}

// Adam is the optimiser of Kingma and Ba (2015) with bias correction,
// as torch.optim.Adam computes it:
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//	w ← w − LR·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + Eps)
//
// NewAdam fills in the usual β1=0.9, β2=0.999, Eps=1e-8.
type Adam struct {
	LR, Beta1, Beta2, Eps float32
	t                     int
	m, v                  [][]float32
}

// NewAdam returns Adam with learning rate lr and the default betas.
func NewAdam(lr float32) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Steps returns how many updates have been applied.
func (o *Adam) Steps() int { return o.t }

// Step implements Optimizer.
func (o *Adam) Step(ps []Param) {
	checkState("Adam", &o.m, ps)
	checkState("Adam", &o.v, ps)
	o.t++
	b1, b2 := float64(o.Beta1), float64(o.Beta2)
	c1 := 1 - math.Pow(b1, float64(o.t))
	c2 := 1 - math.Pow(b2, float64(o.t))
	// Fold the bias corrections into the step size and epsilon:
	// w -= lr/c1 · m / (sqrt(v)/sqrt(c2) + eps).
	step := float32(float64(o.LR) / c1)
	sc2 := float32(1 / math.Sqrt(c2))
	ob1, ob2 := 1-o.Beta1, 1-o.Beta2
	for i, p := range ps {
		m, v, g, w := o.m[i], o.v[i], p.Grad, p.Value
		m = m[:len(w)]
		v = v[:len(w)]
		g = g[:len(w)]
		for j := range w {
			gj := g[j]
			mj := o.Beta1*m[j] + ob1*gj
			vj := o.Beta2*v[j] + ob2*gj*gj
			m[j], v[j] = mj, vj
			w[j] -= step * mj / (float32(math.Sqrt(float64(vj)))*sc2 + o.Eps)
		}
	}
}
