package onnx

import "math"

// LayerNormalization (opset 17; what torch.onnx.export emits for
// nn.LayerNorm at opset 17): each slice over the dimensions from axis on is
// normalized to zero mean and unit variance, then scaled and shifted
// (Scale and B broadcast to that slice's shape). The mean and variance are
// accumulated in float64 (stash_type 1 asks for at least float32).

func init() {
	register("LayerNormalization", 17, buildLayerNorm)
}

func buildLayerNorm(c *nodeCtx) (func() error, error) {
	x, axis, err := c.inputAxis(-1)
	if err != nil {
		return nil, err
	}
	if err := c.needType(x, Float); err != nil {
		return nil, err
	}
	scale, err := c.needTyped(1, Float)
	if err != nil {
		return nil, err
	}
	eps := float64(c.attrFloat("epsilon", 1e-5))
	if st := c.attrInt("stash_type", 1); st != 1 {
		return nil, c.unsupported("attribute stash_type=%d", st)
	}
	inner := x.Dims[axis:]
	n, outer := numElements(inner), numElements(x.Dims[:axis])
	params := []*Tensor{scale, c.input(2)}
	idx := make([][]int32, 2)
	for i, p := range params {
		if p == nil {
			continue
		}
		if err := c.needType(p, Float); err != nil {
			return nil, err
		}
		if bd, err := broadcastDims(p.Dims, inner); err != nil || !equalDims(bd, inner) {
			return nil, c.shapeErr("input %d of shape %v does not broadcast to %v", i+1, p.Dims, inner)
		}
		if !equalDims(p.Dims, inner) {
			if idx[i], err = broadcastIndex(c, p.Dims, inner); err != nil {
				return nil, err
			}
		}
	}
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	statDims := append([]int(nil), x.Dims...)
	for j := axis; j < len(statDims); j++ {
		statDims[j] = 1
	}
	mean, err := c.output(1, Float, statDims)
	if err != nil {
		return nil, err
	}
	inv, err := c.output(2, Float, statDims)
	if err != nil {
		return nil, err
	}
	param := func(p *Tensor, ix []int32, j int) float32 {
		if ix != nil {
			return p.Float[ix[j]]
		}
		return p.Float[j]
	}
	return func() error {
		for r := 0; r < outer; r++ {
			row, out := x.Float[r*n:(r+1)*n], y.Float[r*n:(r+1)*n]
			var s float64
			for _, v := range row {
				s += float64(v)
			}
			mu := s / float64(n)
			var ss float64
			for _, v := range row {
				d := float64(v) - mu
				ss += d * d
			}
			is := 1 / math.Sqrt(ss/float64(n)+eps)
			mean.Float[r], inv.Float[r] = float32(mu), float32(is)
			for j, v := range row {
				o := float32((float64(v)-mu)*is) * param(scale, idx[0], j)
				if params[1] != nil {
					o += param(params[1], idx[1], j)
				}
				out[j] = o
			}
		}
		return nil
	}, nil
}
