// Package ref holds the reference kernels that every simdcore
// implementation is tested against: straightforward loops that accumulate
// in float64 and use package math. They are slow on purpose, and exported
// so that users can test their own code against the same oracles.
//
// Reductions return float64 so a test can bound the float32 kernel's
// rounding error; elementwise references write float64 results.
package ref

import (
	"fmt"
	"math"
)

// Dot returns Σ x[i]·y[i] in float64.
func Dot(x, y []float32) float64 {
	mustLen("Dot", len(x), len(y))
	var s float64
	for i := range x {
		s += float64(x[i]) * float64(y[i])
	}
	return s
}

// DotAbs returns Σ |x[i]·y[i]|, the scale of Dot's rounding error bound.
func DotAbs(x, y []float32) float64 {
	mustLen("DotAbs", len(x), len(y))
	var s float64
	for i := range x {
		s += math.Abs(float64(x[i]) * float64(y[i]))
	}
	return s
}

// Sum returns Σ x[i] in float64.
func Sum(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// SumAbs returns Σ |x[i]|.
func SumAbs(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += math.Abs(float64(v))
	}
	return s
}

// Max returns the largest element, -Inf for empty input, and NaN if any
// element is NaN.
func Max(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// Argmax returns the index of the first maximum, the index of the first
// NaN if there is one, and -1 for empty input.
func Argmax(x []float32) int {
	best := -1
	for i, v := range x {
		if v != v {
			return i
		}
		if best < 0 || v > x[best] {
			best = i
		}
	}
	return best
}

// Axpy writes y[i] + alpha·x[i], computed exactly in float64, to dst.
func Axpy(dst []float64, alpha float32, x, y []float32) {
	mustLen("Axpy", len(x), len(y))
	mustLen("Axpy", len(dst), len(y))
	for i := range x {
		dst[i] = float64(y[i]) + float64(alpha)*float64(x[i])
	}
}

// Scale writes alpha·x[i] to dst.
func Scale(dst []float64, alpha float32, x []float32) {
	mustLen("Scale", len(dst), len(x))
	for i := range x {
		dst[i] = float64(alpha) * float64(x[i])
	}
}

// Add writes a[i] + b[i] to dst.
func Add(dst []float64, a, b []float32) {
	mustLen("Add", len(a), len(b))
	mustLen("Add", len(dst), len(a))
	for i := range a {
		dst[i] = float64(a[i]) + float64(b[i])
	}
}

// Mul writes a[i]·b[i] to dst.
func Mul(dst []float64, a, b []float32) {
	mustLen("Mul", len(a), len(b))
	mustLen("Mul", len(dst), len(a))
	for i := range a {
		dst[i] = float64(a[i]) * float64(b[i])
	}
}

// Gemv writes Σ_j a[i*stride+j]·x[j] to dst[i] for a rows×len(x) matrix
// stored row-major with the given stride, and the matching Σ_j |a·x| to
// abs (if abs is not nil) for error bounds.
func Gemv(dst, abs []float64, rows, stride int, a, x []float32) {
	mustLen("Gemv", len(dst), rows)
	for i := 0; i < rows; i++ {
		row := a[i*stride : i*stride+len(x)]
		dst[i] = Dot(row, x)
		if abs != nil {
			abs[i] = DotAbs(row, x)
		}
	}
}

// GemvT writes Σ_i a[i*stride+j]·x[i] to dst[j] for a len(x)×len(dst)
// matrix, and the matching Σ_i |a·x| to abs (if not nil).
func GemvT(dst, abs []float64, stride int, a, x []float32) {
	for j := range dst {
		var s, sa float64
		for i := range x {
			p := float64(a[i*stride+j]) * float64(x[i])
			s += p
			sa += math.Abs(p)
		}
		dst[j] = s
		if abs != nil {
			abs[j] = sa
		}
	}
}

func mustLen(fn string, a, b int) {
	if a != b {
		panic(fmt.Sprintf("ref.%s: lengths %d != %d", fn, a, b))
	}
}
