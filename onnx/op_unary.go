package onnx

import (
	"math"
	"slices"

	"github.com/simdcore/simdcore/kernel"
)

// The elementwise unary operators on float32 (simdcore's kernels for Relu,
// Sigmoid, Tanh, Exp and Gelu), Neg and Abs on integers too, Relu on the
// signed integers since opset 14, and Not on BOOL.

func init() {
	register("Relu", 1, orInt(floatUnary(kernel.ReLU), 14, []DataType{Int64, Int32, Int16, Int8},
		func(x int64) int64 { return max(x, 0) }))
	register("Sigmoid", 1, floatUnary(kernel.Sigmoid))
	register("Tanh", 1, floatUnary(kernel.Tanh))
	register("Exp", 1, floatUnary(kernel.Exp))
	register("Gelu", 20, buildGelu)
	register("Sqrt", 1, floatUnary(mapF(func(x float32) float32 { return float32(math.Sqrt(float64(x))) })))
	register("Log", 1, floatUnary(mapF(func(x float32) float32 { return float32(math.Log(float64(x))) })))
	register("Reciprocal", 1, floatUnary(mapF(func(x float32) float32 { return 1 / x })))
	register("Floor", 1, floatUnary(mapF(func(x float32) float32 { return float32(math.Floor(float64(x))) })))
	register("Ceil", 1, floatUnary(mapF(func(x float32) float32 { return float32(math.Ceil(float64(x))) })))
	register("Neg", 1, signedUnary(func(x float32) float32 { return -x }, func(x int64) int64 { return -x }))
	register("Abs", 1, signedUnary(func(x float32) float32 { return float32(math.Abs(float64(x))) },
		func(x int64) int64 { return max(x, -x) }))
	register("Not", 1, buildNot)
}

// mapF makes an elementwise function of a scalar one.
func mapF(f func(float32) float32) func(dst, src []float32) {
	return func(dst, src []float32) {
		for i, x := range src {
			dst[i] = f(x)
		}
	}
}

func floatUnary(f func(dst, src []float32)) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, y, err := c.elementwise(Float)
		if err != nil {
			return nil, err
		}
		return func() error { f(y.Float, x.Float); return nil }, nil
	}
}

func signedUnary(f func(float32) float32, g func(int64) int64) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, y, err := c.elementwise(Float, Int64, Int32, Int16, Int8)
		if err != nil {
			return nil, err
		}
		if x.DType == Float {
			return func() error {
				for i, v := range x.Float {
					y.Float[i] = f(v)
				}
				return nil
			}, nil
		}
		lo, hi := intRange(x.DType)
		return func() error {
			for i, v := range x.Int {
				y.Int[i] = wrap(g(v), lo, hi)
			}
			return nil
		}, nil
	}
}

// orInt is fb, except on an input of one of types from opset since, which
// it maps with g (whose results stay in the type's range).
func orInt(fb opBuilder, since int64, types []DataType, g func(int64) int64) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		if x := c.input(0); x == nil || c.opset < since || !slices.Contains(types, x.DType) {
			return fb(c)
		}
		x, y, err := c.elementwise(types...)
		if err != nil {
			return nil, err
		}
		return func() error {
			for i, v := range x.Int {
				y.Int[i] = g(v)
			}
			return nil
		}, nil
	}
}

func buildNot(c *nodeCtx) (func() error, error) {
	x, y, err := c.elementwise(Bool)
	if err != nil {
		return nil, err
	}
	return func() error {
		for i, v := range x.Int {
			y.Int[i] = 1 - v
		}
		return nil
	}, nil
}

// buildGelu is Gelu (opset 20): x·Φ(x) with simdcore's GELU kernel, or its
// tanh approximation (approximate="tanh") with GELUTanh.
func buildGelu(c *nodeCtx) (func() error, error) {
	switch a := c.attrString("approximate", "none"); a {
	case "none":
		return floatUnary(kernel.GELU)(c)
	case "tanh":
		return floatUnary(kernel.GELUTanh)(c)
	default:
		return nil, c.unsupported("approximate %q", a)
	}
}
