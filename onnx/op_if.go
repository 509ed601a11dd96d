package onnx

import "fmt"

// If: a condition known while planning selects one branch, planned inline;
// a condition known only at run time plans both branches (each in its own
// scope, reading outer values), and Run executes the one it selects and
// copies its outputs. A branch that cannot be planned for these shapes (it
// may be meant for other inputs) is an error only when Run selects it; the
// branches' outputs must agree in type and shape (sequences in length and
// their elements' shapes, or the condition is needed while planning; an
// optional known to be empty in one branch agrees with any optional of its
// element type in the other, and Run copies whether the branch's holds a
// value with its element).

func init() {
	register("If", 1, buildIf)
}

// branch is a planned subgraph: its steps and outputs, or why it could not
// be planned.
type branch struct {
	steps []step
	outs  []*value
	err   error
}

// planSubgraph plans g in a child scope of c's planner.
func planSubgraph(c *nodeCtx, g *Graph) branch {
	if c.p.depth >= maxDepth {
		return branch{err: fmt.Errorf("%w: subgraphs nested deeper than %d", ErrLimit, maxDepth)}
	}
	if len(g.Inputs) > 0 {
		return branch{err: c.unsupported("a branch with %d inputs", len(g.Inputs))}
	}
	p := c.p.child()
	for _, t := range g.Initializers {
		if err := p.define(t.Name, &value{t: t, known: true}); err != nil {
			return branch{err: err}
		}
	}
	if err := p.planGraph(g); err != nil {
		return branch{err: err}
	}
	b := branch{steps: p.steps}
	for _, o := range g.Outputs {
		v := p.lookup(o.Name)
		if v == nil {
			return branch{err: fmt.Errorf("%w: branch %q: output %q is not defined", ErrFormat, g.Name, o.Name)}
		}
		b.outs = append(b.outs, v)
	}
	return b
}

func buildIf(c *nodeCtx) (func() error, error) {
	cond, err := c.need(0)
	if err != nil {
		return nil, err
	}
	if cond.DType != Bool || cond.Len() != 1 {
		return nil, c.shapeErr("condition is %v %v, want one BOOL", cond.DType, cond.Dims)
	}
	graphs := [2]*Graph{}
	for i, name := range []string{"then_branch", "else_branch"} {
		a, err := c.attr(name, AttrGraph)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, c.shapeErr("attribute %s is required", name)
		}
		if len(a.G.Outputs) != len(c.node.Outputs) {
			return nil, c.shapeErr("%s has %d outputs, the node %d", name, len(a.G.Outputs), len(c.node.Outputs))
		}
		graphs[i] = a.G
	}
	if c.known(0) {
		pick := 1
		if cond.Int[0] != 0 {
			pick = 0
		}
		b := planSubgraph(c, graphs[pick])
		if b.err != nil {
			return nil, b.err
		}
		allKnown := true
		for i, v := range b.outs {
			if v.t == nil { // a sequence or an optional
				if i < len(c.out) {
					c.out[i] = v
				}
				continue
			}
			c.alias(i, v, v.t.Dims)
			allKnown = allKnown && v.known
		}
		if allKnown {
			return nil, nil
		}
		c.dynamic = true
		return func() error { return runSteps(b.steps) }, nil
	}
	c.dynamic = true
	bs := [2]branch{planSubgraph(c, graphs[0]), planSubgraph(c, graphs[1])}
	if bs[0].err != nil && bs[1].err != nil {
		return nil, bs[0].err
	}
	ref := bs[0]
	if ref.err != nil {
		ref = bs[1]
	}
	for i, v := range ref.outs {
		other := bs[1]
		if v.opt != nil || other.err == nil && other.outs[i].opt != nil {
			var w *value
			if other.err == nil {
				w = other.outs[i]
			}
			o, err := ifOptionalOutput(c, i, v, w)
			if err != nil {
				return nil, err
			}
			if i < len(c.out) {
				c.out[i] = o
			}
			continue
		}
		if v.seq != nil || other.err == nil && other.outs[i].seq != nil {
			// A sequence output: the branches' must agree in length and
			// elements' shapes, or the condition is needed while planning.
			if other.err == nil && !sameShape(v, other.outs[i]) {
				return nil, c.valueDependent(0, fmt.Sprintf("the condition, as output %d is %s in then_branch and %s in else_branch", i, shapeString(v), shapeString(other.outs[i])))
			}
			o, err := c.p.freshLike(v)
			if err != nil {
				return nil, err
			}
			if i < len(c.out) {
				c.out[i] = o
			}
			continue
		}
		if other.err == nil {
			if other.outs[i].t == nil {
				return nil, c.shapeErr("output %d is %s in then_branch and %s in else_branch", i, shapeString(v), shapeString(other.outs[i]))
			}
			w := other.outs[i].t
			if w.DType != v.t.DType || !equalDims(w.Dims, v.t.Dims) {
				return nil, c.unsupported("output %d is %v %v in then_branch and %v %v in else_branch, and the condition is known only at run time",
					i, v.t.DType, v.t.Dims, w.DType, w.Dims)
			}
		}
		if _, err := c.output(i, v.t.DType, v.t.Dims); err != nil {
			return nil, err
		}
	}
	// The copies from each branch's outputs to the node's, listed while
	// planning (Run does not allocate).
	var dsts, srcs [2][]*Tensor
	for k := range bs {
		for i, v := range bs[k].outs {
			if i < len(c.out) && c.out[i] != nil {
				dst := c.out[i].tensors()
				for j, t := range v.tensors() {
					dsts[k] = append(dsts[k], dst[j])
					srcs[k] = append(srcs[k], t)
				}
			}
		}
	}
	return func() error {
		k := 1
		if cond.Int[0] != 0 {
			k = 0
		}
		b := &bs[k]
		if b.err != nil {
			return b.err
		}
		if err := runSteps(b.steps); err != nil {
			return err
		}
		for j, t := range srcs[k] {
			copyTensor(dsts[k][j], t)
		}
		return nil
	}, nil
}

// ifOptionalOutput plans output i of an If whose condition is known only
// at run time, where a branch gives an optional: v is one branch's output,
// w the other's (nil when that branch could not be planned). Both must be
// optionals of one element type, and their elements of one shape where
// both are planned; the output has buffers like the planned element (none
// when neither branch plans one) and a presence flag, which Run copies
// from the branch it runs with the element.
func ifOptionalOutput(c *nodeCtx, i int, v, w *value) (*value, error) {
	if w == nil {
		return c.p.freshLike(v)
	}
	if v.opt == nil || w.opt == nil || !v.opt.sameType(w.opt) {
		return nil, c.shapeErr("output %d is %s in then_branch and %s in else_branch", i, shapeString(v), shapeString(w))
	}
	if v.opt.elem == nil {
		v, w = w, v
	}
	if w.opt.elem != nil && !sameShape(v.opt.elem, w.opt.elem) {
		return nil, c.valueDependent(0, fmt.Sprintf("the condition, as output %d is %s in then_branch and %s in else_branch", i, shapeString(v), shapeString(w)))
	}
	return c.p.freshLike(v)
}
