package rnn

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds the few elementwise and matrix helpers the layers use,
// each a thin layer over package kernel.

// gemm computes c = alpha·op(a)·op(b) + beta·c.
// TODO(rnn): switch to kernel.Gemm when issue 5 lands.
func gemm(tA, tB bool, alpha float32, a, b kernel.Matrix, beta float32, c kernel.Matrix) {
	m, k := a.Rows, a.Cols
	if tA {
		m, k = k, m
	}
	n := b.Cols
	if tB {
		n = b.Rows
	}
	if beta != 1 {
		for i := 0; i < c.Rows; i++ {
			row := c.Row(i)
			if beta == 0 {
				clear(row)
			} else {
				kernel.Scale(beta, row)
			}
		}
	}
	if alpha == 0 {
		return
	}
	switch {
	case !tA && tB:
		for i := 0; i < m; i++ {
			cr, ar := c.Row(i), a.Row(i)
			for j := 0; j < n; j++ {
				cr[j] += alpha * kernel.Dot(ar, b.Row(j))
			}
		}
	case !tA && !tB:
		for i := 0; i < m; i++ {
			cr, ar := c.Row(i), a.Row(i)
			for p := 0; p < k; p++ {
				if v := ar[p]; v != 0 {
					kernel.Axpy(alpha*v, b.Row(p), cr)
				}
			}
		}
	case tA && !tB:
		// c[i,j] += Σ_p a[p,i]·b[p,j]
		for p := 0; p < k; p++ {
			ar, br := a.Row(p), b.Row(p)
			for i := 0; i < m; i++ {
				if v := ar[i]; v != 0 {
					kernel.Axpy(alpha*v, br, c.Row(i))
				}
			}
		}
	default:
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float32
				for p := 0; p < k; p++ {
					s += a.At(p, i) * b.At(j, p)
				}
				c.Data[i*c.Stride+j] += alpha * s
			}
		}
	}
}

// activate applies the hidden or output activation to x in place.
func activate(act Activation, x []float32) {
	switch act {
	case Tanh:
		for i, v := range x {
			x[i] = float32(math.Tanh(float64(v)))
		}
	case Sigmoid:
		for i, v := range x {
			x[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case ReLU:
		for i, v := range x {
			if !(v > 0) && v == v { // keep NaN as NaN
				x[i] = 0
			}
		}
	case Softmax:
		m := kernel.Max(x)
		var s float32
		for i, v := range x {
			e := float32(math.Exp(float64(v - m)))
			x[i] = e
			s += e
		}
		kernel.Scale(1/s, x)
	}
}

// activateRows applies act to every row of m.
func activateRows(act Activation, m kernel.Matrix) {
	if act == Identity {
		return
	}
	if m.Stride == m.Cols && act != Softmax {
		activate(act, m.Data[:m.Rows*m.Cols])
		return
	}
	for i := 0; i < m.Rows; i++ {
		activate(act, m.Row(i))
	}
}

// derivative multiplies g in place by ψ'(z) written in terms of the
// activation's output h = ψ(z).
func derivative(act Activation, g, h []float32) {
	h = h[:len(g)]
	switch act {
	case Tanh:
		for i, v := range h {
			g[i] *= 1 - v*v
		}
	case Sigmoid:
		for i, v := range h {
			g[i] *= v * (1 - v)
		}
	case ReLU:
		for i, v := range h {
			if !(v > 0) {
				g[i] = 0
			}
		}
	}
}

// fillRows sets every row of m to a+b (nil vectors count as zero).
func fillRows(m kernel.Matrix, a, b []float32) {
	if m.Rows == 0 {
		return
	}
	first := m.Row(0)
	clear(first)
	addBias(first, a, b)
	for i := 1; i < m.Rows; i++ {
		copy(m.Row(i), first)
	}
}

// addBias adds the non-nil vectors a and b to x.
func addBias(x, a, b []float32) {
	if a != nil {
		kernel.Add(x, x, a)
	}
	if b != nil {
		kernel.Add(x, x, b)
	}
}
