package onnx

import (
	"fmt"
	"slices"
)

// nodeCtx is what an op builder sees of the node it plans.
type nodeCtx struct {
	node  *Node
	p     *planner
	opset int64
	in    []*value // nil for an omitted optional input
	out   []*value
	// dynamic keeps the node out of constant folding even when its inputs
	// are all known.
	dynamic bool
	// work, when the builder sets it, is its estimate of one run's work
	// (nodeWork), which the fold budget counts.
	work int64
	// err is the first error reading an attribute (see attrInt).
	err error
}

// nIn is the number of inputs given, omitted optional ones included.
func (c *nodeCtx) nIn() int { return len(c.in) }

// input returns input i's tensor, nil when i is past the inputs given or
// the input is omitted.
func (c *nodeCtx) input(i int) *Tensor {
	if i >= len(c.in) || c.in[i] == nil {
		return nil
	}
	return c.in[i].t
}

// need returns input i, or an error if it is missing.
func (c *nodeCtx) need(i int) (*Tensor, error) {
	t := c.input(i)
	if t == nil {
		return nil, fmt.Errorf("%w: input %d is required", ErrFormat, i)
	}
	return t, nil
}

// needTyped returns input i, checking that it is given and has one of types.
func (c *nodeCtx) needTyped(i int, types ...DataType) (*Tensor, error) {
	t, err := c.need(i)
	if err != nil {
		return nil, err
	}
	return t, c.needType(t, types...)
}

// needStored returns input i, which must be held as float or integer
// values (any type but bool and string): the operators that only move or
// compare elements. what names the input in the refusal ("" for the data).
func (c *nodeCtx) needStored(i int, what string) (*Tensor, error) {
	t, err := c.need(i)
	if err != nil {
		return nil, err
	}
	if st := t.DType.storage(); st != storeFloat && st != storeInt {
		if what == "" {
			return nil, c.unsupported("data type %v", t.DType)
		}
		return nil, c.unsupported("%s of data type %v", what, t.DType)
	}
	return t, nil
}

// elementwise returns input 0, which must have one of types, and output 0
// of the same type and shape: the unary elementwise operators.
func (c *nodeCtx) elementwise(types ...DataType) (x, y *Tensor, err error) {
	if x, err = c.needTyped(0, types...); err != nil {
		return nil, nil, err
	}
	y, err = c.output(0, x.DType, x.Dims)
	return x, y, err
}

// needAll returns the first n inputs, each required and of one of types.
func (c *nodeCtx) needAll(n int, types ...DataType) ([]*Tensor, error) {
	ts := make([]*Tensor, n)
	for i := range ts {
		var err error
		if ts[i], err = c.needTyped(i, types...); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// inputAxis returns input 0 and its axis attribute (def when absent),
// normalized against its rank.
func (c *nodeCtx) inputAxis(def int64) (*Tensor, int, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, 0, err
	}
	axis, err := c.axis(c.attrInt("axis", def), len(x.Dims))
	return x, axis, err
}

// known reports whether input i's values are known while planning.
func (c *nodeCtx) known(i int) bool {
	return i < len(c.in) && c.in[i] != nil && c.in[i].known
}

// knownInts returns the values of input i, an integer tensor that must be
// known while planning (a shape, axes, pads): what, in errors.
func (c *nodeCtx) knownInts(i int, what string) ([]int64, error) {
	t, err := c.need(i)
	if err != nil {
		return nil, err
	}
	if !c.known(i) {
		return nil, c.valueDependent(i, what)
	}
	if t.DType.storage() != storeInt {
		return nil, fmt.Errorf("%w: %s (input %d) has type %v, want an integer type", ErrShape, what, i, t.DType)
	}
	return t.Int, nil
}

// knownFloats returns the values of input i, a FLOAT tensor that must be
// known while planning (Resize's scales): what, in errors.
func (c *nodeCtx) knownFloats(i int, what string) ([]float32, error) {
	t, err := c.need(i)
	if err != nil {
		return nil, err
	}
	if !c.known(i) {
		return nil, c.valueDependent(i, what)
	}
	if t.DType != Float {
		return nil, c.unsupported("data type %v for %s (input %d), want FLOAT", t.DType, what, i)
	}
	return t.Float, nil
}

// valueDependentError is the error of a node that needs the values of
// its input Input while planning; it wraps ErrUnsupported and
// ErrValueDependent, and names the value so that a caller can fix it
// (Options.Fixed) when it is a graph input.
type valueDependentError struct {
	Input string
	msg   string
}

func (e *valueDependentError) Error() string {
	return fmt.Sprintf("%v: %v: %s", ErrUnsupported, ErrValueDependent, e.msg)
}

func (e *valueDependentError) Unwrap() []error { return []error{ErrUnsupported, ErrValueDependent} }

// valueDependent returns the error for input i, whose values (what) are
// needed while planning but are not known then.
func (c *nodeCtx) valueDependent(i int, what string) error {
	return &valueDependentError{Input: c.node.Inputs[i], msg: fmt.Sprintf("%s (input %d, %q)", what, i, c.node.Inputs[i])}
}

// output declares output i with a fresh buffer. A node may list fewer
// outputs than its operator computes: the buffer is still allocated (the
// kernel writes it), and nothing reads it.
func (c *nodeCtx) output(i int, dt DataType, dims []int) (*Tensor, error) {
	t, err := c.p.alloc(dt, dims)
	if err != nil {
		return nil, err
	}
	if i < len(c.out) {
		c.out[i] = &value{t: t}
	}
	return t, nil
}

// wants reports whether the node names output i (an optional output left
// out or given as "" is not computed by anything that reads it).
func (c *nodeCtx) wants(i int) bool {
	return i < len(c.node.Outputs) && c.node.Outputs[i] != ""
}

// knownOutput declares output i with values computed while planning.
func (c *nodeCtx) knownOutput(i int, t *Tensor) {
	if i < len(c.out) {
		c.out[i] = &value{t: t, known: true}
	}
}

// alias declares output i as a view of src's buffer with other dims (the
// element count is the same): Identity, Reshape, Squeeze, Unsqueeze. Values
// are never written after they are computed, so sharing is safe; the view
// is known when src is.
func (c *nodeCtx) alias(i int, src *value, dims []int) {
	if i >= len(c.out) {
		return
	}
	t := &Tensor{DType: src.t.DType, Dims: slices.Clone(dims), Float: src.t.Float, Int: src.t.Int}
	if t.Dims == nil {
		t.Dims = []int{}
	}
	c.out[i] = &value{t: t, known: src.known}
}

// attr returns the attribute called name, checking its type; nil if absent.
func (c *nodeCtx) attr(name string, ty AttrType) (*Attribute, error) {
	a := c.node.Attr(name)
	if a == nil {
		return nil, nil
	}
	if a.Type != ty {
		return nil, fmt.Errorf("%w: attribute %s has type %v, want %v", ErrFormat, name, a.Type, ty)
	}
	return a, nil
}

// attrInt, attrFloat and attrString return a scalar attribute, or def when
// it is absent. An attribute of the wrong type records an error in c.err
// (the first one counts; planNode returns it) and gives def, so builders
// read their attributes without checking each.
func (c *nodeCtx) attrInt(name string, def int64) int64 {
	a := c.attrOf(name, AttrInt)
	if a == nil {
		return def
	}
	return a.I
}

func (c *nodeCtx) attrFloat(name string, def float32) float32 {
	a := c.attrOf(name, AttrFloat)
	if a == nil {
		return def
	}
	return a.F
}

func (c *nodeCtx) attrString(name, def string) string {
	a := c.attrOf(name, AttrString)
	if a == nil {
		return def
	}
	return string(a.S)
}

// attrOf returns the attribute called name if it has type ty; nil, with
// the error recorded, if it has another.
func (c *nodeCtx) attrOf(name string, ty AttrType) *Attribute {
	a, err := c.attr(name, ty)
	if err != nil && c.err == nil {
		c.err = err
	}
	return a
}

// attrInts returns an INTS attribute; ok is false when it is absent.
func (c *nodeCtx) attrInts(name string) (v []int64, ok bool, err error) {
	a, err := c.attr(name, AttrInts)
	if a == nil || err != nil {
		return nil, false, err
	}
	return a.Ints, true, nil
}

// attrFloats returns a FLOATS attribute; ok is false when it is absent.
func (c *nodeCtx) attrFloats(name string) (v []float32, ok bool, err error) {
	a, err := c.attr(name, AttrFloats)
	if a == nil || err != nil {
		return nil, false, err
	}
	return a.Floats, true, nil
}

// attrStrings returns a STRINGS attribute; ok is false when it is absent.
func (c *nodeCtx) attrStrings(name string) (v []string, ok bool, err error) {
	a, err := c.attr(name, AttrStrings)
	if a == nil || err != nil {
		return nil, false, err
	}
	v = make([]string, len(a.Strings))
	for i, s := range a.Strings {
		v[i] = string(s)
	}
	return v, true, nil
}

// unsupported returns an ErrUnsupported error about this node.
func (c *nodeCtx) unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s (opset %d): %s", ErrUnsupported, c.node.OpType, c.opset, fmt.Sprintf(format, args...))
}

// shapeErr returns an ErrShape error about this node.
func (c *nodeCtx) shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrShape, fmt.Sprintf(format, args...))
}

// needType checks that input t has one of the types an operator computes on.
func (c *nodeCtx) needType(t *Tensor, types ...DataType) error {
	if slices.Contains(types, t.DType) {
		return nil
	}
	return c.unsupported("data type %v (this operator takes %v)", t.DType, types)
}

// axis normalizes an axis attribute or input value against rank r
// (negative counts from the end; rank r+1 for Unsqueeze-like ops is the
// caller's choice of r).
func (c *nodeCtx) axis(a int64, r int) (int, error) {
	if a < -int64(r) || a >= int64(r) {
		return 0, c.shapeErr("axis %d out of range for rank %d", a, r)
	}
	if a < 0 {
		a += int64(r)
	}
	return int(a), nil
}

func numElements(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}
