package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Loop runs its body while the iteration count is below the trip count M
// (absent: no bound) and the condition holds (absent: true). Its carried
// values are planned in one of two ways:
//
//   - Steady (the usual case): the body is planned once, for the shapes
//     of the carried values' initial values; every carried output must
//     keep its input's type and shape (a sequence its length and elements'
//     shapes, an optional its element's). An iteration may empty an
//     optional, or fill one carried in empty: the body is then planned a
//     second time, with buffers for that element, a plan that counts as
//     an unrolled iteration (below). Run copies the initial values into
//     the body's inputs, runs the body's steps once per iteration and
//     copies the carried outputs back (carry), without allocating.
//   - Unrolled: when a carried value changes shape or length from one
//     iteration to the next (a list built by SequenceInsert, a tensor
//     grown by Concat), or the body needs the iteration number while
//     planning (SequenceAt over elements of different shapes), the trip
//     count must be known while planning (ErrValueDependent otherwise, so
//     that Options.Fixed can give it), and the body is planned once per
//     iteration, each iteration reading the previous one's outputs
//     without copies. The plan may unroll at most 4096 iterations in all
//     (Options.MaxIterations lowers it) and plan at most 1<<17 body nodes
//     so (each iteration counts its body's nodes, those of subgraphs
//     included), and the element budget bounds their buffers and the
//     carried values each keeps; the buffers of the first, failed,
//     single plan are given back to the budget. Run allocates nothing in
//     either way.
//
// Scan outputs (the body's outputs past the carried ones, stacked along a
// new first axis; those the node does not name are not computed) are
// tensors (ErrShape otherwise) and need the trip count known while
// planning: they are planned with M rows (none when the initial condition
// is known false), an upper bound that the element budget bounds in
// turn. A loop that ends early, its condition false before M iterations,
// then fails at run (ErrInput), since its outputs would not have their
// planned shape; so does an unrolled loop that ends early with carried
// values whose shape differs from the planned final one.
//
// Against hostile files: one run of a Loop takes at most
// Options.MaxIterations iterations (default 1<<20) and otherwise fails
// with ErrLimit, so that a huge M with a condition that never turns false
// ends; a negative M runs no iteration. A Loop whose inputs and outer
// values are known while planning is run then (folded), under the same
// bound, within the fold budget (fold_work.go), where a Loop counts its
// iterations times the larger of its body's work and the elements its
// plan allocates; a loop beyond that runs at Run.

func init() {
	registerOpt("Loop", 1, buildLoop)
}

const (
	defaultMaxIterations = 1 << 20
	maxUnrolled          = 4096
	// maxUnrolledNodes bounds the body nodes a plan's unrolled
	// iterations plan in all: each costs a plan of its own (about a
	// kilobyte for a node that computes one element), which the element
	// budget does not see.
	maxUnrolledNodes = 1 << 17
)

// loopLimits are the plan's loop bounds (Options.MaxIterations).
type loopLimits struct {
	maxIters int64 // the iterations one run of a Loop may take
	unroll   int   // the loop iterations the plan may still unroll
	nodes    int   // the body nodes unrolled iterations may still plan
	foldWork int64 // the work nodes run while planning may still do (fold_work.go)
	planned  int64 // the work of the steps planned so far, run at Run (nodeWork)
}

// loopNode is what a Loop's builder reads of its node.
type loopNode struct {
	g          *Graph
	n, k       int     // carried values, scan outputs
	m, cond    *Tensor // the trip count and the condition, nil when absent
	trip       int64   // M when known while planning (math.MaxInt64 when absent)
	tripKnown  bool
	condKnown  bool
	maxIters   int64
	initValues []*value
}

func buildLoop(c *nodeCtx) (func() error, error) {
	ln, err := readLoop(c)
	if err != nil {
		return nil, err
	}
	c.dynamic = !outerKnown(c.p, ln.g)
	budget, planned := *c.p.budget, c.p.loops.planned
	run, changes, steadyErr := planSteadyLoop(c, ln)
	if steadyErr == nil {
		c.work = c.p.loops.loopWork(ln.foldIters(), planned, budget-*c.p.budget)
		return run, nil
	}
	c.p.loops.planned = planned
	*c.p.budget = budget // the failed plan's buffers are garbage
	for i := range c.out {
		c.out[i] = nil
	}
	// Unroll when that may plan what planning once could not: carried
	// values that change shape, or a body that needs the iteration number
	// (or values carried from a known start) while planning.
	if !ln.tripKnown || ln.m == nil || !changes && !errors.Is(steadyErr, ErrValueDependent) {
		if changes && ln.m != nil && !ln.tripKnown {
			return nil, c.valueDependent(0, "the trip count, as a carried value changes shape from one iteration to the next: "+steadyErr.Error())
		}
		return nil, steadyErr
	}
	return planUnrolledLoop(c, ln)
}

// readLoop checks a Loop node's inputs, outputs and body.
func readLoop(c *nodeCtx) (*loopNode, error) {
	a, err := c.attr("body", AttrGraph)
	if err != nil {
		return nil, err
	}
	if a == nil || a.G == nil {
		return nil, c.shapeErr("attribute body is required")
	}
	if c.p.depth >= maxDepth {
		return nil, fmt.Errorf("%w: subgraphs nested deeper than %d", ErrLimit, maxDepth)
	}
	ln := &loopNode{g: a.G, n: c.nIn() - 2, trip: math.MaxInt64, tripKnown: true, condKnown: true, maxIters: c.p.loops.maxIters}
	if ln.n < 0 {
		return nil, c.shapeErr("Loop has %d inputs, want the trip count and the condition (either may be \"\") and the carried values", c.nIn())
	}
	if len(ln.g.Inputs) != ln.n+2 {
		return nil, c.shapeErr("body has %d inputs, want %d (the iteration number, the condition and %d carried values)", len(ln.g.Inputs), ln.n+2, ln.n)
	}
	ln.k = len(ln.g.Outputs) - 1 - ln.n
	if ln.k < 0 {
		return nil, c.shapeErr("body has %d outputs, want at least %d (the condition and %d carried values)", len(ln.g.Outputs), ln.n+1, ln.n)
	}
	if len(c.node.Outputs) > ln.n+ln.k {
		return nil, c.shapeErr("node has %d outputs, the body gives %d carried values and %d scan outputs", len(c.node.Outputs), ln.n, ln.k)
	}
	for i, what := range []string{"trip count", "condition"} {
		if c.input(i) == nil {
			if i < len(c.in) && c.in[i] != nil {
				return nil, c.shapeErr("the %s is %s, want a tensor", what, shapeString(c.in[i]))
			}
			continue
		}
		t, err := c.tensorInput(i)
		if err != nil {
			return nil, err
		}
		want := Int64
		if i == 1 {
			want = Bool
		}
		if t.DType != want || t.Len() != 1 {
			return nil, c.shapeErr("the %s is %v %v, want one %v", what, t.DType, t.Dims, want)
		}
		if i == 0 {
			ln.m, ln.tripKnown = t, c.known(0)
			if ln.tripKnown {
				ln.trip = max(t.Int[0], 0)
			}
		} else {
			ln.cond, ln.condKnown = t, c.known(1)
		}
	}
	for i := range ln.n {
		v := c.in[2+i]
		if v == nil {
			return nil, c.shapeErr("carried value %d is required", i)
		}
		if v.opt == nil && ln.g.Inputs[2+i].Type.Kind == KindOptional {
			// a tensor or a sequence carried into an optional holds it,
			// from the start (so that a body planned once carries the
			// optional's buffers)
			o, err := c.p.present(v)
			if err != nil {
				return nil, err
			}
			v = o
		}
		ln.initValues = append(ln.initValues, v)
	}
	return ln, nil
}

// loopWork estimates the work of one run of a Loop or Scan of at most
// iters iterations whose body planned its steps since the plan's
// planned work was before and allocated elems elements: iterations times
// the larger of the steps' work and the elements, taking the steps' work
// back out of the plan's planned work (the loop's own estimate counts it).
func (l *loopLimits) loopWork(iters, before int64, elems int) int64 {
	body := l.planned - before
	l.planned = before
	return max(satMul(iters, max(body, int64(elems))), 1)
}

// foldIters bounds the iterations of a steady Loop: its trip count when
// known, at most Options.MaxIterations.
func (ln *loopNode) foldIters() int64 {
	switch {
	case ln.cond != nil && ln.condKnown && ln.cond.Int[0] == 0:
		return 0
	case ln.m != nil && ln.tripKnown:
		return min(ln.trip, ln.maxIters)
	}
	return ln.maxIters
}

// scanRows returns the rows a Loop's scan outputs are planned for.
func (ln *loopNode) scanRows(c *nodeCtx) (int64, error) {
	if !ln.wantsScan(c) {
		return 0, nil
	}
	if ln.m == nil {
		return 0, c.unsupported("scan outputs of a Loop without a trip count")
	}
	if !ln.tripKnown {
		return 0, c.valueDependent(0, "the trip count, which sizes the scan outputs")
	}
	if ln.cond != nil && ln.condKnown && ln.cond.Int[0] == 0 {
		return 0, nil // no iteration
	}
	return ln.trip, nil
}

// wantsScan reports whether the node names any of its scan outputs (the
// body may compute scan outputs that nothing reads).
func (ln *loopNode) wantsScan(c *nodeCtx) bool {
	for j := range ln.k {
		if c.wants(ln.n + j) {
			return true
		}
	}
	return false
}

// loopOutputs declares the Loop's outputs: buffers like the final carried
// values, and the scan outputs of rows rows of the body's scan outputs'
// shapes (nil for a scan output the node does not name: not computed).
func loopOutputs(c *nodeCtx, ln *loopNode, final []*value, scans []*value, rows int64) (outs []*value, err error) {
	for i, v := range final {
		o, err := c.p.freshLike(v)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o)
		if i < len(c.out) {
			c.out[i] = o
		}
	}
	for j, v := range scans {
		if !c.wants(ln.n + j) {
			outs = append(outs, nil)
			continue
		}
		if v.t == nil {
			return nil, c.unsupported("scan output %d is %s, not a tensor", j, shapeString(v))
		}
		dims := append([]int{int(rows)}, v.t.Dims...)
		t, err := c.p.alloc(v.t.DType, dims)
		if err != nil {
			return nil, err
		}
		o := &value{t: t}
		outs = append(outs, o)
		if ln.n+j < len(c.out) {
			c.out[ln.n+j] = o
		}
	}
	return outs, nil
}

// checkCond checks a body's condition output.
func checkCond(c *nodeCtx, v *value) error {
	if v.t == nil || v.t.DType != Bool || v.t.Len() != 1 {
		return c.shapeErr("the body's condition output is %s, want one BOOL", shapeString(v))
	}
	return nil
}

// planSteadyLoop plans the body once for the initial values' shapes.
// changes reports that it failed because a carried value changes shape.
func planSteadyLoop(c *nodeCtx, ln *loopNode) (run func() error, changes bool, err error) {
	run, err = planSteadyBody(c, ln)
	var sc *shapeChangeError
	return run, errors.As(err, &sc), err
}

// shapeChangeError is the refusal of a Loop whose carried value changes
// shape, when it cannot be unrolled.
type shapeChangeError struct{ err error }

func (e *shapeChangeError) Error() string { return e.err.Error() }
func (e *shapeChangeError) Unwrap() error { return e.err }

func planSteadyBody(c *nodeCtx, ln *loopNode) (func() error, error) {
	var elems []*value // per carried value, the element an optional carried in empty is planned with (nil: none)
	budget, planned := *c.p.budget, c.p.loops.planned
	var p *planner
	var iter, condIn *Tensor
	var ins []*value
	var b *body
	for {
		var err error
		p = c.p.child()
		if iter, err = p.alloc(Int64, nil); err != nil {
			return nil, err
		}
		if condIn, err = p.alloc(Bool, nil); err != nil {
			return nil, err
		}
		ins = []*value{{t: iter}, {t: condIn}}
		for i, v := range ln.initValues {
			if elems != nil && elems[i] != nil {
				v = &value{opt: &optional{elem: elems[i], seqElem: v.opt.seqElem, dtype: v.opt.dtype}}
			}
			f, err := p.freshLike(v)
			if err != nil {
				return nil, err
			}
			ins = append(ins, f)
		}
		if b, err = planBody(p, ln.g, ins); err != nil {
			return nil, err
		}
		if err := checkCond(c, b.outs[0]); err != nil {
			return nil, err
		}
		for j, v := range b.outs[1+ln.n:] {
			if v.t == nil {
				return nil, c.shapeErr("scan output %d is %s; a Loop's scan outputs are tensors", j, shapeString(v))
			}
		}
		if elems != nil {
			break
		}
		// An optional carried in empty, its element unplanned, that an
		// iteration fills: plan the body again, the optional given
		// buffers like that element. Each second plan counts as an
		// unrolled iteration of its body's nodes (so that nested Loops
		// do not plan their bodies 2^depth times); the first plan's
		// buffers are given back to the budget.
		for i := range ln.n {
			in, out := ins[2+i].opt, b.outs[1+i].opt
			if in != nil && out != nil && in.elem == nil && out.elem != nil && in.sameType(out) {
				if elems == nil {
					elems = make([]*value, ln.n)
				}
				elems[i] = out.elem
			}
		}
		if elems == nil {
			break
		}
		bodyNodes := graphNodes(ln.g)
		if c.p.loops.unroll <= 0 || c.p.loops.nodes < bodyNodes {
			return nil, fmt.Errorf("%w: Loop planned twice, for the element of an optional it carries in empty: more loop iterations or body nodes than a plan may unroll (%d iterations, %d body nodes in all)", ErrLimit, min(maxUnrolled, ln.maxIters), maxUnrolledNodes)
		}
		c.p.loops.unroll--
		c.p.loops.nodes -= bodyNodes
		*c.p.budget, c.p.loops.planned = budget, planned
	}
	rows, err := ln.scanRows(c)
	if err != nil {
		return nil, err
	}
	neverRuns := false
	for i := range ln.n {
		in, out := ins[2+i], b.outs[1+i]
		if sameShape(in, out) || in.opt != nil && out.opt != nil && out.opt.elem == nil && in.opt.sameType(out.opt) {
			continue // (an optional without element holds none)
		}
		neverRuns = true // allowed only when the loop runs no iteration
		if ln.trip > 0 {
			return nil, &shapeChangeError{c.unsupported("carried value %d (%q) is %s on entry and %s after an iteration, and the trip count is not known while planning (a Loop whose carried values change shape is planned one iteration at a time, for a known trip count)",
				i, ln.g.Inputs[2+i].Name, shapeString(in), shapeString(out))}
		}
	}
	outs, err := loopOutputs(c, ln, ins[2:], b.outs[1+ln.n:], rows)
	if err != nil {
		return nil, err
	}
	dst, src := carriedPairs(ins[2:], ln.initValues)
	enter, err := newCarry(c.p, dst, src)
	if err != nil {
		return nil, err
	}
	var back *carry // nil when the trip count, known to be 0, leaves the carried outputs' shapes unchecked
	if !neverRuns {
		dst, src := carriedPairs(ins[2:], b.outs[1:1+ln.n])
		if back, err = newCarry(c.p, dst, src); err != nil {
			return nil, err
		}
	}
	leave, err := newCarry(c.p, valuesTensors(outs[:ln.n]), valuesTensors(ins[2:]))
	if err != nil {
		return nil, err
	}
	condOut := b.outs[0].t
	scanOuts := b.outs[1+ln.n:]
	scans := outs[ln.n:]
	m, cond, maxIters := ln.m, ln.cond, ln.maxIters
	return func() error {
		trip := int64(math.MaxInt64)
		if m != nil {
			trip = m.Int[0]
		}
		more := cond == nil || cond.Int[0] != 0
		enter.run()
		var i int64
		for ; i < trip && more; i++ {
			if back == nil {
				return fmt.Errorf("%w: Loop planned for no iteration runs one", ErrInput)
			}
			if i >= maxIters {
				return fmt.Errorf("%w: Loop still running after %d iterations (Options.MaxIterations)", ErrLimit, maxIters)
			}
			iter.Int[0] = i
			condIn.Int[0] = 1
			if err := runSteps(b.steps); err != nil {
				return err
			}
			more = condOut.Int[0] != 0
			for j, s := range scanOuts {
				if scans[j] != nil {
					n := s.t.Len()
					blockCopy(scans[j].t, s.t, 1, n, n, 0, n, int(i)*n)
				}
			}
			back.run()
		}
		if i < rows {
			return fmt.Errorf("%w: Loop ended after %d iterations; its scan outputs were planned for the trip count, %d", ErrInput, i, rows)
		}
		leave.run()
		return nil
	}, nil
}

// carriedPairs lists the buffers a carry copies from the values src to
// dst, pairwise of one kind and shape: all of theirs, but only the
// presence flag of an optional src without element (which holds none)
// into an optional dst with one.
func carriedPairs(dst, src []*value) (d, s []*Tensor) {
	for i, v := range src {
		if v.opt != nil && v.opt.elem == nil {
			d, s = append(d, dst[i].opt.has), append(s, v.opt.has)
			continue
		}
		d, s = append(d, dst[i].tensors()...), append(s, v.tensors()...)
	}
	return d, s
}

// unrolledIter is one planned iteration of an unrolled Loop.
type unrolledIter struct {
	cond   *Tensor   // the condition checked before it (nil: known true)
	steps  []step    // its body's steps
	state  []*Tensor // the carried values it starts from
	exitOK bool      // the loop may end before it: state has the final shapes, and there are no scan outputs
}

// planUnrolledLoop plans the body once per iteration of the known trip
// count.
func planUnrolledLoop(c *nodeCtx, ln *loopNode) (func() error, error) {
	vals := ln.initValues
	var condV *value
	if ln.cond != nil {
		condV = c.in[1]
	}
	wantScan := ln.wantsScan(c)
	bodyNodes := graphNodes(ln.g)
	var iters []unrolledIter
	var scans [][]*value
	for i := int64(0); i < ln.trip; i++ {
		if condV != nil && condV.known && condV.t.Int[0] == 0 {
			break // known to end here
		}
		if c.p.loops.unroll <= 0 {
			return nil, fmt.Errorf("%w: Loop of %d iterations planned one by one: more loop iterations than a plan may unroll (%d, Options.MaxIterations)", ErrLimit, ln.trip, min(maxUnrolled, ln.maxIters))
		}
		if c.p.loops.nodes < bodyNodes {
			return nil, fmt.Errorf("%w: Loop of %d iterations planned one by one, its body of %d nodes: more body nodes than a plan may unroll (%d in all)", ErrLimit, ln.trip, bodyNodes, maxUnrolledNodes)
		}
		c.p.loops.unroll--
		c.p.loops.nodes -= bodyNodes
		it := unrolledIter{state: valuesTensors(vals)}
		if err := c.p.chargeSlots(len(it.state), fmt.Sprintf("iteration %d's carried values", i)); err != nil {
			return nil, err
		}
		if condV != nil && !condV.known {
			it.cond = condV.t
		}
		p := c.p.child()
		iterV := &value{t: &Tensor{DType: Int64, Dims: []int{}, Int: []int64{i}}, known: true}
		cv := condV
		if cv == nil {
			cv = &value{t: &Tensor{DType: Bool, Dims: []int{}, Int: []int64{1}}, known: true}
		}
		b, err := planBody(p, ln.g, append([]*value{iterV, cv}, vals...))
		if err != nil {
			return nil, fmt.Errorf("iteration %d: %w", i, err)
		}
		if err := checkCond(c, b.outs[0]); err != nil {
			return nil, err
		}
		it.steps = b.steps
		iters = append(iters, it)
		condV, vals = b.outs[0], b.outs[1:1+ln.n]
		if len(scans) > 0 && wantScan {
			for j, s := range b.outs[1+ln.n:] {
				if f := scans[0][j]; !sameShape(f, s) {
					return nil, c.unsupported("scan output %d is %s in iteration 0 and %s in iteration %d", j, shapeString(f), shapeString(s), i)
				}
			}
		}
		scans = append(scans, b.outs[1+ln.n:])
	}
	if wantScan && int64(len(iters)) < ln.trip {
		return nil, c.unsupported("scan outputs of a Loop whose condition ends it after %d of its %d iterations", len(iters), ln.trip)
	}
	var scanShapes []*value
	if len(scans) > 0 {
		scanShapes = scans[0]
	} else if wantScan {
		return nil, c.unsupported("scan outputs of a Loop of no iteration whose carried values change shape")
	}
	outs, err := loopOutputs(c, ln, vals, scanShapes, int64(len(iters)))
	if err != nil {
		return nil, err
	}
	finals := valuesTensors(outs[:ln.n])
	for k := range iters {
		iters[k].exitOK = !wantScan && sameShapes(iters[k].state, finals)
	}
	last := valuesTensors(vals)
	scanOuts := outs[ln.n:]
	return func() error {
		for i := range iters {
			it := &iters[i]
			if it.cond != nil && it.cond.Int[0] == 0 {
				if !it.exitOK {
					return fmt.Errorf("%w: Loop ended after %d of the %d iterations it was planned for, with carried values of another shape than planned or scan outputs", ErrInput, i, len(iters))
				}
				for j, t := range it.state {
					copyTensor(finals[j], t)
				}
				return nil
			}
			if err := runSteps(it.steps); err != nil {
				return err
			}
			for j, s := range scans[i] {
				if scanOuts[j] != nil {
					n := s.t.Len()
					blockCopy(scanOuts[j].t, s.t, 1, n, n, 0, n, i*n)
				}
			}
		}
		for j, t := range last {
			copyTensor(finals[j], t)
		}
		return nil
	}, nil
}

// graphNodes counts g's nodes and those of its subgraphs.
func graphNodes(g *Graph) int {
	n := len(g.Nodes)
	for _, nd := range g.Nodes {
		for _, a := range nd.Attributes {
			if a.G != nil {
				n += graphNodes(a.G)
			}
			for _, sg := range a.Graphs {
				n += graphNodes(sg)
			}
		}
	}
	return n
}

// sameShapes reports whether two lists of tensors have the same types and
// shapes, pairwise.
func sameShapes(a, b []*Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i, t := range a {
		if t.DType != b[i].DType || !equalDims(t.Dims, b[i].Dims) {
			return false
		}
	}
	return true
}
