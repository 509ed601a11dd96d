package attn

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// refRotate rotates the head vector x (float64) to position pos, from
// Rotary's definition: pair i is (i, i+Dims/2), or (2i, 2i+1) when
// interleaved, turned by pos·Base^(−2i/Dims).
func refRotate(r *Rotary, x []float64, pos int) {
	d := r.Dims()
	for i := 0; i < d/2; i++ {
		a, b := i, i+d/2
		if r.Interleaved() {
			a, b = 2*i, 2*i+1
		}
		th := float64(pos) * math.Pow(r.Base(), -2*float64(i)/float64(d))
		c, s := math.Cos(th), math.Sin(th)
		x[a], x[b] = x[a]*c-x[b]*s, x[b]*c+x[a]*s
	}
}

// refAttention is multi-head attention in float64 straight from the
// definition, for every layout: queries from the rows of xq, keys from xk,
// values from xv; query head h reads key/value head h/(Heads/KVHeads);
// with Rotary, query row i is at position qPos0+i and key row j at j.
// Masks are len(xq)×len(xk), shared by the heads.
func refAttention(m *MultiHead, xq, xk, xv kernel.Matrix, qPos0 int, opt Options) [][]float64 {
	e, dh := m.DModel, m.DModel/m.Heads
	kvh := m.KVHeads
	if kvh == 0 {
		kvh = m.Heads
	}
	kv := kvh * dh
	wq, wk, wv := m.QProj, m.KProj, m.VProj
	if m.InProj.Data != nil {
		wq, wk, wv = m.InProj.Slice(0, e, 0, e), m.InProj.Slice(e, 2*e, 0, e), m.InProj.Slice(2*e, 3*e, 0, e)
	}
	var bq, bk, bv []float32
	if m.InBias != nil {
		bq, bk, bv = m.InBias[:e], m.InBias[e:e+kv], m.InBias[e+kv:e+2*kv]
	}
	proj := func(w kernel.Matrix, b []float32, x kernel.Matrix) [][]float64 {
		out := make([][]float64, x.Rows)
		for i := range out {
			out[i] = make([]float64, w.Rows)
			for r := 0; r < w.Rows; r++ {
				var s float64
				for c := 0; c < w.Cols; c++ {
					s += float64(w.At(r, c)) * float64(x.At(i, c))
				}
				if b != nil {
					s += float64(b[r])
				}
				out[i][r] = s
			}
		}
		return out
	}
	q, k, v := proj(wq, bq, xq), proj(wk, bk, xk), proj(wv, bv, xv)
	if m.Rotary != nil {
		for i := range q {
			for h := 0; h < m.Heads; h++ {
				refRotate(m.Rotary, q[i][h*dh:(h+1)*dh], qPos0+i)
			}
		}
		for j := range k {
			for g := 0; g < kvh; g++ {
				refRotate(m.Rotary, k[j][g*dh:(g+1)*dh], j)
			}
		}
	}
	tq, tk := len(q), len(k)
	c := float64(opt.effScale(dh))
	ctx64 := make([][]float64, tq)
	for i := range ctx64 {
		ctx64[i] = make([]float64, e)
	}
	for h := 0; h < m.Heads; h++ {
		g := h / (m.Heads / kvh)
		for i := 0; i < tq; i++ {
			s := make([]float64, tk)
			mx := math.Inf(-1)
			end := opt.keyEnd(i, tq, tk)
			for j := range s {
				s[j] = math.Inf(-1)
				if j >= end || opt.Keep != nil && !opt.Keep[i*tk+j] || opt.KeepKeys != nil && !opt.KeepKeys[j] {
					continue
				}
				var d float64
				for p := 0; p < dh; p++ {
					d += q[i][h*dh+p] * k[j][g*dh+p]
				}
				s[j] = c * d
				if opt.Mask != nil {
					s[j] += float64(opt.Mask[i*tk+j])
				}
				mx = math.Max(mx, s[j])
			}
			if math.IsInf(mx, -1) {
				continue
			}
			var z float64
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				z += s[j]
			}
			for j := range s {
				for p := 0; p < dh; p++ {
					ctx64[i][h*dh+p] += s[j] / z * v[j][g*dh+p]
				}
			}
		}
	}
	out := make([][]float64, tq)
	for i := range out {
		out[i] = make([]float64, e)
		for r := 0; r < e; r++ {
			var s float64
			for p := 0; p < e; p++ {
				s += float64(m.OutProj.At(r, p)) * ctx64[i][p]
			}
			if m.OutBias != nil {
				s += float64(m.OutBias[r])
			}
			out[i][r] = s
		}
	}
	return out
}
