package onnx

import "github.com/simdcore/simdcore/kernel"

// InstanceNormalization (opset 6 on) over float32: X is N×C×D1…; each
// (n, c) plane is normalized to zero mean and unit variance over its
// spatial positions (the variance without Bessel's correction, epsilon
// added inside the square root), then scaled and shifted by its channel's
// scale and B (each of C elements): y = scale·(x − μ)/√(σ² + ε) + B.
//
// Each plane is normalized by kernel.LayerNorm (moments summed in float64),
// then scaled and shifted in float32 (two roundings, never fused).

func init() {
	register("InstanceNormalization", 6, buildInstanceNorm)
}

func buildInstanceNorm(c *nodeCtx) (func() error, error) {
	ts, err := c.needAll(3, Float)
	if err != nil {
		return nil, err
	}
	x, scale, bias := ts[0], ts[1], ts[2]
	if len(x.Dims) < 2 {
		return nil, c.shapeErr("InstanceNormalization of X %v: want N×C×D1…", x.Dims)
	}
	C := x.Dims[1]
	for i, t := range ts[1:] {
		if !equalDims(t.Dims, []int{C}) {
			return nil, c.shapeErr("InstanceNormalization input %d of shape %v, want [%d]", i+1, t.Dims, C)
		}
	}
	eps := c.attrFloat("epsilon", 1e-5)
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	planes, size := x.Dims[0]*C, numElements(x.Dims[2:])
	return func() error {
		for p := range planes {
			o := p * size
			ch := p % C
			normAffine(y.Float[o:o+size], x.Float[o:o+size], eps, scale.Float[ch], bias.Float[ch])
		}
		return nil
	}, nil
}

// normAffine writes dst = s·(x − μ)/√(σ² + eps) + b, μ and σ² the mean
// and (biased) variance of x, through kernel.LayerNorm.
func normAffine(dst, x []float32, eps, s, b float32) {
	kernel.LayerNorm(dst, x, nil, nil, eps)
	affine(dst, s, b)
}

// affine scales and shifts v in place: v = float32(v·s) + b, rounded after
// the product (never fused), and left alone for s = 1, b = 0.
func affine(v []float32, s, b float32) {
	if s == 1 && b == 0 {
		return
	}
	for i, u := range v {
		v[i] = float32(u*s) + b
	}
}
