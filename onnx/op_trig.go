package onnx

import "math"

// The trigonometric and hyperbolic functions on float32: Sin, Cos, Tan,
// Asin, Acos, Atan (opset 7) and Sinh, Cosh, Asinh, Acosh, Atanh (opset 9),
// each computed in float64 and rounded once. Outside a function's domain
// (Asin of 2, Acosh of 0.5, Atanh of 2) the result is NaN, as in C.

func init() {
	for _, f := range []struct {
		name  string
		since int64
		fn    func(float64) float64
	}{
		{"Sin", 7, math.Sin},
		{"Cos", 7, math.Cos},
		{"Tan", 7, math.Tan},
		{"Asin", 7, math.Asin},
		{"Acos", 7, math.Acos},
		{"Atan", 7, math.Atan},
		{"Sinh", 9, math.Sinh},
		{"Cosh", 9, math.Cosh},
		{"Asinh", 9, math.Asinh},
		{"Acosh", 9, math.Acosh},
		{"Atanh", 9, math.Atanh},
	} {
		fn := f.fn
		register(f.name, f.since, floatUnary(mapF(func(x float32) float32 { return float32(fn(float64(x))) })))
	}
}
