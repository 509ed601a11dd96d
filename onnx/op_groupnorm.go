package onnx

// GroupNormalization (opset 18 on) over float32: X is N×C×D1…; its
// channels form num_groups groups of C/num_groups consecutive channels,
// and each (n, group) slice (its channels' planes together) is normalized
// to zero mean and unit variance (the variance without Bessel's
// correction, epsilon inside the square root), then scaled and shifted:
// y = scale·(x − μ)/√(σ² + ε) + bias. Opsets 18 to 20 take one scale and
// bias per group (num_groups elements each); opset 21 changed them to one
// per channel (C elements), and added stash_type, of which 1 (statistics
// in at least float32) is taken and other values refused.
//
// Each slice is normalized by kernel.LayerNorm (moments summed in
// float64), then scaled and shifted in float32 per channel (affine).

func init() {
	register("GroupNormalization", 18, buildGroupNorm)
}

func buildGroupNorm(c *nodeCtx) (func() error, error) {
	ts, err := c.needAll(3, Float)
	if err != nil {
		return nil, err
	}
	x, scale, bias := ts[0], ts[1], ts[2]
	if len(x.Dims) < 2 {
		return nil, c.shapeErr("GroupNormalization of X %v: want N×C×D1…", x.Dims)
	}
	if c.node.Attr("num_groups") == nil {
		return nil, c.shapeErr("GroupNormalization without the attribute num_groups")
	}
	G64 := c.attrInt("num_groups", 1)
	C := x.Dims[1]
	if G64 < 1 || G64 > int64(C) || int64(C)%G64 != 0 {
		return nil, c.shapeErr("GroupNormalization of X %v in %d groups: the groups must divide the channels", x.Dims, G64)
	}
	G := int(G64)
	perChannel := c.opset >= 21
	params := G
	if perChannel {
		params = C
		if st := c.attrInt("stash_type", 1); st != 1 {
			return nil, c.unsupported("attribute stash_type=%d", st)
		}
	}
	for i, t := range ts[1:] {
		if !equalDims(t.Dims, []int{params}) {
			return nil, c.shapeErr("GroupNormalization (opset %d) input %d of shape %v, want [%d]", c.opset, i+1, t.Dims, params)
		}
	}
	eps := c.attrFloat("epsilon", 1e-5)
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	N, Cg, size := x.Dims[0], C/G, numElements(x.Dims[2:])
	return func() error {
		for n := range N {
			for g := range G {
				o := (n*C + g*Cg) * size
				dst := y.Float[o : o+Cg*size]
				if !perChannel {
					normAffine(dst, x.Float[o:o+Cg*size], eps, scale.Float[g], bias.Float[g])
					continue
				}
				normAffine(dst, x.Float[o:o+Cg*size], eps, 1, 0)
				for k := range Cg {
					ch := g*Cg + k
					affine(dst[k*size:(k+1)*size], scale.Float[ch], bias.Float[ch])
				}
			}
		}
		return nil
	}, nil
}
