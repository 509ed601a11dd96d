package onnx

// EyeLike(input): a 2-D tensor of the input's shape with ones on the
// diagonal offset by the attribute k (0, the main diagonal; positive
// above it, negative below) and zeros elsewhere. The output has the type
// of the attribute dtype, or the input's when it is absent; a type the
// package does not compute on is refused with ErrUnsupported. Only the
// input's shape matters, so the output is computed while planning.

func init() {
	register("EyeLike", 9, buildEyeLike)
}

func buildEyeLike(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if len(x.Dims) != 2 {
		return nil, c.shapeErr("EyeLike of input shape %v, want 2-D", x.Dims)
	}
	dt := x.DType
	if c.node.Attr("dtype") != nil {
		dt = DataType(c.attrInt("dtype", 0))
	}
	k := c.attrInt("k", 0)
	if c.err != nil {
		return nil, c.err
	}
	if !runtimeType(dt) {
		return nil, c.unsupported("data type %v", dt)
	}
	y, err := c.p.alloc(dt, x.Dims)
	if err != nil {
		return nil, err
	}
	rows, cols := x.Dims[0], x.Dims[1]
	// Row i holds its one at column i+k; k is clamped first so that the
	// sum cannot overflow.
	k = min(max(k, -int64(rows)), int64(cols))
	for i := range rows {
		j := int64(i) + k
		if j < 0 || j >= int64(cols) {
			continue
		}
		if y.Float != nil {
			y.Float[i*cols+int(j)] = 1
		} else {
			y.Int[i*cols+int(j)] = 1
		}
	}
	c.knownOutput(0, y)
	return nil, nil
}
