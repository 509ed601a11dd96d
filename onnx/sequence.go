package onnx

import "fmt"

// sequence is a planned ONNX sequence of tensors. Its length and every
// element's shape are fixed while planning, as a tensor's shape is: the
// elements are planned buffers, shared with the values they were built
// from where an operator only regroups them (SequenceConstruct,
// SequenceInsert, SequenceErase, SequenceAt at a position known while
// planning), written by the operators that compute (SplitToSequence).
// A Loop whose carried sequence grows is unrolled (op_loop.go), so that
// each iteration's sequence has a planned length of its own. A graph
// input that is a sequence is planned for the element shapes
// Options.SequenceShapes gives.
type sequence struct {
	elem DataType // the elements' type (SequenceEmpty's dtype when there are none)
	ts   []*Tensor
}

// chargeSlots takes n elements from the budget for a planned list of n
// tensors that what names (a sequence's elements, an unrolled Loop
// iteration's carried values). Such a list holds pointers, not values,
// but the lists a chain of SequenceInsert nodes or an unrolled Loop's
// iterations plan grow quadratically with the file: counting one element
// a place bounds them by the budget as tensors are.
func (p *planner) chargeSlots(n int, what string) error {
	if n > *p.budget {
		return fmt.Errorf("%w: %s of %d tensors exceeds the element budget (each planned list counts one element a tensor)", ErrLimit, what, n)
	}
	*p.budget -= n
	return nil
}

// seqInput returns input i, which must be a sequence.
func (c *nodeCtx) seqInput(i int) (*sequence, error) {
	if i >= len(c.in) || c.in[i] == nil {
		return nil, fmt.Errorf("%w: input %d is required", ErrFormat, i)
	}
	if c.in[i].seq == nil {
		return nil, c.shapeErr("input %d (%q) is %s, want a sequence", i, c.node.Inputs[i], shapeString(c.in[i]))
	}
	return c.in[i].seq, nil
}

// tensorInput returns input i, which must be a tensor (need, for the
// operators registered with registerSeq, whose inputs planNode does not
// check).
func (c *nodeCtx) tensorInput(i int) (*Tensor, error) {
	if i < len(c.in) && c.in[i] != nil && c.in[i].t == nil {
		return nil, c.shapeErr("input %d (%q) is %s, want a tensor", i, c.node.Inputs[i], shapeString(c.in[i]))
	}
	return c.need(i)
}

// seqOutput declares output i as the sequence s, known while planning
// when known is.
func (c *nodeCtx) seqOutput(i int, s *sequence, known bool) {
	if i < len(c.out) {
		c.out[i] = &value{seq: s, known: known}
	}
}

// sameShape reports whether two planned values have the same kind, type
// and shape (for a sequence: length and every element's; for an optional:
// its element's, or both with no element planned).
func sameShape(a, b *value) bool {
	if (a.seq == nil) != (b.seq == nil) || (a.opt == nil) != (b.opt == nil) {
		return false
	}
	if a.opt != nil {
		return a.opt.sameShape(b.opt)
	}
	if a.seq == nil {
		return a.t.DType == b.t.DType && equalDims(a.t.Dims, b.t.Dims)
	}
	if a.seq.elem != b.seq.elem || len(a.seq.ts) != len(b.seq.ts) {
		return false
	}
	for i, t := range a.seq.ts {
		if !equalDims(t.Dims, b.seq.ts[i].Dims) {
			return false
		}
	}
	return true
}

// shapeString describes a planned value's kind, type and shape in errors.
func shapeString(v *value) string {
	if v.opt != nil {
		return v.opt.String()
	}
	if v.seq == nil {
		return fmt.Sprintf("%v %v", v.t.DType, v.t.Dims)
	}
	b := fmt.Appendf(nil, "sequence of %v [", v.seq.elem)
	for i, t := range v.seq.ts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%v", t.Dims)
	}
	return string(append(b, ']'))
}

// tensors lists the buffers a planned value holds: the tensor, the
// sequence's elements, or the optional's presence flag followed by its
// element's buffers (so that copying one value's buffers to another's,
// as If and Loop do, copies whether it holds a value).
func (v *value) tensors() []*Tensor {
	if v.opt != nil {
		return v.opt.tensors()
	}
	if v.seq != nil {
		return v.seq.ts
	}
	return []*Tensor{v.t}
}

// freshLike allocates a value of v's kind, type and shape with buffers of
// its own (a loop body's carried input).
func (p *planner) freshLike(v *value) (*value, error) {
	if v.opt != nil {
		return p.freshOptional(v.opt)
	}
	if v.seq == nil {
		t, err := p.alloc(v.t.DType, v.t.Dims)
		return &value{t: t}, err
	}
	s := &sequence{elem: v.seq.elem, ts: make([]*Tensor, len(v.seq.ts))}
	for i, e := range v.seq.ts {
		t, err := p.alloc(e.DType, e.Dims)
		if err != nil {
			return nil, err
		}
		s.ts[i] = t
	}
	return &value{seq: s}, nil
}
