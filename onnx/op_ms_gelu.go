package onnx

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// The GELU family of ONNX Runtime's com.microsoft domain, which its
// transformer optimizer writes for the fused activations, on float32:
//
//	Gelu:      y = x·Φ(x) (erf form)                        kernel.GELU
//	BiasGelu:  y = Gelu(A + B)                              kernel.GELU
//	FastGelu:  y = x/2·(1+tanh(√(2/π)·(x+0.044715·x³))),
//	           x = X (+ bias when given)                    kernel.GELUTanh
//	QuickGelu: y = x·σ(alpha·x), alpha 1.702 by default     kernel.Sigmoid
//
// The bias of BiasGelu and FastGelu is 1-D, of the input's last dimension,
// added to every row (x + bias rounded to float32 first, as ONNX Runtime
// does). QuickGelu rounds alpha·x to float32 before the sigmoid and
// multiplies by x in float32.
//
// As ONNX Runtime, whose kernels compute x·Φ(x) and x/2·(1+tanh(…))
// literally, Gelu, BiasGelu and FastGelu of −Inf are NaN (−Inf·0), where
// the kernels give the limit −0; +Inf gives +Inf and NaN gives NaN.

func init() {
	registerMS("Gelu", biasActivation(kernel.GELU, false, false))
	registerMS("BiasGelu", biasActivation(kernel.GELU, true, true))
	registerMS("FastGelu", biasActivation(kernel.GELUTanh, false, true))
	registerMS("QuickGelu", buildQuickGelu)
}

// biasActivation builds f(x + bias) with bias input 1 (required when
// needBias, refused when !takesBias, else optional) a 1-D tensor of x's
// last dimension; f(−Inf) is NaN.
func biasActivation(f func(dst, src []float32), needBias, takesBias bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, y, err := c.elementwise(Float)
		if err != nil {
			return nil, err
		}
		bias := c.input(1)
		if bias != nil && !takesBias {
			return nil, c.shapeErr("%s takes one input, not %d", c.node.OpType, c.nIn())
		}
		if bias == nil && needBias {
			_, err := c.need(1)
			return nil, err
		}
		if bias == nil {
			return func() error {
				f(y.Float, x.Float)
				for i, v := range x.Float {
					if v < -math.MaxFloat32 {
						y.Float[i] = float32(math.NaN())
					}
				}
				return nil
			}, nil
		}
		if err := c.needType(bias, Float); err != nil {
			return nil, err
		}
		if len(x.Dims) == 0 || len(bias.Dims) != 1 || bias.Dims[0] != x.Dims[len(x.Dims)-1] {
			return nil, c.shapeErr("%s bias of shape %v for input %v: want [last dimension]", c.node.OpType, bias.Dims, x.Dims)
		}
		h := bias.Dims[0]
		return func() error {
			if h == 0 {
				return nil
			}
			for r := 0; r < len(x.Float); r += h {
				kernel.Add(y.Float[r:r+h], x.Float[r:r+h], bias.Float)
			}
			f(y.Float, y.Float)
			for r := 0; r < len(x.Float); r += h {
				for j, v := range x.Float[r : r+h] {
					if v+bias.Float[j] < -math.MaxFloat32 {
						y.Float[r+j] = float32(math.NaN())
					}
				}
			}
			return nil
		}, nil
	}
}

func buildQuickGelu(c *nodeCtx) (func() error, error) {
	x, y, err := c.elementwise(Float)
	if err != nil {
		return nil, err
	}
	alpha := c.attrFloat("alpha", 1.702)
	if c.err != nil {
		return nil, c.err
	}
	return func() error {
		for i, v := range x.Float {
			y.Float[i] = alpha * v
		}
		kernel.Sigmoid(y.Float, y.Float)
		kernel.Mul(y.Float, y.Float, x.Float)
		return nil
	}, nil
}
