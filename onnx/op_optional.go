package onnx

import "fmt"

// The optional operators, on planned optionals (optional.go): Optional
// wraps a tensor or a sequence (or, without input, makes an empty
// optional of its type attribute); OptionalHasElement says whether an
// optional holds a value, folded while planning when that is known;
// OptionalGetElement gives the element, shared rather than copied,
// checking at run time that it is there when that is not known while
// planning. From opset 18 the last two also take a tensor or a sequence
// (which holds a value) and OptionalHasElement an omitted input (which
// does not).

func init() {
	registerOpt("Optional", 15, buildOptional)
	registerOpt("OptionalHasElement", 15, buildOptionalHasElement)
	registerOpt("OptionalGetElement", 15, buildOptionalGetElement)
}

func buildOptional(c *nodeCtx) (func() error, error) {
	a, err := c.attr("type", AttrTypeProto)
	if err != nil {
		return nil, err
	}
	if c.nIn() > 1 {
		return nil, c.shapeErr("Optional takes at most one input, got %d", c.nIn())
	}
	var o *value
	if c.nIn() == 0 || c.in[0] == nil {
		if a == nil {
			return nil, c.shapeErr("an Optional without input needs attribute type")
		}
		if o, err = c.p.emptyOptional(a.TP); err != nil {
			return nil, err
		}
	} else {
		v := c.in[0]
		if v.opt != nil {
			return nil, c.shapeErr("an Optional of an optional")
		}
		if o, err = c.p.present(v); err != nil {
			return nil, err
		}
		if a != nil {
			decl := ValueInfo{Name: "the output", Type: Type{Kind: KindOptional, Elem: a.TP}}
			if err := checkOptionalDeclared(decl, o.opt); err != nil {
				return nil, err
			}
		}
	}
	if len(c.out) > 0 {
		c.out[0] = o
	}
	return nil, nil
}

// typeString names an optional's element type in errors.
func typeString(seqElem bool, dt DataType) string {
	if seqElem {
		return fmt.Sprintf("a sequence of %v", dt)
	}
	return fmt.Sprintf("a tensor of %v", dt)
}

// plainInputOK checks that input i, a tensor or a sequence rather than an
// optional, may be given to the optional operators: from opset 18.
func plainInputOK(c *nodeCtx, i int) error {
	if c.opset < 18 {
		return c.shapeErr("input %d (%q) is %s, want an optional (a tensor or a sequence is taken from opset 18)", i, c.node.Inputs[i], shapeString(c.in[i]))
	}
	return nil
}

func buildOptionalHasElement(c *nodeCtx) (func() error, error) {
	if c.nIn() > 1 {
		return nil, c.shapeErr("OptionalHasElement takes one input, got %d", c.nIn())
	}
	if c.nIn() == 0 || c.in[0] == nil {
		if c.opset < 18 {
			return nil, fmt.Errorf("%w: input 0 is required", ErrFormat)
		}
		c.knownOutput(0, &Tensor{DType: Bool, Dims: []int{}, Int: []int64{0}})
		return nil, nil
	}
	o := c.in[0].opt
	if o == nil {
		if err := plainInputOK(c, 0); err != nil {
			return nil, err
		}
		c.knownOutput(0, &Tensor{DType: Bool, Dims: []int{}, Int: []int64{1}})
		return nil, nil
	}
	if o.hasKnown {
		c.knownOutput(0, &Tensor{DType: Bool, Dims: []int{}, Int: []int64{o.has.Int[0]}})
		return nil, nil
	}
	c.alias(0, &value{t: o.has}, []int{})
	return nil, nil
}

func buildOptionalGetElement(c *nodeCtx) (func() error, error) {
	if c.nIn() != 1 || c.in[0] == nil {
		return nil, fmt.Errorf("%w: OptionalGetElement takes one input, got %d", ErrFormat, c.nIn())
	}
	v := c.in[0]
	if v.opt == nil {
		if err := plainInputOK(c, 0); err != nil {
			return nil, err
		}
		setElement(c, v)
		return nil, nil
	}
	o := v.opt
	if o.hasKnown && !o.holds() || o.elem == nil {
		// (no element planned: every value it may be is empty, such as
		// an If's whose branches both give an empty optional)
		return nil, c.shapeErr("OptionalGetElement of an %s", o)
	}
	setElement(c, &value{t: o.elem.t, seq: o.elem.seq, known: v.known})
	if o.hasKnown {
		return nil, nil
	}
	c.dynamic = true
	has := o.has
	return func() error {
		if has.Int[0] == 0 {
			return fmt.Errorf("%w: OptionalGetElement of an optional that holds no value", ErrInput)
		}
		return nil
	}, nil
}

// setElement declares output 0 as v, a tensor or a sequence, shared.
func setElement(c *nodeCtx, v *value) {
	if v.t != nil {
		c.alias(0, v, v.t.Dims)
		return
	}
	if len(c.out) > 0 {
		c.out[0] = &value{seq: v.seq, known: v.known}
	}
}
