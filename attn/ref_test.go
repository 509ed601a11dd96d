package attn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// The float64 references every path is tested against: the definitions,
// written as plainly as possible.

// refWeights returns the attention weights of a Tq×Tk problem in float64.
func refWeights(q, k kernel.Matrix, opt Options) [][]float64 {
	c := float64(opt.effScale(q.Cols))
	w := make([][]float64, q.Rows)
	for i := range w {
		s := make([]float64, k.Rows)
		end := opt.keyEnd(i, q.Rows, k.Rows)
		m := math.Inf(-1)
		for j := range s {
			if j >= end {
				s[j] = math.Inf(-1)
				continue
			}
			var d float64
			for p := 0; p < q.Cols; p++ {
				d += float64(q.At(i, p)) * float64(k.At(j, p))
			}
			s[j] = c * d
			if opt.Mask != nil {
				s[j] += float64(opt.Mask[i*k.Rows+j])
			}
			if opt.Keep != nil && !opt.Keep[i*k.Rows+j] || opt.KeepKeys != nil && !opt.KeepKeys[j] {
				s[j] = math.Inf(-1)
			}
			m = math.Max(m, s[j])
		}
		if !math.IsInf(m, -1) {
			var z float64
			for j := range s {
				s[j] = math.Exp(s[j] - m)
				z += s[j]
			}
			for j := range s {
				s[j] /= z
			}
		} else {
			for j := range s {
				s[j] = 0
			}
		}
		w[i] = s
	}
	return w
}

// refAttend returns weights·V in float64.
func refAttend(w [][]float64, v kernel.Matrix) [][]float64 {
	out := make([][]float64, len(w))
	for i := range out {
		o := make([]float64, v.Cols)
		for j, wj := range w[i] {
			if wj == 0 {
				continue
			}
			for p := range o {
				o[p] += wj * float64(v.At(j, p))
			}
		}
		out[i] = o
	}
	return out
}

// refSelf is SelfAttention in float64.
func refSelf(q, k, v kernel.Matrix, opt Options) [][]float64 {
	return refAttend(refWeights(q, k, opt), v)
}

// randMatrix returns a rows×cols matrix of values in [lo,hi) whose row
// padding (pad extra elements per row) holds NaN, so a kernel reading
// past Cols poisons its result.
func randMatrix(r *rand.Rand, rows, cols, pad int, lo, hi float32) kernel.Matrix {
	stride := cols + pad
	data := make([]float32, rows*stride)
	for i := range data {
		data[i] = float32(math.NaN())
	}
	m := kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: data}
	for i := 0; i < rows; i++ {
		kerneltest.Fill(r, m.Row(i), lo, hi)
	}
	return m
}

func randVec(r *rand.Rand, n int, lo, hi float32) []float32 {
	x := make([]float32, n)
	kerneltest.Fill(r, x, lo, hi)
	return x
}

// near fails the test if got and want differ by more than tol·(1+|want|).
func near(t testing.TB, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g := float64(got[i])
		if math.IsNaN(g) || math.Abs(g-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v (tol %g)", what, i, got[i], want[i], tol)
		}
	}
}

// nearMatrix compares a matrix with a float64 reference row by row.
func nearMatrix(t testing.TB, what string, got kernel.Matrix, want [][]float64, tol float64) {
	t.Helper()
	if got.Rows != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, got.Rows, len(want))
	}
	for i := range want {
		near(t, what+"/row"+itoa(i), got.Row(i), want[i], tol)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// accTol is the tolerance for float32 results of a length-n accumulation
// (oneDNN's rule: it grows with log2 n).
func accTol(n int) float64 {
	return 4e-6 * (2 + math.Log2(float64(n+1)))
}
