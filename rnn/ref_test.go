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
	// init, if not nil, is each cell's state before its first step
	// (h then c, index l·Dirs+d).
	init [][]float64
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

// refCell is one cell's weights, flat row-major, with both biases
// (zeros where the layout has none; BiasSingle's bias in bih).
type refCell struct {
	wih, whh, bih, bhh, whr []float64
	p                       []float64 // peepholes [p_i, p_f, p_o], nil without
}

func (r *refNet) cell(i int) refCell {
	c := r.cfg
	per := 2 + r.nbias()
	if c.Proj > 0 || c.Peepholes {
		per++
	}
	p := r.p[i*per:]
	GH := c.gates() * c.Hidden
	rc := refCell{wih: p[0], whh: p[1], bih: make([]float64, GH), bhh: make([]float64, GH)}
	if r.nbias() >= 1 {
		rc.bih = p[2]
	}
	if r.nbias() == 2 {
		rc.bhh = p[3]
	}
	if c.Proj > 0 {
		rc.whr = p[per-1]
	}
	if c.Peepholes {
		rc.p = p[per-1]
	}
	return rc
}

// matVec returns w·v + b for w flat rows×len(v).
func matVec(w, v, b []float64) []float64 {
	out := make([]float64, len(b))
	for u := range out {
		s := b[u]
		for j, x := range v {
			s += w[u*len(v)+j] * x
		}
		out[u] = s
	}
	return out
}

func sigm(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// step is one step of the cell from the equations of CellType's doc:
// the new h (HiddenOut) and c (LSTM; nil otherwise).
func (r *refNet) step(w refCell, x, h, c []float64) ([]float64, []float64) {
	cfg := r.cfg
	if _, isVar := cfg.variant(); isVar {
		return r.variantStep(w, x, h, c)
	}
	H := cfg.Hidden
	xi := matVec(w.wih, x, w.bih)
	hh := matVec(w.whh, h, w.bhh)
	switch cfg.Cell {
	case LSTM:
		m, cn := make([]float64, H), make([]float64, H)
		for u := 0; u < H; u++ {
			z := func(g int) float64 { return xi[g*H+u] + hh[g*H+u] }
			i, f, g, o := sigm(z(0)), sigm(z(1)), math.Tanh(z(2)), sigm(z(3))
			cn[u] = f*c[u] + i*g
			m[u] = o * math.Tanh(cn[u])
		}
		if cfg.Proj > 0 {
			m = matVec(w.whr, m, make([]float64, cfg.Proj))
		}
		return m, cn
	case GRU:
		hn := make([]float64, H)
		for u := 0; u < H; u++ {
			rg := sigm(xi[u] + hh[u])
			zg := sigm(xi[H+u] + hh[H+u])
			n := math.Tanh(xi[2*H+u] + rg*hh[2*H+u])
			hn[u] = (1-zg)*n + zg*h[u]
		}
		return hn, nil
	}
	hn := make([]float64, H)
	for u := range hn {
		hn[u] = refAct(cfg.Activation, xi[u]+hh[u])
	}
	return hn, nil
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
// frozen (a previous run's states, indexed [cell][t], h then c): the
// "detached" forward pass whose derivative is the truncated BPTT
// gradient.
func (r *refNet) layers(xs [][]float64, k int, frozen [][][]float64) (outs [][][]float64, states [][][]float64) {
	c := r.cfg
	T, HO, dirs := len(xs), c.HiddenOut(), c.Dirs()
	in := xs
	for l := 0; l < c.Layers; l++ {
		out := make([][]float64, T)
		for t := range out {
			out[t] = make([]float64, dirs*HO)
		}
		for d := 0; d < dirs; d++ {
			ci := l*dirs + d
			w := r.cell(ci)
			st := make([][]float64, T)
			h, cs := make([]float64, HO), make([]float64, c.Hidden)
			if r.init != nil {
				h, cs = r.init[ci][:HO], r.init[ci][HO:]
			}
			for s := 0; s < T; s++ {
				t, tp := s, s-1
				if d == 1 {
					t, tp = T-1-s, T-s
				}
				if s > 0 && k > 0 && s%k == 0 && frozen != nil {
					h, cs = frozen[ci][tp][:HO], frozen[ci][tp][HO:]
				}
				h, cs = r.step(w, in[t], h, cs)
				st[t] = append(append([]float64(nil), h...), cs...)
				copy(out[t][d*HO:], h)
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
		T, H := len(top), c.HiddenOut()
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

// refMaxSumExp returns the largest of row, m, and Σ exp(v − m) over row:
// its softmax is exp(v − m)/s, its log-softmax v − m − log s.
func refMaxSumExp(row []float64) (m, s float64) {
	m = math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, v)
	}
	for _, v := range row {
		s += math.Exp(v - m)
	}
	return m, s
}

// activated applies the output activation to logits.
func refActivated(a Activation, y [][]float64) [][]float64 {
	out := make([][]float64, len(y))
	for t, row := range y {
		out[t] = make([]float64, len(row))
		switch a {
		case Softmax:
			m, s := refMaxSumExp(row)
			for i, v := range row {
				out[t][i] = math.Exp(v-m) / s
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
				m, s := refMaxSumExp(row)
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
