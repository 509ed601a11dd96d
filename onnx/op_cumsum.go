package onnx

// CumSum (opset 11): the running sums of x along an axis, given as a 0-d
// or one-element integer input known while planning. exclusive=1 leaves
// out each element itself (the first sum is 0); reverse=1 sums from the end.
// float32 sums are accumulated in float64 and each rounded once; integer
// sums wrap to the type's width.

func init() {
	register("CumSum", 11, buildCumSum)
}

func buildCumSum(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, Float, Int64, Int32, Uint32)
	if err != nil {
		return nil, err
	}
	ax, err := c.knownInts(1, "the axis")
	if err != nil {
		return nil, err
	}
	if len(ax) != 1 || len(c.input(1).Dims) > 1 {
		return nil, c.shapeErr("the axis has shape %v, want a scalar", c.input(1).Dims)
	}
	axis, err := c.axis(ax[0], len(x.Dims))
	if err != nil {
		return nil, err
	}
	exclusive := c.attrInt("exclusive", 0) != 0
	reverse := c.attrInt("reverse", 0) != 0
	y, err := c.output(0, x.DType, x.Dims)
	if err != nil {
		return nil, err
	}
	outer, n, inner := numElements(x.Dims[:axis]), x.Dims[axis], numElements(x.Dims[axis+1:])
	// Each line along the axis starts at base and steps by step, taking
	// n elements.
	step := inner
	first := 0
	if reverse {
		step, first = -inner, (n-1)*inner
	}
	lo, hi := intRange(x.DType)
	return func() error {
		for o := range outer {
			for in := range inner {
				base := o*n*inner + in + first
				if x.DType == Float {
					var s float64
					for k := range n {
						i := base + k*step
						v := float64(x.Float[i])
						if !exclusive {
							s += v
						}
						y.Float[i] = float32(s)
						if exclusive {
							s += v
						}
					}
					continue
				}
				var s int64
				for k := range n {
					i := base + k*step
					v := x.Int[i]
					if !exclusive {
						s += v
					}
					y.Int[i] = wrap(s, lo, hi)
					if exclusive {
						s += v
					}
				}
			}
		}
		return nil
	}, nil
}
