package onnx

import "fmt"

// optional is a planned ONNX optional: an element, a tensor or a sequence
// of tensors, that it holds or not. The element's buffers are planned as
// any other value's; whether it holds them is a BOOL scalar, has, fixed
// while planning (hasKnown: Optional of a value, an empty Optional, an
// optional built from a value by a Loop body's or graph's declaration) or
// written at run time (a graph input, Session.SetInputHasValue; an If
// whose condition is known only then, copying the branch's). A value of
// the optional kind is known while planning when whether it holds a value
// is, and its element (if it holds one) is.
type optional struct {
	has      *Tensor  // BOOL scalar: 1 when the optional holds elem
	hasKnown bool     // has is fixed while planning
	elem     *value   // the element's buffers (a tensor or a sequence value); nil for an optional known to be empty whose element was never planned
	seqElem  bool     // the element is a sequence of tensors, not a tensor
	dtype    DataType // the tensor's type, or the sequence's elements'
}

// holds reports whether the optional holds its element (at run time, or
// while planning when hasKnown).
func (o *optional) holds() bool { return o.has.Int[0] != 0 }

// tensors lists the optional's buffers: has, then its element's.
func (o *optional) tensors() []*Tensor {
	ts := []*Tensor{o.has}
	if o.elem != nil {
		ts = append(ts, o.elem.tensors()...)
	}
	return ts
}

// sameType reports whether two optionals' elements are of one kind and
// type.
func (o *optional) sameType(b *optional) bool {
	return o.seqElem == b.seqElem && o.dtype == b.dtype
}

// sameShape reports whether two optionals have the same element type and
// planned element shape (or neither has an element planned).
func (o *optional) sameShape(b *optional) bool {
	if !o.sameType(b) || (o.elem == nil) != (b.elem == nil) {
		return false
	}
	return o.elem == nil || sameShape(o.elem, b.elem)
}

// String describes the optional in errors.
func (o *optional) String() string {
	if o.elem != nil {
		return "optional of " + shapeString(o.elem)
	}
	if o.seqElem {
		return fmt.Sprintf("empty optional of a sequence of %v", o.dtype)
	}
	return fmt.Sprintf("empty optional of a tensor of %v", o.dtype)
}

// presenceFlag allocates an optional's has flag, set to has.
func (p *planner) presenceFlag(has bool) (*Tensor, error) {
	t, err := p.alloc(Bool, nil)
	if err != nil {
		return nil, err
	}
	if has {
		t.Int[0] = 1
	}
	return t, nil
}

// present returns an optional that holds v (a tensor or a sequence), known
// to while planning.
func (p *planner) present(v *value) (*value, error) {
	if v.opt != nil {
		panic("onnx.planner.present: an optional of an optional")
	}
	has, err := p.presenceFlag(true)
	if err != nil {
		return nil, err
	}
	o := &optional{has: has, hasKnown: true, elem: v, seqElem: v.seq != nil}
	if v.seq != nil {
		o.dtype = v.seq.elem
	} else {
		o.dtype = v.t.DType
	}
	return &value{opt: o, known: v.known}, nil
}

// emptyOptional returns an optional known to hold nothing, whose element
// would be of type ty: a tensor or a sequence of tensors.
func (p *planner) emptyOptional(ty *Type) (*value, error) {
	seqElem, dt, err := optionalElemType(ty)
	if err != nil {
		return nil, err
	}
	has, err := p.presenceFlag(false)
	if err != nil {
		return nil, err
	}
	return &value{opt: &optional{has: has, hasKnown: true, seqElem: seqElem, dtype: dt}, known: true}, nil
}

// optionalElemType reads the element type of an optional: a tensor or a
// sequence of tensors, of a type that flows through a session.
func optionalElemType(ty *Type) (seqElem bool, dt DataType, err error) {
	switch {
	case ty == nil:
		return false, 0, fmt.Errorf("%w: an optional of no declared type", ErrShape)
	case ty.Kind == KindTensor:
		dt = ty.ElemType
	case ty.Kind == KindSequence && ty.Elem != nil && ty.Elem.Kind == KindTensor:
		seqElem, dt = true, ty.Elem.ElemType
	default:
		return false, 0, fmt.Errorf("%w: an optional whose element is not a tensor or a sequence of tensors", ErrUnsupported)
	}
	if !runtimeType(dt) {
		return false, 0, fmt.Errorf("%w: an optional of data type %v", ErrUnsupported, dt)
	}
	return seqElem, dt, nil
}

// freshOptional allocates an optional like o, with buffers of its own and
// whether it holds a value decided at run time.
func (p *planner) freshOptional(o *optional) (*value, error) {
	has, err := p.presenceFlag(false)
	if err != nil {
		return nil, err
	}
	f := &optional{has: has, seqElem: o.seqElem, dtype: o.dtype}
	if o.elem != nil {
		if f.elem, err = p.freshLike(o.elem); err != nil {
			return nil, err
		}
	}
	return &value{opt: f}, nil
}

// inputOptional allocates a graph input that is an optional of a tensor
// (of shape given, or the declared one) or of a sequence of tensors (of
// element shapes givenSeq), holding a value until Session.SetInputHasValue
// says otherwise.
func (p *planner) inputOptional(in ValueInfo, given []int, givenSeq [][]int) (*value, error) {
	seqElem, _, err := optionalElemType(in.Type.Elem)
	if err != nil {
		return nil, fmt.Errorf("input %q: %w", in.Name, err)
	}
	ev := &value{}
	vi := ValueInfo{Name: in.Name, Type: *in.Type.Elem}
	if seqElem {
		ev.seq, err = p.inputSequence(vi, givenSeq)
	} else {
		ev.t, err = p.inputTensor(vi, given)
	}
	if err != nil {
		return nil, err
	}
	v, err := p.present(ev)
	if err != nil {
		return nil, err
	}
	v.opt.hasKnown, v.known = false, false
	return v, nil
}

// declaredOptional returns v as a value declared optional: v itself if it
// is one, else an optional that holds it. Declared element types are not
// checked here (the declaration of a Loop body's input or a graph's output
// may leave them out).
func (p *planner) declaredOptional(name string, v *value) (*value, error) {
	if v.opt != nil {
		return v, nil
	}
	o, err := p.present(v)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	return o, nil
}

// optInput returns input i, which must be an optional.
func (c *nodeCtx) optInput(i int) (*optional, error) {
	if i >= len(c.in) || c.in[i] == nil {
		return nil, fmt.Errorf("%w: input %d is required", ErrFormat, i)
	}
	if c.in[i].opt == nil {
		return nil, c.shapeErr("input %d (%q) is %s, want an optional", i, c.node.Inputs[i], shapeString(c.in[i]))
	}
	return c.in[i].opt, nil
}

// checkOptionalDeclared checks an optional against the declaration vi of
// an optional: the element's kind and type, where declared.
func checkOptionalDeclared(vi ValueInfo, o *optional) error {
	e := vi.Type.Elem
	if e == nil || e.Kind == KindUnknown {
		return nil
	}
	seqElem, dt := false, e.ElemType
	switch {
	case e.Kind == KindSequence && (e.Elem == nil || e.Elem.Kind == KindTensor):
		seqElem, dt = true, Undefined
		if e.Elem != nil {
			dt = e.Elem.ElemType
		}
	case e.Kind != KindTensor:
		return fmt.Errorf("%w: %q: an optional whose element is not a tensor or a sequence of tensors", ErrUnsupported, vi.Name)
	}
	if seqElem != o.seqElem || dt != Undefined && dt != o.dtype {
		return fmt.Errorf("%w: %q is declared an optional of %s and is %s", ErrShape, vi.Name, typeString(seqElem, dt), o)
	}
	return nil
}
