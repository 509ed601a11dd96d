package rnn

import "github.com/simdcore/simdcore/kernel"

// weight is one weight matrix as the engine multiplies by it: the float32
// Matrix f, or, in a quantized Net (see Net.Quantize), its int8 form q
// (f is then empty), and fᵀ packed once for gemm, p, where the Net keeps
// it (see Net.WeightsChanged; nil otherwise). Every matrix product of
// inference goes through gemv and gemm, so the engine (cellForward,
// State.Step, BatchState.Step, the head) is one code path for all three.
type weight struct {
	f kernel.Matrix
	q *kernel.QMatrix
	p *kernel.PackedB
}

// actQ is one caller's scratch for the activations quantized at call
// time (kernel.QVector, kernel.QBatch). It grows to the largest input
// once and is reused, so steady-state steps allocate nothing.
type actQ struct {
	v kernel.QVector
	b kernel.QBatch
}

// gemv computes dst = w·x, or dst += w·x with add: from the packed
// copy where there is one and reading it pays (kernel.GemvPackedPays:
// the level streams it and it is at most twice L2), else from the
// matrix as it is.
func (w weight) gemv(dst, x []float32, add bool, s *actQ) {
	if w.q == nil {
		if w.p != nil && kernel.GemvPackedPays(w.p) {
			if add {
				kernel.GemvPackedAdd(dst, w.p, x)
			} else {
				kernel.GemvPacked(dst, w.p, x)
			}
			return
		}
		if add {
			kernel.GemvAdd(dst, w.f, x)
		} else {
			kernel.Gemv(dst, w.f, x)
		}
		return
	}
	s.v.Quantize(x)
	if add {
		kernel.QGemvAdd(dst, w.q, &s.v)
	} else {
		kernel.QGemv(dst, w.q, &s.v)
	}
}

// gemm computes c = x·wᵀ (one row of c per row of x), or c += x·wᵀ with
// add: by GemmPacked on p where there is one (which splits a large
// product by bands of rows across kernel.Threads(), with the same bits),
// else by Gemm.
func (w weight) gemm(c, x kernel.Matrix, add bool, s *actQ) {
	if w.q == nil {
		var beta float32
		if add {
			beta = 1
		}
		if w.p != nil {
			kernel.GemmPacked(kernel.NoTrans, 1, x, w.p, beta, c)
			return
		}
		kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, x, w.f, beta, c)
		return
	}
	s.b.Quantize(x)
	if add {
		kernel.QGemmAdd(c, &s.b, w.q)
	} else {
		kernel.QGemm(c, &s.b, w.q)
	}
}

// ih, hh and hr are the cell's weights as the engine multiplies by them.
func (c *Cell) ih() weight { return weight{f: c.Wih, q: c.qih} }
func (c *Cell) hh() weight { return weight{f: c.Whh, q: c.qhh} }
func (c *Cell) hr() weight { return weight{f: c.Whr, q: c.qhr} }

// wy is the head's weight as the engine multiplies by it.
func (n *Net) wy() weight { return weight{f: n.Wy, q: n.qy} }
