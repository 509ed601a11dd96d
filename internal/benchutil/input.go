package benchutil

import "github.com/simdcore/simdcore/kernel"

// Filled returns n deterministic values in [-1, 1), a different sequence
// for each seed (a linear congruential generator's high bits).
func Filled(n int, seed uint32) []float32 {
	x := make([]float32, n)
	s := seed*2654435761 + 1
	for i := range x {
		s = s*1664525 + 1013904223
		x[i] = float32(int32(s)) / (1 << 31)
	}
	return x
}

// ActivationInput returns n deterministic values in [-8, 8), the input of
// the exp-family benchmarks: every code path of those kernels runs and
// nothing saturates.
func ActivationInput(n int) []float32 {
	x := Filled(n, 7)
	for i := range x {
		x[i] *= 8
	}
	return x
}

// Matrix returns a deterministic r×c matrix of Filled(r·c, seed).
func Matrix(r, c int, seed uint32) kernel.Matrix {
	return kernel.MatrixFrom(r, c, Filled(r*c, seed))
}

// Int8s returns n deterministic int8 values in [−127, 127]: Filled(n,
// seed) scaled by 127 and truncated.
func Int8s(n int, seed uint32) []int8 {
	x := make([]int8, n)
	for i, v := range Filled(n, seed) {
		x[i] = int8(v * 127)
	}
	return x
}
