package onnx

// QLinearWhere (domain com.microsoft), which ONNX Runtime's quantizer
// writes for Where in its QOperator format: condition (BOOL), X, X_scale,
// X_zero_point, Y, Y_scale, Y_zero_point, Z_scale, Z_zero_point (all
// required; one value each; X, Y and the zero points int8 or uint8, of
// Z_zero_point's type), numpy broadcasting of condition, X and Y. The
// output Z holds X's element requantized to Z's scale and zero point
// where the condition holds, else Y's (each through a requantTable: a
// copy where the parameters equal Z's, else a lookupTable of the
// identity).

func init() {
	registerMS("QLinearWhere", buildQLinearWhere)
}

func buildQLinearWhere(c *nodeCtx) (func() error, error) {
	if c.nIn() != 9 {
		return nil, c.shapeErr("QLinearWhere of %d inputs: want 9", c.nIn())
	}
	cond, err := c.needTyped(0, Bool)
	if err != nil {
		return nil, err
	}
	sz, err := needQuantParam(c, 7, Float)
	if err != nil {
		return nil, err
	}
	zz, err := needQuantParam(c, 8, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	var ops [2]*Tensor
	var maps [2]*requantTable
	for k, i := range []int{1, 4} {
		if ops[k], err = c.needTyped(i, zz.DType); err != nil {
			return nil, err
		}
		s, err := needQuantParam(c, i+1, Float)
		if err != nil {
			return nil, err
		}
		z, err := needQuantParam(c, i+2, zz.DType)
		if err != nil {
			return nil, err
		}
		maps[k] = newRequantTable(zz.DType, s, z, sz, zz, c.known(i+1) && c.known(i+2) && c.known(7) && c.known(8))
	}
	x, y := ops[0], ops[1]
	dims, err := broadcastDims(cond.Dims, x.Dims, y.Dims)
	if err != nil {
		return nil, err
	}
	out, err := c.output(0, zz.DType, dims)
	if err != nil {
		return nil, err
	}
	p := newBcast(dims, cond.Dims, x.Dims, y.Dims)
	mx, my := maps[0], maps[1]
	return func() error {
		mx.prepare()
		my.prepare()
		sc, sx, sy := p.steps[0], p.steps[1], p.steps[2]
		for bi := range p.offs[0] {
			co, xo, yo := p.offs[0][bi], p.offs[1][bi], p.offs[2][bi]
			base := bi * p.inner
			for i := 0; i < p.inner; i++ {
				if cond.Int[co+i*sc] != 0 {
					out.Int[base+i] = mx.at(x.Int[xo+i*sx])
				} else {
					out.Int[base+i] = my.at(y.Int[yo+i*sy])
				}
			}
		}
		return nil
	}, nil
}
