package rnn

// A plain float64 reference of the network, written from the equations
// and independently of the fast code: loops, no kernels, no Gemm.

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// refNet holds a float64 copy of every parameter, in Params order.
type refNet struct {
	cfg Config
	p   [][]float64
}

func toRef(n *Net) *refNet {
	r := &refNet{cfg: n.cfg}
	for _, p := range n.Params() {
		v := make([]float64, len(p.Data))
		for i, x := range p.Data {
			v[i] = float64(x)
		}
		r.p = append(r.p, v)
	}
	return r
}

func toRefMat(m kernel.Matrix) [][]float64 {
	out := make([][]float64, m.Rows)
	for i := range out {
		out[i] = make([]float64, m.Cols)
		for j := range out[i] {
			out[i][j] = float64(m.At(i, j))
		}
	}
	return out
}

func (r *refNet) nbias() int {
	switch r.cfg.Bias {
	case BiasPair:
		return 2
	case BiasSingle:
		return 1
	}
	return 0
}

// cell returns W_ih (flat H×in), W_hh (flat H×H) and the summed bias.
func (r *refNet) cell(i int) (wih, whh, b []float64) {
	per := 2 + r.nbias()
	wih, whh = r.p[i*per], r.p[i*per+1]
	b = make([]float64, r.cfg.Hidden)
	for j := 0; j < r.nbias(); j++ {
		for u, v := range r.p[i*per+2+j] {
			b[u] += v
		}
	}
	return
}

func refAct(a Activation, z float64) float64 {
	switch a {
	case Tanh:
		return math.Tanh(z)
	case Sigmoid:
		return 1 / (1 + math.Exp(-z))
	case ReLU:
		return math.Max(z, 0)
	}
	return z
}

// layers runs the recurrence. With k > 0 and frozen non-nil, the state
// carried into a step s (processing order) with s%k == 0 is taken from
// frozen (a previous run's states, indexed [cell][t]): the "detached"
// forward pass whose derivative is the truncated BPTT gradient.
func (r *refNet) layers(xs [][]float64, k int, frozen [][][]float64) (outs [][][]float64, states [][][]float64) {
	c := r.cfg
	T, H, dirs := len(xs), c.Hidden, c.Dirs()
	in := xs
	for l := 0; l < c.Layers; l++ {
		out := make([][]float64, T)
		for t := range out {
			out[t] = make([]float64, dirs*H)
		}
		for d := 0; d < dirs; d++ {
			ci := l*dirs + d
			wih, whh, b := r.cell(ci)
			st := make([][]float64, T)
			prev := make([]float64, H)
			for s := 0; s < T; s++ {
				t, tp := s, s-1
				if d == 1 {
					t, tp = T-1-s, T-s
				}
				if s > 0 && k > 0 && s%k == 0 && frozen != nil {
					prev = frozen[ci][tp]
				}
				h := make([]float64, H)
				for u := 0; u < H; u++ {
					z := b[u]
					for j, xv := range in[t] {
						z += wih[u*len(in[t])+j] * xv
					}
					for j, hv := range prev {
						z += whh[u*H+j] * hv
					}
					h[u] = refAct(c.Activation, z)
				}
				st[t] = h
				copy(out[t][d*H:], h)
				prev = h
			}
			states = append(states, st)
		}
		outs = append(outs, out)
		in = out
	}
	return outs, states
}

// outputs returns the head's logits (or the top states without a head)
// for every step, or for the many-to-one summary when last.
func (r *refNet) outputs(xs [][]float64, last bool, k int, frozen [][][]float64) [][]float64 {
	c := r.cfg
	outs, _ := r.layers(xs, k, frozen)
	top := outs[len(outs)-1]
	if last {
		T, H := len(top), c.Hidden
		v := append([]float64(nil), top[T-1][:H]...)
		if c.Bidirectional {
			v = append(v, top[0][H:]...)
		}
		top = [][]float64{v}
	}
	if c.Output == 0 {
		return top
	}
	wy, by := r.p[len(r.p)-2], r.p[len(r.p)-1]
	y := make([][]float64, len(top))
	for t, h := range top {
		y[t] = make([]float64, c.Output)
		for o := range y[t] {
			s := by[o]
			for j, hv := range h {
				s += wy[o*len(h)+j] * hv
			}
			y[t][o] = s
		}
	}
	return y
}

// activated applies the output activation to logits.
func refActivated(a Activation, y [][]float64) [][]float64 {
	out := make([][]float64, len(y))
	for t, row := range y {
		out[t] = make([]float64, len(row))
		switch a {
		case Softmax:
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, v)
			}
			var s float64
			for i, v := range row {
				out[t][i] = math.Exp(v - m)
				s += out[t][i]
			}
			for i := range row {
				out[t][i] /= s
			}
		case Sigmoid:
			for i, v := range row {
				out[t][i] = 1 / (1 + math.Exp(-v))
			}
		default:
			copy(out[t], row)
		}
	}
	return out
}

// refLoss is the float64 loss matching the one the fast test uses for
// each output activation: softmax cross-entropy, sigmoid BCE, or the
// linear functional Σ y·target (Identity and no head).
func refLoss(a Activation, logits, target [][]float64) float64 {
	var J float64
	for t, row := range logits {
		for i, x := range row {
			y := target[t][i]
			switch a {
			case Softmax:
				m := math.Inf(-1)
				for _, v := range row {
					m = math.Max(m, v)
				}
				var s float64
				for _, v := range row {
					s += math.Exp(v - m)
				}
				J -= y * (x - m - math.Log(s))
			case Sigmoid:
				J += math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
			default:
				J += x * y
			}
		}
	}
	return J
}
