package onnx

// Compress(input, condition): the slices of input along the attribute
// axis (negative counts from the end) whose entry in condition, a 1-D BOOL
// tensor, is true; without axis, the elements of the flattened input
// whose entry is true, as a 1-D tensor. A condition shorter than the axis
// selects nothing past its end; one longer may only hold false there. The
// selection sets the output's shape, so condition must be known while
// planning (ErrValueDependent otherwise); input may be a run-time value.

func init() {
	register("Compress", 9, buildCompress)
}

func buildCompress(c *nodeCtx) (func() error, error) {
	x, err := c.needStored(0, "")
	if err != nil {
		return nil, err
	}
	cond, err := c.needTyped(1, Bool)
	if err != nil {
		return nil, err
	}
	if len(cond.Dims) != 1 {
		return nil, c.shapeErr("condition of shape %v, want 1-D", cond.Dims)
	}
	if !c.known(1) {
		return nil, c.valueDependent(1, "condition, which sets the output's shape")
	}
	flat := c.node.Attr("axis") == nil
	dims := []int{x.Len()}
	axis := 0
	if !flat {
		dims = x.Dims
		if axis, err = c.axis(c.attrInt("axis", 0), len(x.Dims)); err != nil {
			return nil, err
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	// pick lists the selected indices along the axis.
	var pick []int
	for i, v := range cond.Int {
		if v == 0 {
			continue
		}
		if i >= dims[axis] {
			return nil, c.shapeErr("condition selects index %d of an axis of length %d", i, dims[axis])
		}
		pick = append(pick, i)
	}
	out := append([]int(nil), dims...)
	out[axis] = len(pick)
	inSt := strides(dims)
	return mappedOutput(c, x, out, nil, func(coord []int) int {
		o := 0
		for k, v := range coord {
			if k == axis {
				v = pick[v]
			}
			o += v * inSt[k]
		}
		return o
	})
}
