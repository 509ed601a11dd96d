package onnx

import (
	"github.com/simdcore/simdcore/kernel"
)

// FusedConv (com.microsoft), which ONNX Runtime's optimizer writes at its
// 'extended' level for a Conv followed by an activation:
//
//	Y = activation(Conv(X, W) + B + Z)
//
// X, W and the optional bias B as Conv's (the same attributes, and the
// same kernel.PackedConv: op_conv.go), Z an optional FLOAT input of Y's
// shape (ONNX Runtime's Conv+Add fusion), and the attribute activation,
// with activation_params where it has parameters, one of the activations
// ONNX Runtime's CPU kernel fuses:
//
//	Relu                              kernel.ReLU
//	Tanh, Sigmoid                     kernel.Tanh, kernel.Sigmoid
//	LeakyRelu [alpha]                 x ≥ 0 ? x : alpha·x
//	Clip [min, max]                   min(max(x, min), max) (NaN stays NaN)
//	HardSigmoid [alpha, beta]         min(max(alpha·x + beta, 0), 1),
//	                                  alpha·x rounded before adding beta
//
// and none (the attribute left out) is the identity. Another activation
// (Silu too, which ONNX Runtime 1.31's CPU kernel refuses), or a count of
// activation_params other than the one listed, is refused, as ONNX Runtime
// refuses it. ONNX Runtime adds Z into the product before the
// bias and computes Tanh and Sigmoid with MLAS's approximations (absolute
// errors near 1e-6 for the logistic); here the bias is added in the
// convolution and Z after, so a sum may round differently in its last
// place.

func init() {
	registerMS("FusedConv", buildFusedConv)
}

// fusedActivation reads a FusedConv's activation and activation_params
// into the in-place function applied to its output; nil for none.
func fusedActivation(c *nodeCtx) (func([]float32), error) {
	act := c.attrString("activation", "")
	if c.err != nil {
		return nil, c.err
	}
	want := map[string]int{"": 0, "Relu": 0, "Tanh": 0, "Sigmoid": 0, "LeakyRelu": 1, "Clip": 2, "HardSigmoid": 2}
	n, ok := want[act]
	if !ok {
		return nil, c.unsupported("attribute activation %q", act)
	}
	var p []float32
	if n > 0 {
		v, ok, err := c.attrFloats("activation_params")
		if err != nil {
			return nil, err
		}
		if !ok || len(v) != n {
			return nil, c.shapeErr("activation %s takes %d activation_params, got %v", act, n, v)
		}
		p = v
	}
	switch act {
	case "Relu":
		return func(y []float32) { kernel.ReLU(y, y) }, nil
	case "Tanh":
		return func(y []float32) { kernel.Tanh(y, y) }, nil
	case "Sigmoid":
		return func(y []float32) { kernel.Sigmoid(y, y) }, nil
	case "LeakyRelu":
		alpha := p[0]
		return func(y []float32) {
			for i, v := range y {
				if !(v >= 0) {
					y[i] = v * alpha
				}
			}
		}, nil
	case "Clip":
		lo, hi := p[0], p[1]
		return func(y []float32) {
			for i, v := range y {
				if v == v {
					y[i] = min(max(v, lo), hi)
				}
			}
		}, nil
	case "HardSigmoid":
		alpha, beta := p[0], p[1]
		return func(y []float32) {
			for i, v := range y {
				// the product rounded on its own: no fused multiply-add
				y[i] = max(0, min(1, float32(alpha*v)+beta))
			}
		}, nil
	}
	return nil, nil
}

func buildFusedConv(c *nodeCtx) (func() error, error) {
	act, err := fusedActivation(c)
	if err != nil {
		return nil, err
	}
	y, conv, err := planConv(c)
	if err != nil {
		return nil, err
	}
	z := c.input(3)
	if z != nil {
		if err := c.needType(z, Float); err != nil {
			return nil, err
		}
		if !equalDims(z.Dims, y.Dims) {
			return nil, c.shapeErr("FusedConv Z of shape %v, want the output's %v", z.Dims, y.Dims)
		}
	}
	if c.nIn() > 4 {
		return nil, c.shapeErr("FusedConv takes at most 4 inputs, not %d", c.nIn())
	}
	return func() error {
		if err := conv(); err != nil {
			return err
		}
		if z != nil {
			kernel.Add(y.Float, y.Float, z.Float)
		}
		if act != nil {
			act(y.Float)
		}
		return nil
	}, nil
}
