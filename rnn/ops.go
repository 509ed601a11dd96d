package rnn

import (
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the few elementwise and matrix helpers the layers use,
// each a thin layer over package kernel.

// activate applies the hidden or output activation to x in place.
func activate(act Activation, x []float32) { activateTo(act, x, x) }

// activateTo sets dst = act(src), element by element; dst may be src.
func activateTo(act Activation, dst, src []float32) {
	switch act {
	case Tanh:
		kernel.Tanh(dst, src)
	case Sigmoid:
		kernel.Sigmoid(dst, src)
	case ReLU:
		for i, v := range src {
			if !(v > 0) && v == v { // keep NaN as NaN
				v = 0
			}
			dst[i] = v
		}
	case Softmax:
		kernel.Softmax(dst, src)
	default: // Identity
		copy(dst, src)
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
