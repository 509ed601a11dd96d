package onnx

// Dropout at inference (the identity, with a mask of all true) and Trilu.

func init() {
	register("Dropout", 1, buildDropout)
	register("Trilu", 14, buildTrilu)
}

// buildDropout passes its input through: at inference Dropout is the
// identity. A run in training mode (the training_mode input true, or
// is_test=0 before opset 7) with a ratio other than 0 drops elements at
// random, which is refused: at run time (ErrUnsupported) when the inputs
// that decide it are graph inputs.
func buildDropout(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if c.opset < 7 && c.attrInt("is_test", 0) == 0 {
		return nil, c.unsupported("attribute is_test=0 (training mode drops at random)")
	}
	ratio := c.attrFloat("ratio", 0.5)
	r := c.input(1)
	if r != nil && (r.DType.storage() != storeFloat || len(r.Float) != 1) {
		return nil, c.shapeErr("ratio is %v %v, want a float scalar", r.DType, r.Dims)
	}
	mask, err := c.output(1, Bool, x.Dims)
	if err != nil {
		return nil, err
	}
	for i := range mask.Int {
		mask.Int[i] = 1
	}
	c.knownOutput(1, mask)
	train := c.input(2)
	if train == nil || (r != nil && c.known(1) && r.Float[0] == 0) {
		c.alias(0, c.in[0], x.Dims)
		return nil, nil
	}
	if train.DType.storage() != storeInt || len(train.Int) != 1 {
		return nil, c.shapeErr("training_mode is %v %v, want a boolean scalar", train.DType, train.Dims)
	}
	if c.known(2) && train.Int[0] == 0 {
		c.alias(0, c.in[0], x.Dims)
		return nil, nil
	}
	y, err := c.output(0, x.DType, x.Dims)
	if err != nil {
		return nil, err
	}
	return func() error {
		if r != nil {
			ratio = r.Float[0]
		}
		if train.Int[0] != 0 && ratio != 0 {
			return c.unsupported("training_mode=true with ratio %g (drops at random)", ratio)
		}
		copy(y.Float, x.Float)
		copy(y.Int, x.Int)
		return nil
	}, nil
}

// buildTrilu keeps the upper (upper=1, the default) or lower triangle of
// the last two dimensions, from diagonal k on (input 1, known while
// planning; 0 when absent), and zeros the rest.
func buildTrilu(c *nodeCtx) (func() error, error) {
	x, y, err := c.elementwise(Float, Int64, Int32, Bool, Int8, Uint8, Int16, Uint16, Uint32)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	if r < 2 {
		return nil, c.shapeErr("Trilu of rank %d (want at least 2)", r)
	}
	var k int64
	if c.input(1) != nil {
		ks, err := c.knownInts(1, "k")
		if err != nil {
			return nil, err
		}
		if len(ks) != 1 {
			return nil, c.shapeErr("k has %d values, want one", len(ks))
		}
		k = ks[0]
	}
	upper := c.attrInt("upper", 1) != 0
	rows, cols := x.Dims[r-2], x.Dims[r-1]
	keep := func(i, j int) bool {
		d := int64(j) - int64(i)
		if upper {
			return d >= k
		}
		return d <= k
	}
	return func() error {
		for p := 0; p < numElements(x.Dims); p++ {
			i, j := p/cols%rows, p%cols
			switch {
			case keep(i, j) && x.Float != nil:
				y.Float[p] = x.Float[p]
			case keep(i, j):
				y.Int[p] = x.Int[p]
			case x.Float != nil:
				y.Float[p] = 0
			default:
				y.Int[p] = 0
			}
		}
		return nil
	}, nil
}
