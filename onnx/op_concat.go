package onnx

// Concat and Split: copies of contiguous blocks along an axis.

func init() {
	register("Concat", 1, buildConcat)
	register("Split", 1, buildSplit)
}

// blockCopy copies, for o in [0, outer), n elements from src at o·srcRow+srcOff
// to dst at o·dstRow+dstOff.
func blockCopy(dst, src *Tensor, outer, n, srcRow, srcOff, dstRow, dstOff int) {
	if src.DType.storage() == storeFloat {
		for o := 0; o < outer; o++ {
			copy(dst.Float[o*dstRow+dstOff:o*dstRow+dstOff+n], src.Float[o*srcRow+srcOff:])
		}
		return
	}
	for o := 0; o < outer; o++ {
		copy(dst.Int[o*dstRow+dstOff:o*dstRow+dstOff+n], src.Int[o*srcRow+srcOff:])
	}
}

func buildConcat(c *nodeCtx) (func() error, error) {
	first, err := c.need(0)
	if err != nil {
		return nil, err
	}
	def := int64(-1 << 62)
	if c.opset < 4 {
		def = 1
	}
	a := c.attrInt("axis", def)
	if a == -1<<62 {
		return nil, c.shapeErr("attribute axis is required")
	}
	r := len(first.Dims)
	axis, err := c.axis(a, r)
	if err != nil {
		return nil, err
	}
	dims := append([]int(nil), first.Dims...)
	dims[axis] = 0
	ins := make([]*Tensor, c.nIn())
	for i := range ins {
		t, err := c.need(i)
		if err != nil {
			return nil, err
		}
		if t.DType != first.DType || len(t.Dims) != r {
			return nil, c.shapeErr("input %d is %v %v, input 0 is %v %v", i, t.DType, t.Dims, first.DType, first.Dims)
		}
		for k := range t.Dims {
			if k != axis && t.Dims[k] != first.Dims[k] {
				return nil, c.shapeErr("input %d has shape %v, input 0 %v (axis %d)", i, t.Dims, first.Dims, axis)
			}
		}
		dims[axis] += t.Dims[axis]
		ins[i] = t
	}
	y, err := c.output(0, first.DType, dims)
	if err != nil {
		return nil, err
	}
	outer, inner := numElements(dims[:axis]), numElements(dims[axis+1:])
	row := dims[axis] * inner
	return func() error {
		off := 0
		for _, t := range ins {
			n := t.Dims[axis] * inner
			blockCopy(y, t, outer, n, n, 0, row, off)
			off += n
		}
		return nil
	}, nil
}

func buildSplit(c *nodeCtx) (func() error, error) {
	x, axis, err := c.inputAxis(0)
	if err != nil {
		return nil, err
	}
	nOut := len(c.node.Outputs)
	d := x.Dims[axis]
	var split []int64
	if c.opset < 13 {
		if s, ok, err := c.attrInts("split"); err != nil {
			return nil, err
		} else if ok {
			split = s
		}
		if c.input(1) != nil { // opset 1: split as an optional input
			if split, err = c.knownInts(1, "split"); err != nil {
				return nil, err
			}
		}
	} else if c.input(1) != nil {
		if split, err = c.knownInts(1, "split"); err != nil {
			return nil, err
		}
	}
	if split == nil {
		num := c.attrInt("num_outputs", int64(nOut))
		if num != int64(nOut) || num <= 0 {
			return nil, c.shapeErr("num_outputs %d with %d outputs", num, nOut)
		}
		size := (d + nOut - 1) / nOut
		if c.opset < 18 && d%nOut != 0 {
			return nil, c.shapeErr("dimension %d does not split into %d equal parts", d, nOut)
		}
		for i := 0; i < nOut; i++ {
			split = append(split, int64(min(size, max(d-i*size, 0))))
		}
	}
	if len(split) != nOut {
		return nil, c.shapeErr("split %v for %d outputs", split, nOut)
	}
	sum := int64(0)
	for _, s := range split {
		if s < 0 {
			return nil, c.shapeErr("split %v has a negative size", split)
		}
		sum += s
	}
	if sum != int64(d) {
		return nil, c.shapeErr("split %v does not add up to dimension %d", split, d)
	}
	outer, inner := numElements(x.Dims[:axis]), numElements(x.Dims[axis+1:])
	outs := make([]*Tensor, nOut)
	offs := make([]int, nOut)
	off := 0
	for i, s := range split {
		dims := append([]int(nil), x.Dims...)
		dims[axis] = int(s)
		if outs[i], err = c.output(i, x.DType, dims); err != nil {
			return nil, err
		}
		offs[i] = off
		off += int(s) * inner
	}
	return func() error {
		for i, y := range outs {
			n := int(split[i]) * inner
			blockCopy(y, x, outer, n, d*inner, offs[i], n, 0)
		}
		return nil
	}, nil
}
