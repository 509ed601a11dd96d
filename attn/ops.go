package attn

import (
	"math"
	"sync"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds the small compound operations attn builds from package
// kernel: matrix products, row softmax with masks, and pooled scratch.

// gemm computes c = alpha·op(a)·op(b) + beta·c.
func gemm(tA, tB bool, alpha float32, a, b kernel.Matrix, beta float32, c kernel.Matrix) {
	gemmShim(tA, tB, alpha, a, b, beta, c)
}

// gemmShim is a stand-in for kernel.Gemm built from Dot and Axpy.
func gemmShim(tA, tB bool, alpha float32, a, b kernel.Matrix, beta float32, c kernel.Matrix) {
	for i := 0; i < c.Rows; i++ {
		crow := c.Row(i)
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			kernel.Scale(beta, crow)
		}
	}
	if alpha == 0 {
		return
	}
	k := a.Cols
	if tA {
		k = a.Rows
	}
	switch {
	case !tA && tB:
		for i := 0; i < c.Rows; i++ {
			ar := a.Row(i)
			crow := c.Row(i)
			for j := range crow {
				crow[j] += alpha * kernel.Dot(ar, b.Row(j))
			}
		}
	case !tA && !tB:
		for i := 0; i < c.Rows; i++ {
			crow := c.Row(i)
			for p := 0; p < k; p++ {
				if v := a.At(i, p); v != 0 {
					kernel.Axpy(alpha*v, b.Row(p), crow)
				}
			}
		}
	case tA && !tB:
		for i := 0; i < c.Rows; i++ {
			crow := c.Row(i)
			for p := 0; p < k; p++ {
				if v := a.At(p, i); v != 0 {
					kernel.Axpy(alpha*v, b.Row(p), crow)
				}
			}
		}
	default:
		for i := 0; i < c.Rows; i++ {
			crow := c.Row(i)
			for j := range crow {
				var s float32
				for p := 0; p < k; p++ {
					s += a.At(p, i) * b.At(j, p)
				}
				crow[j] += alpha * s
			}
		}
	}
}

// expInPlace sets x[i] = exp(x[i]).
func expInPlace(x []float32) {
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v)))
	}
}

// softmaxInPlace normalises x to softmax(x). −Inf entries become exactly 0;
// a row of nothing but −Inf becomes all zeros.
func softmaxInPlace(x []float32) {
	if len(x) == 0 {
		return
	}
	m := kernel.Max(x)
	if m == negInf {
		clear(x)
		return
	}
	addScalar(x, -m)
	expInPlace(x)
	kernel.Scale(1/kernel.Sum(x), x)
}

// ones is a read-only vector of ones for adding a scalar with Axpy.
var ones = func() []float32 {
	o := make([]float32, 1024)
	for i := range o {
		o[i] = 1
	}
	return o
}()

// addScalar computes x[i] += c.
func addScalar(x []float32, c float32) {
	for len(x) > len(ones) {
		kernel.Axpy(c, ones, x[:len(ones)])
		x = x[len(ones):]
	}
	kernel.Axpy(c, ones[:len(x)], x)
}

// scratch is a pooled growable buffer.
type scratch struct{ buf []float32 }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch(n int) *scratch {
	s := scratchPool.Get().(*scratch)
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	s.buf = s.buf[:n]
	return s
}

func putScratch(s *scratch) { scratchPool.Put(s) }

// expf is exp of one float32 (exp(−Inf) = 0).
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
