package onnx

// Where(condition, X, Y) with numpy broadcasting of the three.

func init() {
	register("Where", 9, buildWhere)
}

func buildWhere(c *nodeCtx) (func() error, error) {
	cond, err := c.need(0)
	if err != nil {
		return nil, err
	}
	x, err := c.need(1)
	if err != nil {
		return nil, err
	}
	y, err := c.need(2)
	if err != nil {
		return nil, err
	}
	if err := c.needType(cond, Bool); err != nil {
		return nil, err
	}
	if x.DType != y.DType {
		return nil, c.shapeErr("X is %v, Y is %v", x.DType, y.DType)
	}
	dims, err := broadcastDims(cond.Dims, x.Dims, y.Dims)
	if err != nil {
		return nil, err
	}
	out, err := c.output(0, x.DType, dims)
	if err != nil {
		return nil, err
	}
	p := newBcast(dims, cond.Dims, x.Dims, y.Dims)
	isFloat := x.DType.storage() == storeFloat
	return func() error {
		sc, sx, sy := p.steps[0], p.steps[1], p.steps[2]
		for bi := range p.offs[0] {
			co, xo, yo := p.offs[0][bi], p.offs[1][bi], p.offs[2][bi]
			base := bi * p.inner
			for i := 0; i < p.inner; i++ {
				pick := cond.Int[co+i*sc] != 0
				if isFloat {
					if pick {
						out.Float[base+i] = x.Float[xo+i*sx]
					} else {
						out.Float[base+i] = y.Float[yo+i*sy]
					}
				} else if pick {
					out.Int[base+i] = x.Int[xo+i*sx]
				} else {
					out.Int[base+i] = y.Int[yo+i*sy]
				}
			}
		}
		return nil
	}, nil
}
