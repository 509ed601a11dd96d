package onnx

import (
	"fmt"
	"slices"
)

// The sequence operators, on planned sequences (sequence.go): the length
// of every sequence and the shape of every element are fixed while
// planning, so positions and split sizes must be known then, except
// SequenceAt's, which may come at run time when the elements share one
// shape.

func init() {
	registerSeq("SequenceEmpty", 11, buildSequenceEmpty)
	registerSeq("SequenceConstruct", 11, buildSequenceConstruct)
	registerSeq("SequenceInsert", 11, buildSequenceInsert)
	registerSeq("SequenceErase", 11, buildSequenceErase)
	registerSeq("SequenceAt", 11, buildSequenceAt)
	registerSeq("SequenceLength", 11, buildSequenceLength)
	registerSeq("SplitToSequence", 11, buildSplitToSequence)
	registerSeq("ConcatFromSequence", 11, buildConcatFromSequence)
}

func buildSequenceEmpty(c *nodeCtx) (func() error, error) {
	dt := DataType(c.attrInt("dtype", int64(Float)))
	if !runtimeType(dt) {
		return nil, c.unsupported("data type %v for the elements", dt)
	}
	c.seqOutput(0, &sequence{elem: dt}, true)
	return nil, nil
}

func buildSequenceConstruct(c *nodeCtx) (func() error, error) {
	if c.nIn() == 0 {
		return nil, c.shapeErr("SequenceConstruct takes at least one tensor")
	}
	s := &sequence{}
	known := true
	for i := range c.nIn() {
		t, err := c.tensorInput(i)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			s.elem = t.DType
		} else if t.DType != s.elem {
			return nil, c.shapeErr("input %d is %v, input 0 is %v", i, t.DType, s.elem)
		}
		s.ts = append(s.ts, t)
		known = known && c.known(i)
	}
	if err := c.p.chargeSlots(len(s.ts), "a sequence"); err != nil {
		return nil, err
	}
	c.seqOutput(0, s, known)
	return nil, nil
}

// knownPosition returns the optional position input i, known while
// planning, normalized against a sequence of n elements where the valid
// positions are [-n, n+extra) (extra 1 for SequenceInsert, 0 otherwise);
// def when the input is absent.
func (c *nodeCtx) knownPosition(i, n, extra, def int) (int, error) {
	if c.input(i) == nil {
		return def, nil
	}
	v, err := c.knownInts(i, "the position")
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, c.shapeErr("position has %d values, want one", len(v))
	}
	if v[0] < int64(-n) || v[0] >= int64(n+extra) {
		return 0, c.shapeErr("position %d out of range for a sequence of %d", v[0], n)
	}
	if v[0] < 0 {
		return int(v[0]) + n, nil
	}
	return int(v[0]), nil
}

func buildSequenceInsert(c *nodeCtx) (func() error, error) {
	s, err := c.seqInput(0)
	if err != nil {
		return nil, err
	}
	t, err := c.tensorInput(1)
	if err != nil {
		return nil, err
	}
	if t.DType != s.elem {
		return nil, c.shapeErr("inserting %v into a sequence of %v", t.DType, s.elem)
	}
	n := len(s.ts)
	pos, err := c.knownPosition(2, n, 1, n)
	if err != nil {
		return nil, err
	}
	if err := c.p.chargeSlots(n+1, "a sequence"); err != nil {
		return nil, err
	}
	c.seqOutput(0, &sequence{elem: s.elem, ts: slices.Insert(slices.Clone(s.ts), pos, t)}, c.known(0) && c.known(1))
	return nil, nil
}

func buildSequenceErase(c *nodeCtx) (func() error, error) {
	s, err := c.seqInput(0)
	if err != nil {
		return nil, err
	}
	n := len(s.ts)
	if n == 0 {
		return nil, c.shapeErr("erasing from an empty sequence")
	}
	pos, err := c.knownPosition(1, n, 0, n-1)
	if err != nil {
		return nil, err
	}
	if err := c.p.chargeSlots(n-1, "a sequence"); err != nil {
		return nil, err
	}
	c.seqOutput(0, &sequence{elem: s.elem, ts: slices.Delete(slices.Clone(s.ts), pos, pos+1)}, c.known(0))
	return nil, nil
}

func buildSequenceAt(c *nodeCtx) (func() error, error) {
	s, err := c.seqInput(0)
	if err != nil {
		return nil, err
	}
	p, err := c.tensorInput(1)
	if err != nil {
		return nil, err
	}
	if p.DType != Int64 && p.DType != Int32 || p.Len() != 1 {
		return nil, c.shapeErr("position is %v %v, want one INT32 or INT64", p.DType, p.Dims)
	}
	n := len(s.ts)
	if c.known(1) {
		pos, err := c.knownPosition(1, n, 0, 0)
		if err != nil {
			return nil, err
		}
		c.alias(0, &value{t: s.ts[pos], known: c.known(0)}, s.ts[pos].Dims)
		return nil, nil
	}
	if n == 0 {
		return nil, c.shapeErr("SequenceAt of an empty sequence")
	}
	for _, e := range s.ts[1:] {
		if !equalDims(e.Dims, s.ts[0].Dims) {
			return nil, c.valueDependent(1, fmt.Sprintf("the position, as the sequence's elements differ in shape (%v and %v)", s.ts[0].Dims, e.Dims))
		}
	}
	y, err := c.output(0, s.elem, s.ts[0].Dims)
	if err != nil {
		return nil, err
	}
	c.dynamic = true
	return func() error {
		i := p.Int[0]
		if i < int64(-n) || i >= int64(n) {
			return fmt.Errorf("%w: position %d out of range for a sequence of %d", ErrInput, i, n)
		}
		if i < 0 {
			i += int64(n)
		}
		copyTensor(y, s.ts[i])
		return nil
	}, nil
}

func buildSequenceLength(c *nodeCtx) (func() error, error) {
	s, err := c.seqInput(0)
	if err != nil {
		return nil, err
	}
	c.knownOutput(0, &Tensor{DType: Int64, Dims: []int{}, Int: []int64{int64(len(s.ts))}})
	return nil, nil
}

func buildSplitToSequence(c *nodeCtx) (func() error, error) {
	x, err := c.tensorInput(0)
	if err != nil {
		return nil, err
	}
	if st := x.DType.storage(); st != storeFloat && st != storeInt {
		return nil, c.unsupported("data type %v", x.DType)
	}
	axis, err := c.axis(c.attrInt("axis", 0), len(x.Dims))
	if err != nil {
		return nil, err
	}
	d := x.Dims[axis]
	var sizes []int
	keep := true
	if c.input(1) == nil {
		keep = c.attrInt("keepdims", 1) != 0
		sizes = make([]int, d)
		for i := range sizes {
			sizes[i] = 1
		}
	} else {
		split, err := c.knownInts(1, "the split sizes")
		if err != nil {
			return nil, err
		}
		if len(c.input(1).Dims) == 0 {
			if split[0] <= 0 {
				return nil, c.shapeErr("split size %d, want a positive one", split[0])
			}
			for left := d; left > 0; left -= min(left, int(min(split[0], int64(d)))) {
				sizes = append(sizes, min(left, int(min(split[0], int64(d)))))
			}
		} else {
			sum := int64(0)
			for _, v := range split {
				if v < 0 || v > int64(d) {
					return nil, c.shapeErr("split sizes %v for a dimension of %d", split, d)
				}
				sum += v
				sizes = append(sizes, int(v))
			}
			if sum != int64(d) {
				return nil, c.shapeErr("split sizes %v sum to %d, the dimension is %d", split, sum, d)
			}
		}
	}
	s := &sequence{elem: x.DType}
	outer, inner := numElements(x.Dims[:axis]), numElements(x.Dims[axis+1:])
	for _, n := range sizes {
		dims := slices.Clone(x.Dims)
		dims[axis] = n
		if !keep {
			dims = slices.Delete(dims, axis, axis+1)
		}
		t, err := c.p.alloc(x.DType, dims)
		if err != nil {
			return nil, err
		}
		s.ts = append(s.ts, t)
	}
	c.seqOutput(0, s, false)
	return func() error {
		off := 0
		for i, t := range s.ts {
			n := sizes[i] * inner
			blockCopy(t, x, outer, n, d*inner, off, n, 0)
			off += n
		}
		return nil
	}, nil
}

func buildConcatFromSequence(c *nodeCtx) (func() error, error) {
	s, err := c.seqInput(0)
	if err != nil {
		return nil, err
	}
	if len(s.ts) == 0 {
		return nil, c.shapeErr("ConcatFromSequence of an empty sequence")
	}
	first := s.ts[0]
	newAxis := c.attrInt("new_axis", 0) != 0
	r := len(first.Dims)
	if newAxis {
		r++
	}
	ax := c.node.Attr("axis")
	if ax == nil || ax.Type != AttrInt {
		return nil, c.shapeErr("attribute axis (an int) is required")
	}
	axis, err := c.axis(ax.I, r)
	if err != nil {
		return nil, err
	}
	var dims []int
	if newAxis {
		dims = slices.Insert(slices.Clone(first.Dims), axis, len(s.ts))
	} else {
		dims = slices.Clone(first.Dims)
		dims[axis] = 0
	}
	for i, t := range s.ts {
		ok := len(t.Dims) == len(first.Dims)
		for k := 0; ok && k < len(t.Dims); k++ {
			ok = t.Dims[k] == first.Dims[k] || (!newAxis && k == axis)
		}
		if !ok {
			return nil, c.shapeErr("element %d has shape %v, element 0 %v (axis %d)", i, t.Dims, first.Dims, axis)
		}
		if !newAxis {
			dims[axis] += t.Dims[axis]
		}
	}
	if st := s.elem.storage(); st != storeFloat && st != storeInt {
		return nil, c.unsupported("data type %v", s.elem)
	}
	y, err := c.output(0, s.elem, dims)
	if err != nil {
		return nil, err
	}
	outer, inner := numElements(dims[:axis]), numElements(dims[axis+1:])
	row := dims[axis] * inner
	return func() error {
		off := 0
		for _, t := range s.ts {
			n := t.Len() / max(outer, 1)
			if outer == 0 {
				n = 0
			}
			blockCopy(y, t, outer, n, n, 0, row, off)
			off += n
		}
		return nil
	}, nil
}
