package onnx

import (
	"fmt"
	"slices"
	"sort"
)

// value is a planned tensor: its buffer, fixed shape and type, and whether
// its contents are known while planning (initializers, constants, shapes and
// what is computed from them only). A value of the sequence kind has seq
// set and t nil (sequence.go); only the operators registered with
// registerSeq read one. A value of the optional kind has opt set and t and
// seq nil (optional.go); only the operators registered with registerOpt
// read one.
type value struct {
	t     *Tensor
	seq   *sequence
	opt   *optional
	known bool
}

// planner plans one graph: the root graph, or a subgraph (If's branches),
// which sees its parent's values (outer scope).
type planner struct {
	opset   int64
	msOpset int64 // the com.microsoft domain's version the model imports, 0 if none
	parent  *planner
	values  map[string]*value
	steps   []step
	budget  *int // elements the plan may still allocate, shared by all scopes
	depth   int
	packs   *packShare       // the model's shared packed weights (nil: none)
	weights map[*Tensor]bool // the root graph's initializers (root only)
	loops   *loopLimits      // Loop's run-time and unrolling bounds, shared by all scopes
}

func (p *planner) child() *planner {
	return &planner{opset: p.opset, msOpset: p.msOpset, parent: p, values: map[string]*value{}, budget: p.budget, depth: p.depth + 1, packs: p.packs, loops: p.loops}
}

func (p *planner) lookup(name string) *value {
	for q := p; q != nil; q = q.parent {
		if v, ok := q.values[name]; ok {
			return v
		}
	}
	return nil
}

func (p *planner) define(name string, v *value) error {
	if _, dup := p.values[name]; dup {
		return fmt.Errorf("%w: value %q is defined twice", ErrFormat, name)
	}
	if name != "" {
		p.values[name] = v
	}
	return nil
}

// charge takes n elements of shape dims from the budget.
func (p *planner) charge(dims []int) (n int, err error) {
	n = 1
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("%w: negative dimension in %v", ErrShape, dims)
		}
		if d != 0 && n > *p.budget/d {
			return 0, fmt.Errorf("%w: a tensor of shape %v exceeds the element budget", ErrLimit, dims)
		}
		n *= d
	}
	if n > *p.budget {
		return 0, fmt.Errorf("%w: a tensor of shape %v exceeds the element budget", ErrLimit, dims)
	}
	*p.budget -= n
	return n, nil
}

// scratch returns a buffer of n elements that a kernel uses at run time
// (allocated while planning, charged to the element budget).
func scratch[T any](c *nodeCtx, n int) ([]T, error) {
	if _, err := c.p.charge([]int{n}); err != nil {
		return nil, err
	}
	return make([]T, n), nil
}

// alloc returns a tensor of the given type and shape with a fresh buffer,
// charging its elements to the budget.
func (p *planner) alloc(dt DataType, dims []int) (*Tensor, error) {
	n, err := p.charge(dims)
	if err != nil {
		return nil, err
	}
	t := &Tensor{DType: dt, Dims: slices.Clone(dims)}
	if t.Dims == nil {
		t.Dims = []int{}
	}
	switch dt.storage() {
	case storeFloat:
		t.Float = make([]float32, n)
	case storeInt:
		t.Int = make([]int64, n)
	default:
		return nil, fmt.Errorf("%w: data type %v in a computed tensor", ErrUnsupported, dt)
	}
	return t, nil
}

// runtimeType reports whether values of type dt may flow through a session.
func runtimeType(dt DataType) bool {
	switch dt {
	case Float, Float16, Int64, Int32, Bool, Int8, Uint8, Int16, Uint16, Uint32:
		return true
	}
	return false
}

// inputTensor allocates the buffer of a graph input, checking the given
// shape against the declared one.
func (p *planner) inputTensor(in ValueInfo, given []int) (*Tensor, error) {
	ty := in.Type
	if ty.Kind != KindTensor {
		return nil, fmt.Errorf("%w: input %q is not a tensor", ErrUnsupported, in.Name)
	}
	if !runtimeType(ty.ElemType) {
		return nil, fmt.Errorf("%w: input %q has data type %v", ErrUnsupported, in.Name, ty.ElemType)
	}
	dims := given
	if dims == nil {
		if !ty.HasShape {
			return nil, fmt.Errorf("%w: input %q has no declared shape; give one", ErrShape, in.Name)
		}
		dims = make([]int, len(ty.Shape))
		for i, d := range ty.Shape {
			if !d.Known {
				return nil, fmt.Errorf("%w: input %q has shape %s; give its size", ErrShape, in.Name, dimsString(ty.Shape))
			}
			dims[i] = int(d.Value)
		}
	} else if ty.HasShape {
		if len(dims) != len(ty.Shape) {
			return nil, fmt.Errorf("%w: input %q is declared %s, given %v", ErrShape, in.Name, dimsString(ty.Shape), dims)
		}
		for i, d := range ty.Shape {
			if d.Known && d.Value != int64(dims[i]) {
				return nil, fmt.Errorf("%w: input %q is declared %s, given %v", ErrShape, in.Name, dimsString(ty.Shape), dims)
			}
		}
	}
	t, err := p.alloc(ty.ElemType, dims)
	if err != nil {
		return nil, fmt.Errorf("input %q: %w", in.Name, err)
	}
	t.Name = in.Name
	return t, nil
}

// inputSequence allocates the elements of a graph input that is a
// sequence of tensors, one per given shape, each checked against the
// declared element type and shape.
func (p *planner) inputSequence(in ValueInfo, given [][]int) (*sequence, error) {
	e := in.Type.Elem
	if e == nil || e.Kind != KindTensor {
		return nil, fmt.Errorf("%w: input %q is not a tensor or a sequence of tensors", ErrUnsupported, in.Name)
	}
	if given == nil {
		return nil, fmt.Errorf("%w: input %q is a sequence; give its elements' shapes (Options.SequenceShapes)", ErrShape, in.Name)
	}
	s := &sequence{elem: e.ElemType}
	for i, dims := range given {
		if dims == nil {
			dims = []int{}
		}
		t, err := p.inputTensor(ValueInfo{Name: fmt.Sprintf("%s[%d]", in.Name, i), Type: *e}, dims)
		if err != nil {
			return nil, err
		}
		s.ts = append(s.ts, t)
	}
	return s, nil
}

// planGraph plans g's nodes in a topological order (the file's order where
// it is one) into p.steps, folding the nodes whose inputs are all known.
func (p *planner) planGraph(g *Graph) error {
	nodes := withoutWideningCasts(g)
	if fuseChains {
		nodes = fusedPatterns(g, nodes)
	}
	order, err := p.topoOrder(nodes)
	if err != nil {
		return err
	}
	for _, n := range order {
		err := p.planNode(n)
		if err != nil && n.fusedFrom != nil {
			// The fused operator does not take these shapes or types:
			// plan the chain it replaced.
			for _, m := range n.fusedFrom {
				if err = p.planNode(m); err != nil {
					n = m
					break
				}
			}
		}
		if err != nil {
			return nodeError(n, err)
		}
	}
	return nil
}

// topoOrder orders a graph's nodes so that each comes after the nodes that
// define its inputs (including values its subgraphs read from this scope).
func (p *planner) topoOrder(nodes []*Node) ([]*Node, error) {
	producer := map[string]int{}
	for i, n := range nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if _, dup := producer[o]; dup || p.values[o] != nil {
				return nil, fmt.Errorf("%w: value %q is defined twice", ErrFormat, o)
			}
			producer[o] = i
		}
	}
	state := make([]byte, len(nodes)) // 0 new, 1 visiting, 2 done
	order := make([]*Node, 0, len(nodes))
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("%w: the graph has a cycle through node %q (%s)", ErrFormat, nodes[i].Name, nodes[i].OpType)
		case 2:
			return nil
		}
		state[i] = 1
		for _, in := range nodeReads(nodes[i]) {
			if j, ok := producer[in]; ok {
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		state[i] = 2
		order = append(order, nodes[i])
		return nil
	}
	// Iterative over roots; recursion depth is bounded by the node count,
	// which the file's size bounds; deep chains are visited in file order
	// first, so a file already in topological order recurses one level.
	for i := range nodes {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// nodeReads lists the names a node reads: its inputs, and the names its
// subgraphs read that they do not define themselves.
func nodeReads(n *Node) []string {
	reads := slices.Concat(n.Inputs, n.fusedReads)
	for _, a := range n.Attributes {
		gs := a.Graphs
		if a.G != nil {
			gs = append([]*Graph{a.G}, gs...)
		}
		for _, g := range gs {
			reads = append(reads, outerReads(g)...)
		}
	}
	return reads
}

// outerReads lists the names g reads from its enclosing scopes.
func outerReads(g *Graph) []string {
	defined := map[string]bool{}
	for _, t := range g.Initializers {
		defined[t.Name] = true
	}
	for _, in := range g.Inputs {
		defined[in.Name] = true
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			defined[o] = true
		}
	}
	var reads []string
	for _, n := range g.Nodes {
		for _, in := range nodeReads(n) {
			if in != "" && !defined[in] {
				reads = append(reads, in)
			}
		}
	}
	for _, o := range g.Outputs {
		if !defined[o.Name] {
			reads = append(reads, o.Name)
		}
	}
	return reads
}

// planNode builds one node; when all its inputs are known (and it has any,
// or is a constant-producing op), it runs it at once and its outputs become
// known, within the fold budget (fold_work.go); otherwise its kernel joins
// the steps.
func (p *planner) planNode(n *Node) error {
	table := ops
	switch d := canonicalDomain(n.Domain); {
	case d == msDomain && p.msOpset >= 1:
		table = msOps
	case d != "":
		return fmt.Errorf("%w: operator %s of domain %q", ErrUnsupported, n.OpType, n.Domain)
	}
	op, ok := table[n.OpType]
	if build, internal := fusedOps[n.OpType]; n.fusedFrom != nil && internal {
		op, ok = opEntry{build: build}, true
	}
	if !ok {
		return fmt.Errorf("%w: operator %s of domain %q (opset %d)", ErrUnsupported, n.OpType, n.Domain, p.opset)
	}
	if p.opset < op.since && n.fusedFrom == nil {
		return fmt.Errorf("%w: operator %s does not exist in opset %d", ErrUnsupported, n.OpType, p.opset)
	}
	c := &nodeCtx{node: n, p: p, opset: p.opset}
	allKnown := true
	for _, name := range n.Inputs {
		if name == "" {
			c.in = append(c.in, nil)
			continue
		}
		v := p.lookup(name)
		if v == nil {
			return fmt.Errorf("%w: input %q is not defined", ErrFormat, name)
		}
		if v.seq != nil && !op.seqs {
			return fmt.Errorf("%w: %s: input %q is a sequence, not a tensor", ErrUnsupported, n.OpType, name)
		}
		if v.opt != nil && !op.opts {
			return fmt.Errorf("%w: %s: input %q is an optional, which %s does not take", ErrShape, n.OpType, name, n.OpType)
		}
		c.in = append(c.in, v)
		allKnown = allKnown && v.known
	}
	c.out = make([]*value, len(n.Outputs))
	var run func() error
	var err error
	if halfInputs(c, op.seqs) {
		run, err = buildHalf(c, op.build)
	} else {
		run, err = op.build(c)
	}
	if c.err != nil {
		return c.err
	}
	if err != nil {
		return err
	}
	for i, o := range c.out {
		if o == nil && n.Outputs[i] != "" {
			return fmt.Errorf("%w: operator %s does not produce output %d", ErrUnsupported, n.OpType, i)
		}
	}
	known := allKnown && !c.dynamic
	if run != nil {
		w := nodeWork(c)
		if known && !p.loops.fold(w) {
			known = false // too much work to fold: run at Run
		}
		if !known {
			p.loops.planned = satAdd(p.loops.planned, w)
		}
	}
	if known && run != nil {
		if err := run(); err != nil {
			return err
		}
	}
	for i, o := range c.out {
		if n.Outputs[i] == "" {
			continue
		}
		if o.t != nil {
			o.t.Name = n.Outputs[i]
		}
		o.known = o.known || known
		if err := p.define(n.Outputs[i], o); err != nil {
			return err
		}
	}
	if !known && run != nil {
		p.steps = append(p.steps, step{node: n, run: run})
	}
	return nil
}

func sortStrings(s []string) { sort.Strings(s) }
