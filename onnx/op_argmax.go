package onnx

// ArgMax and ArgMin over float32 and the integer types: the index (int64)
// of the largest or smallest element along axis, the first of equal ones,
// or the last with select_last_index; keepdims keeps the reduced axis as
// 1. NaN counts as larger than any number for ArgMax and smaller for
// ArgMin, as numpy's argmax and argmin take the first NaN.

func init() {
	register("ArgMax", 1, argBuilder(true))
	register("ArgMin", 1, argBuilder(false))
}

func argBuilder(isMax bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, axis, err := c.inputAxis(0)
		if err != nil {
			return nil, err
		}
		if err := c.needType(x, append([]DataType{Float}, intTypes...)...); err != nil {
			return nil, err
		}
		keep := c.attrInt("keepdims", 1) != 0
		last := c.attrInt("select_last_index", 0) != 0
		if c.err != nil {
			return nil, c.err
		}
		n := x.Dims[axis]
		if n == 0 {
			return nil, c.shapeErr("%s along axis %d of X %v: the axis is empty", c.node.OpType, axis, x.Dims)
		}
		var dims []int
		for i, d := range x.Dims {
			switch {
			case i != axis:
				dims = append(dims, d)
			case keep:
				dims = append(dims, 1)
			}
		}
		y, err := c.output(0, Int64, dims)
		if err != nil {
			return nil, err
		}
		outer, inner := numElements(x.Dims[:axis]), numElements(x.Dims[axis+1:])
		// better reports whether a (at a later index) replaces the best b.
		better := func(a, b float64) bool {
			switch {
			case b != b:
				return false
			case a != a:
				return true
			case isMax:
				return a > b || last && a == b
			}
			return a < b || last && a == b
		}
		at := func(i int) float64 {
			if x.DType == Float {
				return float64(x.Float[i])
			}
			return float64(x.Int[i])
		}
		betterInt := func(a, b int64) bool {
			if isMax {
				return a > b || last && a == b
			}
			return a < b || last && a == b
		}
		return func() error {
			for o := range outer {
				for in := range inner {
					base := o*n*inner + in
					best := 0
					if x.DType == Float {
						for k := 1; k < n; k++ {
							if better(at(base+k*inner), at(base+best*inner)) {
								best = k
							}
						}
					} else {
						for k := 1; k < n; k++ {
							if betterInt(x.Int[base+k*inner], x.Int[base+best*inner]) {
								best = k
							}
						}
					}
					y.Int[o*inner+in] = int64(best)
				}
			}
			return nil
		}, nil
	}
}
