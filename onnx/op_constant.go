package onnx

import "slices"

// The operators whose output is known while planning from attributes:
// Constant, and ConstantOfShape of a known shape.

func init() {
	register("Constant", 1, buildConstant)
	register("ConstantOfShape", 9, buildConstantOfShape)
}

// runtimeTensor checks that an attribute's tensor may flow through a
// session and gives it a buffer of its own (folding never writes it, but
// the model's tensors stay the caller's).
func runtimeTensor(c *nodeCtx, t *Tensor, what string) (*Tensor, error) {
	if !runtimeType(t.DType) {
		return nil, c.unsupported("%s of data type %v", what, t.DType)
	}
	return &Tensor{DType: t.DType, Dims: slices.Clone(t.Dims), Float: slices.Clone(t.Float), Int: slices.Clone(t.Int)}, nil
}

func buildConstant(c *nodeCtx) (func() error, error) {
	if len(c.node.Attributes) != 1 {
		return nil, c.shapeErr("Constant takes exactly one attribute, has %d", len(c.node.Attributes))
	}
	a := c.node.Attributes[0]
	var t *Tensor
	switch {
	case a.Name == "value" && a.Type == AttrTensor && a.T.DType == BFloat16:
		// Half-size weights, as an initializer of the type may be: Cast
		// takes them (held as float32, exactly); other operators refuse.
		t = &Tensor{DType: a.T.DType, Dims: slices.Clone(a.T.Dims), Float: slices.Clone(a.T.Float)}
	case a.Name == "value" && a.Type == AttrTensor:
		var err error
		if t, err = runtimeTensor(c, a.T, "value"); err != nil {
			return nil, err
		}
	case a.Name == "value_float" && a.Type == AttrFloat:
		t = &Tensor{DType: Float, Dims: []int{}, Float: []float32{a.F}}
	case a.Name == "value_floats" && a.Type == AttrFloats:
		t = &Tensor{DType: Float, Dims: []int{len(a.Floats)}, Float: slices.Clone(a.Floats)}
	case a.Name == "value_int" && a.Type == AttrInt:
		t = &Tensor{DType: Int64, Dims: []int{}, Int: []int64{a.I}}
	case a.Name == "value_ints" && a.Type == AttrInts:
		t = &Tensor{DType: Int64, Dims: []int{len(a.Ints)}, Int: slices.Clone(a.Ints)}
	default:
		return nil, c.unsupported("attribute %s of type %v", a.Name, a.Type)
	}
	if t.Float == nil && t.DType.storage() == storeFloat {
		t.Float = []float32{}
	}
	if t.Int == nil && t.DType.storage() == storeInt {
		t.Int = []int64{}
	}
	c.knownOutput(0, t)
	return nil, nil
}

func buildConstantOfShape(c *nodeCtx) (func() error, error) {
	shape, err := c.knownInts(0, "the shape")
	if err != nil {
		return nil, err
	}
	fill := &Tensor{DType: Float, Dims: []int{1}, Float: []float32{0}}
	if a, err := c.attr("value", AttrTensor); err != nil {
		return nil, err
	} else if a != nil {
		if fill, err = runtimeTensor(c, a.T, "value"); err != nil {
			return nil, err
		}
		if fill.Len() != 1 {
			return nil, c.shapeErr("value has %d elements, want 1", fill.Len())
		}
	}
	dims := make([]int, len(shape))
	for i, s := range shape {
		if s < 0 || s > maxIndex {
			return nil, c.shapeErr("shape %v has dimension %d", shape, s)
		}
		dims[i] = int(s)
	}
	out, err := c.p.alloc(fill.DType, dims)
	if err != nil {
		return nil, err
	}
	for i := range out.Float {
		out.Float[i] = fill.Float[0]
	}
	for i := range out.Int {
		out.Int[i] = fill.Int[0]
	}
	c.knownOutput(0, out)
	return nil, nil
}
