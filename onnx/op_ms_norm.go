package onnx

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// The layer norms ONNX Runtime's transformer optimizer writes, on float32:
//
//   - SkipLayerNormalization (com.microsoft): input, skip, gamma, beta
//     (optional), bias (optional); outputs output, mean, inv_std_var,
//     input_skip_bias_sum (all but the first optional). s = input + skip
//     (+ bias), each sum rounded to float32 as ONNX Runtime adds them; the
//     output is LayerNorm(s) over the last dimension (kernel.LayerNorm),
//     epsilon 1e-12 by default.
//   - SkipSimplifiedLayerNormalization (com.microsoft): input, skip,
//     gamma, bias (optional); the same outputs, RMSNorm(s) (kernel.RMSNorm).
//   - SimplifiedLayerNormalization (the default domain, where ONNX Runtime
//     registers it, since opset 1): X, scale; outputs Y and inv_std_var
//     (optional); RMSNorm over the axes from axis (default −1) on,
//     epsilon 1e-5 by default.
//
// input is 2-D or 3-D with the hidden size H last; skip has input's shape
// or its last two dimensions ([S, H] or [1, S, H], added to every batch);
// gamma, beta and bias are 1-D of H. mean and inv_std_var are the row
// statistics (float64, rounded once) of shape input's with the last
// dimension 1; mean is 0 for the simplified forms, as ONNX Runtime leaves
// it.

func init() {
	registerMS("SkipLayerNormalization", skipNorm(false))
	registerMS("SkipSimplifiedLayerNormalization", skipNorm(true))
	register("SimplifiedLayerNormalization", 1, buildSimplifiedLayerNorm)
}

// rowStats returns the mean (0 when simplified) and 1/√(var + eps) of row
// in float64 (var the mean square when simplified).
func rowStats(row []float32, eps float64, simplified bool) (mu, inv float64) {
	var s float64
	if !simplified {
		for _, v := range row {
			s += float64(v)
		}
		mu = s / float64(len(row))
	}
	var ss float64
	for _, v := range row {
		d := float64(v) - mu
		ss += d * d
	}
	return mu, 1 / math.Sqrt(ss/float64(len(row))+eps)
}

func skipNorm(simplified bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		in, err := c.needAll(3, Float)
		if err != nil {
			return nil, err
		}
		x, skip, gamma := in[0], in[1], in[2]
		var beta, bias *Tensor
		if simplified {
			bias = c.input(3)
		} else {
			beta, bias = c.input(3), c.input(4)
		}
		eps := c.attrFloat("epsilon", 1e-12)
		if c.err != nil {
			return nil, c.err
		}
		if len(x.Dims) != 2 && len(x.Dims) != 3 {
			return nil, c.shapeErr("%s of input %v: want 2-D or 3-D", c.node.OpType, x.Dims)
		}
		h := x.Dims[len(x.Dims)-1]
		rowsIn := x.Len() / max(h, 1)
		last2 := x.Dims[len(x.Dims)-2:]
		switch {
		case equalDims(skip.Dims, x.Dims), equalDims(skip.Dims, last2),
			len(skip.Dims) == 3 && skip.Dims[0] == 1 && equalDims(skip.Dims[1:], last2):
		default:
			return nil, c.shapeErr("%s skip of shape %v for input %v", c.node.OpType, skip.Dims, x.Dims)
		}
		for i, p := range []*Tensor{gamma, beta, bias} {
			if p == nil {
				continue
			}
			if err := c.needType(p, Float); err != nil {
				return nil, err
			}
			if len(p.Dims) != 1 || p.Dims[0] != h {
				return nil, c.shapeErr("%s %s of shape %v: want [%d]", c.node.OpType, []string{"gamma", "beta", "bias"}[i], p.Dims, h)
			}
		}
		y, err := c.output(0, Float, x.Dims)
		if err != nil {
			return nil, err
		}
		sd := statDims(x.Dims, len(x.Dims)-1)
		var mean, inv, sum *Tensor
		if c.wants(1) {
			if mean, err = c.output(1, Float, sd); err != nil {
				return nil, err
			}
		}
		if c.wants(2) {
			if inv, err = c.output(2, Float, sd); err != nil {
				return nil, err
			}
		}
		if sum, err = c.output(3, Float, x.Dims); err != nil {
			return nil, err
		}
		var betaF, biasF []float32
		if beta != nil {
			betaF = beta.Float
		}
		if bias != nil {
			biasF = bias.Float
		}
		skipLen := skip.Len()
		e32, e64 := eps, float64(eps)
		return func() error {
			if h == 0 {
				return nil
			}
			for r := range rowsIn {
				o := r * h
				so := o % skipLen
				s := sum.Float[o : o+h]
				kernel.Add(s, x.Float[o:o+h], skip.Float[so:so+h])
				if biasF != nil {
					kernel.Add(s, s, biasF)
				}
				if simplified {
					kernel.RMSNorm(y.Float[o:o+h], s, gamma.Float, e32)
				} else {
					kernel.LayerNorm(y.Float[o:o+h], s, gamma.Float, betaF, e32)
				}
				if mean != nil || inv != nil {
					mu, is := rowStats(s, e64, simplified)
					if mean != nil {
						mean.Float[r] = float32(mu)
					}
					if inv != nil {
						inv.Float[r] = float32(is)
					}
				}
			}
			return nil
		}, nil
	}
}

func buildSimplifiedLayerNorm(c *nodeCtx) (func() error, error) {
	x, axis, scale, eps, err := normInputs(c)
	if err != nil {
		return nil, err
	}
	inner := x.Dims[axis:]
	n := numElements(inner)
	if scale.Len() != n || !(equalDims(scale.Dims, inner) || len(scale.Dims) == 1) {
		return nil, c.shapeErr("SimplifiedLayerNormalization scale of shape %v for normalized dims %v", scale.Dims, inner)
	}
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	var inv *Tensor
	if c.wants(1) {
		if inv, err = c.output(1, Float, statDims(x.Dims, axis)); err != nil {
			return nil, err
		}
	}
	outer := numElements(x.Dims[:axis])
	return func() error {
		if n == 0 {
			return nil
		}
		for r := range outer {
			row := x.Float[r*n : (r+1)*n]
			kernel.RMSNorm(y.Float[r*n:(r+1)*n], row, scale.Float, eps)
			if inv != nil {
				_, is := rowStats(row, float64(eps), true)
				inv.Float[r] = float32(is)
			}
		}
		return nil
	}, nil
}
