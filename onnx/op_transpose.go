package onnx

// Transpose and Expand: index maps built while planning.

func init() {
	register("Transpose", 1, buildTranspose)
	register("Expand", 8, buildExpand)
}

func buildTranspose(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	perm64, given, err := c.attrInts("perm")
	if err != nil {
		return nil, err
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = r - 1 - i
	}
	if given {
		if len(perm64) != r {
			return nil, c.shapeErr("perm %v for rank %d", perm64, r)
		}
		p, err := normAxes(c, perm64, r)
		if err != nil {
			return nil, err
		}
		perm = p
	}
	dims := make([]int, r)
	for i, p := range perm {
		dims[i] = x.Dims[p]
	}
	st := strides(x.Dims)
	return mappedOutput(c, x, dims, nil, func(coord []int) int {
		o := 0
		for i, p := range perm {
			o += coord[i] * st[p]
		}
		return o
	})
}

func buildExpand(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	shape, err := c.knownInts(1, "the shape")
	if err != nil {
		return nil, err
	}
	target := make([]int, len(shape))
	for i, s := range shape {
		if s < 0 || s > maxIndex {
			return nil, c.shapeErr("shape %v has dimension %d", shape, s)
		}
		target[i] = int(s)
	}
	dims, err := broadcastDims(x.Dims, target)
	if err != nil {
		return nil, err
	}
	return mappedOutput(c, x, dims, nil, broadcastSource(x.Dims, dims))
}

// broadcastSource maps an output coordinate to the flat index of the
// element of an operand of shape in broadcast to it.
func broadcastSource(in, out []int) func(coord []int) int {
	off := len(out) - len(in)
	st := strides(in)
	return func(coord []int) int {
		o := 0
		for i, d := range in {
			if d != 1 {
				o += coord[off+i] * st[i]
			}
		}
		return o
	}
}

// broadcastIndex maps each element of out to the element of an operand of
// shape in broadcast to it.
func broadcastIndex(c *nodeCtx, in, out []int) ([]int32, error) {
	return mapIndex(c, out, broadcastSource(in, out))
}
