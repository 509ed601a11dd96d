package onnx

import (
	"cmp"
	"math"
)

// The parameterized activations on float32 (LeakyRelu, Elu, Celu, Selu,
// HardSigmoid, HardSwish, Softplus, Softsign, Mish, ThresholdedRelu,
// Shrink, Sign, Erf; Sign also of the integer types), Clip, and PRelu with
// its slope broadcast to the input. The transcendental ones are computed in
// float64 and rounded once.

func init() {
	register("LeakyRelu", 1, paramUnary(func(c *nodeCtx) func(float32) float32 {
		alpha := c.attrFloat("alpha", 0.01)
		return func(x float32) float32 { return max(x, 0) + alpha*min(x, 0) }
	}))
	register("Elu", 1, paramUnary(func(c *nodeCtx) func(float32) float32 {
		alpha := float64(c.attrFloat("alpha", 1))
		return func(x float32) float32 {
			if x >= 0 {
				return x
			}
			return float32(alpha * math.Expm1(float64(x)))
		}
	}))
	register("Celu", 12, paramUnary(func(c *nodeCtx) func(float32) float32 {
		alpha := float64(c.attrFloat("alpha", 1))
		return func(x float32) float32 {
			if x >= 0 || x != x {
				return x
			}
			return float32(alpha * math.Expm1(float64(x)/alpha))
		}
	}))
	register("Mish", 18, paramUnary(func(*nodeCtx) func(float32) float32 {
		return func(x float32) float32 {
			v := float64(x)
			return float32(v * math.Tanh(max(v, 0)+math.Log1p(math.Exp(-math.Abs(v)))))
		}
	}))
	register("ThresholdedRelu", 10, paramUnary(func(c *nodeCtx) func(float32) float32 {
		alpha := c.attrFloat("alpha", 1)
		return func(x float32) float32 {
			if x > alpha || x != x {
				return x
			}
			return 0
		}
	}))
	register("Shrink", 9, paramUnary(func(c *nodeCtx) func(float32) float32 {
		lambd, bias := c.attrFloat("lambd", 0.5), c.attrFloat("bias", 0)
		return func(x float32) float32 {
			switch {
			case x < -lambd:
				return x + bias
			case x > lambd:
				return x - bias
			case x != x:
				return x
			}
			return 0
		}
	}))
	register("Selu", 1, paramUnary(func(c *nodeCtx) func(float32) float32 {
		alpha := float64(c.attrFloat("alpha", 1.67326319217681884765625))
		gamma := float64(c.attrFloat("gamma", 1.05070102214813232421875))
		return func(x float32) float32 {
			if x > 0 {
				return float32(gamma * float64(x))
			}
			return float32(gamma * alpha * math.Expm1(float64(x)))
		}
	}))
	register("HardSigmoid", 1, paramUnary(func(c *nodeCtx) func(float32) float32 {
		alpha, beta := c.attrFloat("alpha", 0.2), c.attrFloat("beta", 0.5)
		return func(x float32) float32 { return max(0, min(1, alpha*x+beta)) }
	}))
	register("HardSwish", 14, paramUnary(func(*nodeCtx) func(float32) float32 {
		return func(x float32) float32 { return x * max(0, min(1, x/6+0.5)) }
	}))
	register("Softplus", 1, paramUnary(func(*nodeCtx) func(float32) float32 {
		return func(x float32) float32 {
			v := float64(x)
			return float32(max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))))
		}
	}))
	register("Softsign", 1, paramUnary(func(*nodeCtx) func(float32) float32 {
		return func(x float32) float32 { return x / (1 + float32(math.Abs(float64(x)))) }
	}))
	register("Sign", 9, orInt(paramUnary(func(*nodeCtx) func(float32) float32 {
		return func(x float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // ±0 and NaN
		}
	}), 9, intTypes, func(x int64) int64 { return int64(cmp.Compare(x, 0)) }))
	register("Erf", 9, paramUnary(func(*nodeCtx) func(float32) float32 {
		return func(x float32) float32 { return float32(math.Erf(float64(x))) }
	}))
	register("Clip", 1, buildClip)
	register("PRelu", 1, buildPRelu)
}

// paramUnary builds an elementwise float32 operator whose scalar function
// make reads from the node's attributes.
func paramUnary(make func(c *nodeCtx) func(float32) float32) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		return floatUnary(mapF(make(c)))(c)
	}
}

// buildClip clamps to [min, max]: attributes before opset 11, optional
// scalar inputs since (read at run time, so they may be computed); since
// opset 12 also the integer types (torch.clamp of an int64 tensor), with
// bounds of the input's type.
func buildClip(c *nodeCtx) (func() error, error) {
	types := []DataType{Float}
	if c.opset >= 12 {
		types = append(types, intTypes...)
	}
	x, y, err := c.elementwise(types...)
	if err != nil {
		return nil, err
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if c.opset < 11 {
		lo, hi = c.attrFloat("min", lo), c.attrFloat("max", hi)
	}
	var loT, hiT *Tensor
	for i, t := range []**Tensor{&loT, &hiT} {
		if *t = c.input(1 + i); *t != nil && ((*t).DType != x.DType || (*t).Len() != 1) {
			return nil, c.shapeErr("Clip bound %d is %v %v, want one %v", i, (*t).DType, (*t).Dims, x.DType)
		}
	}
	if x.DType != Float {
		return func() error {
			l, h := int64(math.MinInt64), int64(math.MaxInt64)
			if loT != nil {
				l = loT.Int[0]
			}
			if hiT != nil {
				h = hiT.Int[0]
			}
			for i, v := range x.Int {
				y.Int[i] = min(max(v, l), h)
			}
			return nil
		}, nil
	}
	return func() error {
		l, h := lo, hi
		if loT != nil {
			l = loT.Float[0]
		}
		if hiT != nil {
			h = hiT.Float[0]
		}
		for i, v := range x.Float {
			if v == v { // NaN stays NaN
				v = min(max(v, l), h)
			}
			y.Float[i] = v
		}
		return nil
	}, nil
}

// buildPRelu: the slope broadcasts to the input (numpy, since opset 7;
// before, one value or one per channel, axis 1).
func buildPRelu(c *nodeCtx) (func() error, error) {
	ts, err := c.needAll(2, Float)
	if err != nil {
		return nil, err
	}
	x, slope := ts[0], ts[1]
	sDims := slope.Dims
	if c.opset < 7 && slope.Len() != 1 {
		if len(x.Dims) < 2 || slope.Len() != x.Dims[1] {
			return nil, c.shapeErr("slope of shape %v for input %v: want one value or one per channel", slope.Dims, x.Dims)
		}
		sDims = make([]int, len(x.Dims))
		for i := range sDims {
			sDims[i] = 1
		}
		sDims[1] = x.Dims[1]
	}
	if out, err := broadcastDims(x.Dims, sDims); err != nil || !equalDims(out, x.Dims) {
		return nil, c.shapeErr("slope of shape %v does not broadcast to %v", slope.Dims, x.Dims)
	}
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	plan := newBcast(x.Dims, x.Dims, sDims)
	return func() error {
		plan.blocks(func(o, n, ao, bo, sa, sb int) {
			for i := range n {
				v := x.Float[ao+i*sa]
				if v < 0 {
					v *= slope.Float[bo+i*sb]
				}
				y.Float[o+i] = v
			}
		})
		return nil
	}, nil
}
