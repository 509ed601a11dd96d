package ref

import "math"

// Exp writes e^src[i], computed in float64, to dst.
func Exp(dst []float64, src []float32) {
	mustLen("Exp", len(dst), len(src))
	for i, x := range src {
		dst[i] = Exp1(x)
	}
}

// Tanh writes tanh(src[i]), computed in float64, to dst.
func Tanh(dst []float64, src []float32) {
	mustLen("Tanh", len(dst), len(src))
	for i, x := range src {
		dst[i] = Tanh1(x)
	}
}

// Sigmoid writes 1/(1+e^−src[i]), computed in float64, to dst.
func Sigmoid(dst []float64, src []float32) {
	mustLen("Sigmoid", len(dst), len(src))
	for i, x := range src {
		dst[i] = Sigmoid1(x)
	}
}

// Exp1 returns e^x in float64.
func Exp1(x float32) float64 { return math.Exp(float64(x)) }

// Tanh1 returns tanh(x) in float64.
func Tanh1(x float32) float64 { return math.Tanh(float64(x)) }

// Sigmoid1 returns 1/(1+e^−x) in float64, in the form that keeps full
// relative accuracy for large negative x (e^x/(1+e^x)).
func Sigmoid1(x float32) float64 { return Sigmoid64(float64(x)) }

// Softmax writes e^(x[i]−m)/Σ_j e^(x[j]−m), m = max x, computed in
// float64, to dst. -Inf entries give 0; a row of only -Inf entries gives
// zeros; a NaN or +Inf anywhere gives a row of NaN. Empty input is valid.
func Softmax(dst []float64, x []float32) {
	mustLen("Softmax", len(dst), len(x))
	m, ok := softmaxMax(dst, x)
	if !ok {
		return
	}
	var s float64
	for i, v := range x {
		dst[i] = math.Exp(float64(v) - m)
		s += dst[i]
	}
	for i := range dst {
		dst[i] /= s
	}
}

// LogSoftmax writes x[i] − m − log Σ_j e^(x[j]−m), computed in float64,
// to dst. -Inf entries give -Inf; a row of only -Inf gives all -Inf; a NaN
// or +Inf anywhere gives a row of NaN.
func LogSoftmax(dst []float64, x []float32) {
	mustLen("LogSoftmax", len(dst), len(x))
	m, ok := softmaxMax(dst, x)
	if !ok {
		if len(x) > 0 && math.IsInf(m, -1) {
			for i := range dst {
				dst[i] = math.Inf(-1)
			}
		}
		return
	}
	ls := LogSumExpShifted(x, m)
	for i, v := range x {
		dst[i] = (float64(v) - m) - ls
	}
}

// LogSumExp returns log Σ e^x[i] in float64: -Inf for empty input or a
// row of -Inf, +Inf if any element is +Inf (and none is NaN), NaN if any
// is NaN.
func LogSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if v != v {
			return math.NaN()
		}
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, 0) {
		return m
	}
	return m + LogSumExpShifted(x, m)
}

// LogSumExpShifted returns log Σ e^(x[i]−m) in float64.
func LogSumExpShifted(x []float32, m float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return math.Log(s)
}

// softmaxMax returns the row maximum and whether the row is ordinary
// (finite maximum, no NaN). For the others it fills dst: zeros for an
// all -Inf row (m = -Inf), NaN for a row with NaN or +Inf.
func softmaxMax(dst []float64, x []float32) (m float64, ok bool) {
	m = math.Inf(-1)
	for _, v := range x {
		if v != v || math.IsInf(float64(v), 1) {
			for i := range dst {
				dst[i] = math.NaN()
			}
			return math.NaN(), false
		}
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, -1) {
		for i := range dst {
			dst[i] = 0
		}
		return m, false
	}
	return m, true
}
