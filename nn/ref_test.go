package nn_test

import (
	"math"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// This file holds float64 references of the layers, written from torch's
// formulas and independent of package nn, for the gradient checks.

// mat64 is a row-major float64 matrix.
type mat64 struct {
	r, c int
	d    []float64
}

func newMat64(r, c int) mat64 { return mat64{r, c, make([]float64, r*c)} }

func (m mat64) at(i, j int) float64 { return m.d[i*m.c+j] }

func toMat64(m kernel.Matrix) mat64 {
	out := newMat64(m.Rows, m.Cols)
	for i := range m.Rows {
		for j, v := range m.Row(i) {
			out.d[i*m.Cols+j] = float64(v)
		}
	}
	return out
}

func to64(x []float32) []float64 {
	if x == nil {
		return nil
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// linear64 is x·Wᵀ + b, W given as out×in rows in w.
func linear64(x mat64, w []float64, b []float64, out int) mat64 {
	y := newMat64(x.r, out)
	for i := range x.r {
		for o := range out {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for k := range x.c {
				s += x.at(i, k) * w[o*x.c+k]
			}
			y.d[i*out+o] = s
		}
	}
	return y
}

func layerNorm64(x mat64, g, b []float64, eps float64) mat64 {
	y := newMat64(x.r, x.c)
	for i := range x.r {
		row := x.d[i*x.c : (i+1)*x.c]
		mu := 0.0
		for _, v := range row {
			mu += v
		}
		mu /= float64(x.c)
		q := 0.0
		for _, v := range row {
			q += (v - mu) * (v - mu)
		}
		r := 1 / math.Sqrt(q/float64(x.c)+eps)
		for j, v := range row {
			z := (v - mu) * r
			if g != nil {
				z *= g[j]
			}
			if b != nil {
				z += b[j]
			}
			y.d[i*x.c+j] = z
		}
	}
	return y
}

func act64(a nn.Activation, x float64) float64 {
	switch a {
	case nn.GELU:
		return 0.5 * x * math.Erfc(-x/math.Sqrt2)
	case nn.GELUTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	}
	return math.Max(x, 0)
}

func add64(a, b mat64) mat64 {
	y := newMat64(a.r, a.c)
	for i := range y.d {
		y.d[i] = a.d[i] + b.d[i]
	}
	return y
}

// ffParams are a FeedForward's parameters in float64.
type ffParams struct {
	w1, b1, w2, b2 []float64
	act            nn.Activation
}

func ffParamsOf(f *nn.FeedForward) ffParams {
	return ffParams{to64(f.Linear1.W.Data), to64(f.Linear1.B), to64(f.Linear2.W.Data), to64(f.Linear2.B), f.Activation}
}

func (p ffParams) forward(x mat64) mat64 {
	h := linear64(x, p.w1, p.b1, len(p.w1)/x.c)
	for i, v := range h.d {
		h.d[i] = act64(p.act, v)
	}
	return linear64(h, p.w2, p.b2, x.c)
}

// mhaParams are a packed nn.MultiheadAttention's parameters in float64.
type mhaParams struct {
	heads                int
	inW, inB, outW, outB []float64
}

func mhaParamsOf(m *attn.MultiHead) mhaParams {
	return mhaParams{m.Heads, to64(m.InProj.Data), to64(m.InBias), to64(m.OutProj.Data), to64(m.OutBias)}
}

// forward is self-attention over x, causal or not, with keys where keep
// is false removed (nil keeps every key).
func (p mhaParams) forward(x mat64, causal bool, keep []bool) mat64 {
	return p.attend(x, x, func(i, j int) bool { return (causal && j > i) || (keep != nil && !keep[j]) })
}

// attend is attention from the rows of xq to the rows of xkv, masked(i, j)
// removing key j for query i.
func (p mhaParams) attend(xq, xkv mat64, masked func(i, j int) bool) mat64 {
	tq, tk, e := xq.r, xkv.r, xq.c
	q := linear64(xq, p.inW[:e*e], p.inB[:e], e)
	k := linear64(xkv, p.inW[e*e:2*e*e], p.inB[e:2*e], e)
	v := linear64(xkv, p.inW[2*e*e:], p.inB[2*e:], e)
	dh := e / p.heads
	ctx := newMat64(tq, e)
	for h := range p.heads {
		for i := range tq {
			s := make([]float64, tk)
			mx := math.Inf(-1)
			for j := range tk {
				s[j] = math.Inf(-1)
				if masked(i, j) {
					continue
				}
				d := 0.0
				for c := range dh {
					d += q.at(i, h*dh+c) * k.at(j, h*dh+c)
				}
				s[j] = d / math.Sqrt(float64(dh))
				mx = math.Max(mx, s[j])
			}
			z := 0.0
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				z += s[j]
			}
			for j := range tk {
				for c := range dh {
					ctx.d[i*e+h*dh+c] += s[j] / z * v.at(j, h*dh+c)
				}
			}
		}
	}
	return linear64(ctx, p.outW, p.outB, e)
}

// encParams are an EncoderLayer's parameters in float64.
type encParams struct {
	sa             mhaParams
	ff             ffParams
	g1, b1, g2, b2 []float64
	eps            float64
	normFirst      bool
}

func encParamsOf(l *nn.EncoderLayer) encParams {
	return encParams{mhaParamsOf(l.SelfAttn), ffParamsOf(&l.FF), to64(l.Norm1.Weight), to64(l.Norm1.Bias),
		to64(l.Norm2.Weight), to64(l.Norm2.Bias), float64(l.Norm1.Eps), l.NormFirst}
}

func (p encParams) forward(x mat64, causal bool, keep []bool) mat64 {
	if p.normFirst {
		x = add64(x, p.sa.forward(layerNorm64(x, p.g1, p.b1, p.eps), causal, keep))
		return add64(x, p.ff.forward(layerNorm64(x, p.g2, p.b2, p.eps)))
	}
	x = layerNorm64(add64(x, p.sa.forward(x, causal, keep)), p.g1, p.b1, p.eps)
	return layerNorm64(add64(x, p.ff.forward(x)), p.g2, p.b2, p.eps)
}

// slices lists the parameters in the order of the layer's optim.Params.
func (p *encParams) slices() [][]float64 {
	return [][]float64{p.sa.inW, p.sa.inB, p.sa.outW, p.sa.outB, p.ff.w1, p.ff.b1, p.ff.w2, p.ff.b2, p.g1, p.b1, p.g2, p.b2}
}

// decParams are a DecoderLayer's parameters in float64.
type decParams struct {
	sa, ca                 mhaParams
	ff                     ffParams
	g1, b1, g2, b2, g3, b3 []float64
	eps                    float64
	normFirst              bool
}

func decParamsOf(l *nn.DecoderLayer) decParams {
	return decParams{mhaParamsOf(l.SelfAttn), mhaParamsOf(l.CrossAttn), ffParamsOf(&l.FF),
		to64(l.Norm1.Weight), to64(l.Norm1.Bias), to64(l.Norm2.Weight), to64(l.Norm2.Bias),
		to64(l.Norm3.Weight), to64(l.Norm3.Bias), float64(l.Norm1.Eps), l.NormFirst}
}

// forward is the layer with a causal target mask and memory keys where
// memKeep is false removed.
func (p decParams) forward(x, mem mat64, memKeep []bool) mat64 {
	cross := func(q mat64) mat64 {
		return p.ca.attend(q, mem, func(_, j int) bool { return memKeep != nil && !memKeep[j] })
	}
	if p.normFirst {
		x = add64(x, p.sa.forward(layerNorm64(x, p.g1, p.b1, p.eps), true, nil))
		x = add64(x, cross(layerNorm64(x, p.g2, p.b2, p.eps)))
		return add64(x, p.ff.forward(layerNorm64(x, p.g3, p.b3, p.eps)))
	}
	x = layerNorm64(add64(x, p.sa.forward(x, true, nil)), p.g1, p.b1, p.eps)
	x = layerNorm64(add64(x, cross(x)), p.g2, p.b2, p.eps)
	return layerNorm64(add64(x, p.ff.forward(x)), p.g3, p.b3, p.eps)
}

// slices lists the parameters in the order of the layer's optim.Params.
func (p *decParams) slices() [][]float64 {
	return [][]float64{p.sa.inW, p.sa.inB, p.sa.outW, p.sa.outB, p.ca.inW, p.ca.inB, p.ca.outW, p.ca.outB,
		p.ff.w1, p.ff.b1, p.ff.w2, p.ff.b2, p.g1, p.b1, p.g2, p.b2, p.g3, p.b3}
}
