package onnx

import "fmt"

// Scan runs its body once per slice of its scan inputs along their scan
// axes, carrying its state values from one iteration to the next and
// stacking its scan outputs: the trip count is the scan inputs' length
// along their axes, known while planning, so the body is planned once and
// every state output must keep its input's type and shape. Opset 9 and
// later: scan_input_axes, scan_input_directions, scan_output_axes and
// scan_output_directions. Opset 8: a batch axis first on every state and
// scan input and output, the scan axis second, directions for the scan
// inputs, and sequence_lens (the iterations of each batch entry, the
// scan outputs' remaining rows zero). A Scan whose inputs are all known
// while planning runs then, within the fold budget (fold_work.go; its
// rows times its body's work), else at Run.

func init() {
	register("Scan", 8, buildScan)
}

// scanPart is one scan input or output: where its slices lie in the
// stacked tensor.
type scanPart struct {
	full, slice  *Tensor
	outer, inner int // the stacked tensor as [outer, T, inner] (per batch entry in opset 8)
	reverse      bool
}

func buildScan(c *nodeCtx) (func() error, error) {
	a, err := c.attr("body", AttrGraph)
	if err != nil {
		return nil, err
	}
	if a == nil || a.G == nil {
		return nil, c.shapeErr("attribute body is required")
	}
	g := a.G
	v8 := c.opset < 9
	first := 0
	if v8 {
		first = 1 // sequence_lens
	}
	k := int(c.attrInt("num_scan_inputs", 0))
	nIn := c.nIn() - first
	if k < 1 || k > nIn {
		return nil, c.shapeErr("num_scan_inputs is %d for %d inputs", k, nIn)
	}
	n := nIn - k
	if len(g.Inputs) != nIn {
		return nil, c.shapeErr("body has %d inputs, want %d (%d states and %d scan inputs)", len(g.Inputs), nIn, n, k)
	}
	m := len(g.Outputs) - n
	if m < 0 {
		return nil, c.shapeErr("body has %d outputs, fewer than its %d states", len(g.Outputs), n)
	}
	if len(c.node.Outputs) > n+m {
		return nil, c.shapeErr("node has %d outputs, the body gives %d states and %d scan outputs", len(c.node.Outputs), n, m)
	}
	if c.p.depth >= maxDepth {
		return nil, fmt.Errorf("%w: subgraphs nested deeper than %d", ErrLimit, maxDepth)
	}
	c.dynamic = !outerKnown(c.p, g)
	inDirs, err := scanFlags(c, "scan_input_directions", k)
	if err != nil {
		return nil, err
	}
	if v8 {
		if inDirs, err = scanFlags(c, "directions", k); err != nil {
			return nil, err
		}
	}
	outDirs, err := scanFlags(c, "scan_output_directions", m)
	if err != nil {
		return nil, err
	}
	inAxes, err := scanAxes(c, "scan_input_axes", k)
	if err != nil {
		return nil, err
	}
	outAxes, err := scanAxes(c, "scan_output_axes", m)
	if err != nil {
		return nil, err
	}
	ins := make([]*Tensor, nIn)
	for i := range ins {
		if ins[i], err = c.need(first + i); err != nil {
			return nil, err
		}
	}
	batch := 1
	if v8 {
		if len(ins[0].Dims) == 0 {
			return nil, c.shapeErr("input 1 has no batch axis")
		}
		batch = ins[0].Dims[0]
		for i, t := range ins {
			if len(t.Dims) < 1+btoi(i >= n) || t.Dims[0] != batch {
				return nil, c.shapeErr("input %d has shape %v, want a batch of %d first (and the scan axis second)", first+i, t.Dims, batch)
			}
		}
	}
	// The body's inputs: states without the batch axis, scan slices
	// without the scan axis.
	budget, planned := *c.p.budget, c.p.loops.planned
	p := c.p.child()
	bodyIns := make([]*value, nIn)
	trip := -1
	parts := make([]scanPart, k)
	for i, t := range ins {
		dims := t.Dims
		if v8 {
			dims = dims[1:]
		}
		if i >= n {
			j := i - n
			ax := 0
			if !v8 {
				if ax, err = c.axis(inAxes[j], len(dims)); err != nil {
					return nil, err
				}
			}
			if trip >= 0 && dims[ax] != trip {
				return nil, c.shapeErr("scan input %d has %d slices along axis %d, scan input 0 %d", j, dims[ax], ax, trip)
			}
			trip = dims[ax]
			parts[j] = scanPart{full: t, outer: numElements(dims[:ax]), inner: numElements(dims[ax+1:]), reverse: inDirs[j] != 0}
			dims = append(append([]int(nil), dims[:ax]...), dims[ax+1:]...)
		}
		bt, err := p.alloc(t.DType, dims)
		if err != nil {
			return nil, err
		}
		bodyIns[i] = &value{t: bt}
		if i >= n {
			parts[i-n].slice = bt
		}
	}
	if int64(trip)*int64(batch) > c.p.loops.maxIters {
		return nil, fmt.Errorf("%w: Scan of %d iterations (Options.MaxIterations is %d)", ErrLimit, int64(trip)*int64(batch), c.p.loops.maxIters)
	}
	b, err := planBody(p, g, bodyIns)
	if err != nil {
		return nil, err
	}
	for i := range n {
		if !sameShape(bodyIns[i], b.outs[i]) {
			return nil, c.unsupported("state %d is %s on entry and %s after an iteration", i, shapeString(bodyIns[i]), shapeString(b.outs[i]))
		}
	}
	// The node's outputs: the final states, and the stacked scan outputs.
	states := make([]*Tensor, n)
	for i := range n {
		if states[i], err = c.output(i, ins[i].DType, ins[i].Dims); err != nil {
			return nil, err
		}
	}
	outs := make([]scanPart, m)
	for j, v := range b.outs[n:] {
		if v.t == nil {
			return nil, c.unsupported("scan output %d is %s, not a tensor", j, shapeString(v))
		}
		s := v.t
		ax := 0
		if !v8 {
			if ax, err = c.axis(outAxes[j], len(s.Dims)+1); err != nil {
				return nil, err
			}
		}
		dims := append(append(append([]int(nil), s.Dims[:ax]...), trip), s.Dims[ax:]...)
		if v8 {
			dims = append([]int{batch}, dims...)
		}
		full, err := c.output(n+j, s.DType, dims)
		if err != nil {
			return nil, err
		}
		outs[j] = scanPart{full: full, slice: s, outer: numElements(s.Dims[:ax]), inner: numElements(s.Dims[ax:]), reverse: outDirs[j] != 0}
	}
	var lens *Tensor
	if v8 && c.input(0) != nil {
		if lens, err = c.needTyped(0, Int64); err != nil {
			return nil, err
		}
		if lens.Len() != batch {
			return nil, c.shapeErr("sequence_lens has %d values for a batch of %d", lens.Len(), batch)
		}
	}
	bodyState := make([]*Tensor, n)
	for i := range n {
		bodyState[i] = bodyIns[i].t
	}
	back, err := newCarry(c.p, bodyState, valuesTensors(b.outs[:n]))
	if err != nil {
		return nil, err
	}
	c.work = c.p.loops.loopWork(int64(trip)*int64(batch), planned, budget-*c.p.budget)
	return func() error {
		for bi := range batch {
			steps := trip
			if lens != nil {
				l := lens.Int[bi]
				if l < 0 || l > int64(trip) {
					return fmt.Errorf("%w: sequence_lens[%d] is %d, the scan inputs have %d slices", ErrInput, bi, l, trip)
				}
				steps = int(l)
			}
			for i, st := range bodyState {
				nn := st.Len()
				blockCopy(st, ins[i], 1, nn, nn, bi*nn, nn, 0)
			}
			for t := range steps {
				for _, sp := range parts {
					at := t
					if sp.reverse {
						at = steps - 1 - t
					}
					blockCopy(sp.slice, sp.full, sp.outer, sp.inner, trip*sp.inner, bi*sp.outer*trip*sp.inner+at*sp.inner, sp.inner, 0)
				}
				if err := runSteps(b.steps); err != nil {
					return err
				}
				for _, sp := range outs {
					at := t
					if sp.reverse {
						at = steps - 1 - t
					}
					blockCopy(sp.full, sp.slice, sp.outer, sp.inner, sp.inner, 0, trip*sp.inner, bi*sp.outer*trip*sp.inner+at*sp.inner)
				}
				back.run()
			}
			for _, sp := range outs {
				zeroRows(sp.full, bi*trip*sp.inner, steps*sp.inner, trip*sp.inner)
			}
			for i, st := range states {
				nn := bodyState[i].Len()
				blockCopy(st, bodyState[i], 1, nn, nn, 0, nn, bi*nn)
			}
		}
		return nil
	}, nil
}

// zeroRows clears t's values in [base+from, base+to) (the rows of an
// opset-8 scan output past a batch entry's sequence length).
func zeroRows(t *Tensor, base, from, to int) {
	if from >= to {
		return
	}
	clear(t.Float[min(base+from, len(t.Float)):min(base+to, len(t.Float))])
	clear(t.Int[min(base+from, len(t.Int)):min(base+to, len(t.Int))])
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanFlags reads a Scan's direction attribute: k flags, 0 forward or 1
// reverse, all 0 when absent.
func scanFlags(c *nodeCtx, name string, k int) ([]int64, error) {
	v, ok, err := c.attrInts(name)
	if err != nil || !ok {
		return make([]int64, k), err
	}
	if len(v) != k {
		return nil, c.shapeErr("%s has %d values for %d", name, len(v), k)
	}
	for _, f := range v {
		if f != 0 && f != 1 {
			return nil, c.shapeErr("%s holds %d, want 0 (forward) or 1 (reverse)", name, f)
		}
	}
	return v, nil
}

// scanAxes reads a Scan's axes attribute: k axes, all 0 when absent.
func scanAxes(c *nodeCtx, name string, k int) ([]int64, error) {
	v, ok, err := c.attrInts(name)
	if err != nil || !ok {
		return make([]int64, k), err
	}
	if len(v) != k {
		return nil, c.shapeErr("%s has %d values for %d", name, len(v), k)
	}
	return v, nil
}
