package onnx

import "slices"

// The operators on shapes: Shape and Size (known while planning, since
// shapes are fixed), and the views that change only the shape and share the
// buffer: Identity, Reshape, Flatten, Squeeze, Unsqueeze.

func init() {
	register("Shape", 1, buildShape)
	register("Size", 1, buildSize)
	registerOpt("Identity", 1, buildIdentity)
	register("Reshape", 5, buildReshape)
	register("Flatten", 1, buildFlatten)
	register("Squeeze", 1, buildSqueeze)
	register("Unsqueeze", 1, buildUnsqueeze)
}

func buildShape(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	r := int64(len(x.Dims))
	start := c.attrInt("start", 0)
	end := c.attrInt("end", r)
	clamp := func(v int64) int64 {
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r)
	}
	start, end = clamp(start), clamp(end)
	t := &Tensor{DType: Int64, Dims: []int{0}}
	for _, d := range x.Dims[start:max(start, end)] {
		t.Int = append(t.Int, int64(d))
	}
	t.Dims[0] = len(t.Int)
	if t.Int == nil {
		t.Int = []int64{}
	}
	c.knownOutput(0, t)
	return nil, nil
}

func buildSize(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	c.knownOutput(0, &Tensor{DType: Int64, Dims: []int{}, Int: []int64{int64(x.Len())}})
	return nil, nil
}

func buildIdentity(c *nodeCtx) (func() error, error) {
	if len(c.in) > 0 && c.in[0] != nil && c.in[0].t == nil {
		if len(c.out) > 0 { // a sequence or an optional: the same value
			c.out[0] = &value{seq: c.in[0].seq, opt: c.in[0].opt, known: c.in[0].known}
		}
		return nil, nil
	}
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	c.alias(0, c.in[0], x.Dims)
	return nil, nil
}

func buildReshape(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	shape, err := c.knownInts(1, "the target shape")
	if err != nil {
		return nil, err
	}
	allowZero := c.attrInt("allowzero", 0)
	dims := make([]int, len(shape))
	infer := -1
	n := 1
	for i, s := range shape {
		switch {
		case s == 0 && allowZero == 0:
			if i >= len(x.Dims) {
				return nil, c.shapeErr("shape %v copies dimension %d of %v", shape, i, x.Dims)
			}
			dims[i] = x.Dims[i]
		case s == -1:
			if infer >= 0 {
				return nil, c.shapeErr("shape %v has two -1", shape)
			}
			infer = i
			continue
		case s < 0 || s > maxIndex:
			return nil, c.shapeErr("shape %v has dimension %d", shape, s)
		default:
			dims[i] = int(s)
		}
		n *= dims[i]
	}
	if infer >= 0 {
		if n == 0 || x.Len()%n != 0 {
			return nil, c.shapeErr("cannot reshape %v to %v", x.Dims, shape)
		}
		dims[infer] = x.Len() / n
	}
	if numElements(dims) != x.Len() {
		return nil, c.shapeErr("cannot reshape %v to %v", x.Dims, shape)
	}
	c.alias(0, c.in[0], dims)
	return nil, nil
}

func buildFlatten(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	a := c.attrInt("axis", 1)
	r := len(x.Dims)
	if a < -int64(r) || a > int64(r) {
		return nil, c.shapeErr("axis %d out of range for rank %d", a, r)
	}
	axis := int(a)
	if axis < 0 {
		axis += r
	}
	c.alias(0, c.in[0], []int{numElements(x.Dims[:axis]), numElements(x.Dims[axis:])})
	return nil, nil
}

// axesOf returns the axes of Squeeze, Unsqueeze and the reductions: the
// attribute before opset 13 (18 for the reductions), the optional second
// input since; ok is false when none are given.
func axesOf(c *nodeCtx, inputSince int64) (axes []int64, ok bool, err error) {
	if c.opset < inputSince {
		return c.attrInts("axes")
	}
	if c.input(1) == nil {
		return nil, false, nil
	}
	axes, err = c.knownInts(1, "axes")
	return axes, err == nil, err
}

// normAxes normalizes axes against rank r, refusing duplicates.
func normAxes(c *nodeCtx, axes []int64, r int) ([]int, error) {
	out := make([]int, len(axes))
	for i, a := range axes {
		ax, err := c.axis(a, r)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out[:i], ax) {
			return nil, c.shapeErr("axis %d repeated in %v", ax, axes)
		}
		out[i] = ax
	}
	return out, nil
}

func buildSqueeze(c *nodeCtx) (func() error, error) {
	x, axes, given, err := inputAxes(c)
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(x.Dims))
	if given {
		ax, err := normAxes(c, axes, len(x.Dims))
		if err != nil {
			return nil, err
		}
		for _, a := range ax {
			if x.Dims[a] != 1 {
				return nil, c.shapeErr("cannot squeeze axis %d of shape %v", a, x.Dims)
			}
			drop[a] = true
		}
	} else {
		for i, d := range x.Dims {
			drop[i] = d == 1
		}
	}
	var dims []int
	for i, d := range x.Dims {
		if !drop[i] {
			dims = append(dims, d)
		}
	}
	c.alias(0, c.in[0], dims)
	return nil, nil
}

// inputAxes returns Squeeze's and Unsqueeze's input and axes (an
// attribute before opset 13, an input since).
func inputAxes(c *nodeCtx) (x *Tensor, axes []int64, given bool, err error) {
	if x, err = c.need(0); err != nil {
		return nil, nil, false, err
	}
	axes, given, err = axesOf(c, 13)
	return x, axes, given, err
}

func buildUnsqueeze(c *nodeCtx) (func() error, error) {
	x, axes, given, err := inputAxes(c)
	if err != nil {
		return nil, err
	}
	if !given {
		return nil, c.shapeErr("axes are required")
	}
	r := len(x.Dims) + len(axes)
	ax, err := normAxes(c, axes, r)
	if err != nil {
		return nil, err
	}
	dims := make([]int, r)
	for _, a := range ax {
		dims[a] = -1
	}
	j := 0
	for i := range dims {
		if dims[i] == -1 {
			dims[i] = 1
		} else {
			dims[i] = x.Dims[j]
			j++
		}
	}
	c.alias(0, c.in[0], dims)
	return nil, nil
}
