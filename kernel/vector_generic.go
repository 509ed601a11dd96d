package kernel

import "math"

var negInf = float32(math.Inf(-1))

// The generic kernels are what purego builds and other architectures run,
// and the "generic" level everywhere. They are plain Go written for the
// compiler: four or eight independent accumulators so the adds overlap,
// and slices re-sliced to the loop bound so bounds checks vanish.

// dotGeneric is the portable Dot:
//
//	for i := range x { s += x[i] * y[i] }
func dotGeneric(x, y []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	n := len(x) &^ 7
	y = y[:len(x)]
	for i := 0; i < n; i += 8 {
		xs, ys := x[i:i+8:i+8], y[i:i+8:i+8]
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
		s4 += xs[4] * ys[4]
		s5 += xs[5] * ys[5]
		s6 += xs[6] * ys[6]
		s7 += xs[7] * ys[7]
	}
	for i := n; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// sumGeneric is the portable Sum:
//
//	for i := range x { s += x[i] }
func sumGeneric(x []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	n := len(x) &^ 7
	for i := 0; i < n; i += 8 {
		xs := x[i : i+8 : i+8]
		s0 += xs[0]
		s1 += xs[1]
		s2 += xs[2]
		s3 += xs[3]
		s4 += xs[4]
		s5 += xs[5]
		s6 += xs[6]
		s7 += xs[7]
	}
	for i := n; i < len(x); i++ {
		s0 += x[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// maxGeneric is the portable Max (NaN wins; -Inf for empty):
//
//	m := -Inf; for i := range x { if x[i] > m || x[i] != x[i] { m = x[i] } }
func maxGeneric(x []float32) float32 {
	m0, m1, m2, m3 := negInf, negInf, negInf, negInf
	nan := false
	n := len(x) &^ 3
	for i := 0; i < n; i += 4 {
		xs := x[i : i+4 : i+4]
		a, b, c, d := xs[0], xs[1], xs[2], xs[3]
		// a != a is true only for NaN; one OR per element keeps it branch-free.
		nan = nan || a != a || b != b || c != c || d != d
		if a > m0 {
			m0 = a
		}
		if b > m1 {
			m1 = b
		}
		if c > m2 {
			m2 = c
		}
		if d > m3 {
			m3 = d
		}
	}
	for i := n; i < len(x); i++ {
		if x[i] != x[i] {
			nan = true
		}
		if x[i] > m0 {
			m0 = x[i]
		}
	}
	if nan {
		return float32(math.NaN())
	}
	return max(max(m0, m1), max(m2, m3))
}

// argmaxGeneric is the portable Argmax (first maximum; first NaN wins;
// -1 for empty):
//
//	for i := range x { if x[i] != x[i] { return i }; if x[i] > x[best] { best = i } }
func argmaxGeneric(x []float32) int {
	if len(x) == 0 {
		return -1
	}
	best, bv := 0, x[0]
	if bv != bv {
		return 0
	}
	for i := 1; i < len(x); i++ {
		v := x[i]
		if v > bv {
			best, bv = i, v
		} else if v != v {
			return i
		}
	}
	return best
}

// axpyGeneric is the portable Axpy:
//
//	for i := range x { y[i] += alpha * x[i] }
func axpyGeneric(alpha float32, x, y []float32) {
	n := len(x) &^ 3
	y = y[:len(x)]
	for i := 0; i < n; i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		ys[0] += alpha * xs[0]
		ys[1] += alpha * xs[1]
		ys[2] += alpha * xs[2]
		ys[3] += alpha * xs[3]
	}
	for i := n; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// scaleGeneric is the portable Scale:
//
//	for i := range x { x[i] *= alpha }
func scaleGeneric(alpha float32, x []float32) {
	n := len(x) &^ 3
	for i := 0; i < n; i += 4 {
		xs := x[i : i+4 : i+4]
		xs[0] *= alpha
		xs[1] *= alpha
		xs[2] *= alpha
		xs[3] *= alpha
	}
	for i := n; i < len(x); i++ {
		x[i] *= alpha
	}
}

// addGeneric is the portable Add:
//
//	for i := range dst { dst[i] = a[i] + b[i] }
func addGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := len(dst) &^ 3
	for i := 0; i < n; i += 4 { // four per iteration: less loop overhead, whatever the loop's alignment
		d, x, y := dst[i:i+4:i+4], a[i:i+4:i+4], b[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]+y[0], x[1]+y[1], x[2]+y[2], x[3]+y[3]
	}
	for i := n; i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}

// mulGeneric is the portable Mul:
//
//	for i := range dst { dst[i] = a[i] * b[i] }
func mulGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := len(dst) &^ 3
	for i := 0; i < n; i += 4 { // four per iteration: less loop overhead, whatever the loop's alignment
		d, x, y := dst[i:i+4:i+4], a[i:i+4:i+4], b[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]*y[0], x[1]*y[1], x[2]*y[2], x[3]*y[3]
	}
	for i := n; i < len(dst); i++ {
		dst[i] = a[i] * b[i]
	}
}
