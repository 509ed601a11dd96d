package onnx

// Slice (starts, ends, axes and steps as attributes before opset 10, as
// inputs known while planning since) and Pad (constant, reflect, edge and
// wrap): index maps built while planning.

func init() {
	register("Slice", 1, buildSlice)
	register("Pad", 1, buildPad)
}

func buildSlice(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	var starts, ends, axes, steps []int64
	if c.opset < 10 {
		var ok bool
		if starts, ok, err = c.attrInts("starts"); err != nil || !ok {
			return nil, firstErr(err, c.shapeErr("attribute starts is required"))
		}
		if ends, ok, err = c.attrInts("ends"); err != nil || !ok {
			return nil, firstErr(err, c.shapeErr("attribute ends is required"))
		}
		if axes, _, err = c.attrInts("axes"); err != nil {
			return nil, err
		}
	} else {
		if starts, err = c.knownInts(1, "starts"); err != nil {
			return nil, err
		}
		if ends, err = c.knownInts(2, "ends"); err != nil {
			return nil, err
		}
		if c.input(3) != nil {
			if axes, err = c.knownInts(3, "axes"); err != nil {
				return nil, err
			}
		}
		if c.input(4) != nil {
			if steps, err = c.knownInts(4, "steps"); err != nil {
				return nil, err
			}
		}
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		for range starts {
			steps = append(steps, 1)
		}
	}
	if len(ends) != len(starts) || len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, c.shapeErr("starts %v, ends %v, axes %v, steps %v differ in length", starts, ends, axes, steps)
	}
	ax, err := normAxes(c, axes, r)
	if err != nil {
		return nil, err
	}
	begin := make([]int, r)
	step := make([]int, r)
	dims := append([]int(nil), x.Dims...)
	for i := range step {
		step[i] = 1
	}
	for i, a := range ax {
		d := int64(x.Dims[a])
		s := steps[i]
		if s == 0 {
			return nil, c.shapeErr("step 0 on axis %d", a)
		}
		b, e := starts[i], ends[i]
		if b < 0 {
			b += d
		}
		if e < 0 {
			e += d
		}
		var n int64
		if s > 0 {
			b, e = min(max(b, 0), d), min(max(e, 0), d)
			n = max(0, (e-b+s-1)/s)
		} else {
			b, e = min(max(b, 0), d-1), min(max(e, -1), d-1)
			n = max(0, (b-e-s-1)/(-s))
		}
		begin[a], step[a], dims[a] = int(b), int(s), int(n)
	}
	st := strides(x.Dims)
	base, stride := 0, make([]int, r)
	for k := range stride {
		base += begin[k] * st[k]
		stride[k] = step[k] * st[k]
	}
	if run, ok, err := stridedBlocks(c, x, dims, base, stride); ok || err != nil {
		return run, err
	}
	return mappedOutput(c, x, dims, nil, func(coord []int) int {
		o := base
		for k, v := range coord {
			o += v * stride[k]
		}
		return o
	})
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func buildPad(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	mode := c.attrString("mode", "constant")
	var pads []int64
	var fill *Tensor
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if c.opset < 11 {
		var ok bool
		name := "pads"
		if c.opset < 2 {
			name = "paddings"
		}
		if pads, ok, err = c.attrInts(name); err != nil || !ok {
			return nil, firstErr(err, c.shapeErr("attribute %s is required", name))
		}
		v := c.attrFloat("value", 0)
		if x.DType == Float {
			fill = &Tensor{DType: Float, Dims: []int{}, Float: []float32{v}}
		} else {
			fill = &Tensor{DType: x.DType, Dims: []int{}, Int: []int64{int64(v)}}
		}
	} else {
		if pads, err = c.knownInts(1, "pads"); err != nil {
			return nil, err
		}
		if fill = c.input(2); fill != nil {
			if fill.DType != x.DType || fill.Len() != 1 {
				return nil, c.shapeErr("constant_value is %v %v, want one %v", fill.DType, fill.Dims, x.DType)
			}
		}
		if c.input(3) != nil {
			a, err := c.knownInts(3, "axes")
			if err != nil {
				return nil, err
			}
			if axes, err = normAxes(c, a, r); err != nil {
				return nil, err
			}
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, c.shapeErr("%d pads for %d axes", len(pads), len(axes))
	}
	before, dims := make([]int, r), append([]int(nil), x.Dims...)
	for i, a := range axes {
		b, e := pads[i], pads[i+len(axes)]
		if b < -int64(x.Dims[a]) || e < -int64(x.Dims[a]) || b > maxIndex || e > maxIndex {
			return nil, c.shapeErr("pads %v for shape %v", pads, x.Dims)
		}
		before[a] = int(b)
		dims[a] = x.Dims[a] + int(b) + int(e)
		if dims[a] < 0 {
			return nil, c.shapeErr("pads %v for shape %v", pads, x.Dims)
		}
	}
	var pos func(i, d int) int // the source coordinate of i, −1 for padding
	switch mode {
	case "constant":
		pos = func(i, d int) int {
			if i < 0 || i >= d {
				return -1
			}
			return i
		}
	case "edge":
		pos = func(i, d int) int { return min(max(i, 0), d-1) }
	case "wrap":
		pos = func(i, d int) int { return ((i % d) + d) % d }
	case "reflect":
		pos = func(i, d int) int {
			if d == 1 {
				return 0
			}
			period := 2 * (d - 1)
			i = ((i % period) + period) % period
			if i >= d {
				i = period - i
			}
			return i
		}
	default:
		return nil, c.unsupported("mode %q", mode)
	}
	if mode != "constant" {
		for a, d := range x.Dims {
			if d == 0 && dims[a] > 0 {
				return nil, c.shapeErr("%s padding of an empty axis %d", mode, a)
			}
		}
	}
	st := strides(x.Dims)
	return mappedOutput(c, x, dims, fill, func(coord []int) int {
		o := 0
		for k, v := range coord {
			p := pos(v-before[k], x.Dims[k])
			if p < 0 {
				return -1
			}
			o += p * st[k]
		}
		return o
	})
}
