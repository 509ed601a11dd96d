package onnx

import "math"

// ScatterND, ScatterElements and its former name Scatter: the output is a
// copy of the data with the updates written at the places the indices
// address, or combined with what is there by the attribute reduction
// (none, add, mul, max, min; BOOL combines add and max as or, mul and min
// as and; the integer types wrap to their width). With reduction none,
// an index given twice keeps the last update. Indices may be known while
// planning or given at run time; they are checked at run time either way,
// and one out of range is an error wrapping ErrInput (a negative index
// counts from the end of its dimension).

func init() {
	register("ScatterND", 11, buildScatterND)
	register("ScatterElements", 11, buildScatterElements)
	register("Scatter", 9, buildScatter)
}

// scatterReduction is how an update combines with the element it lands on.
type scatterReduction int

const (
	scatterNone scatterReduction = iota
	scatterAdd
	scatterMul
	scatterMax
	scatterMin
)

// scatterPlan is what the scatter operators share: data x, updates u of
// x's type, the output y and how updates combine.
type scatterPlan struct {
	x, u, y *Tensor
	red     scatterReduction
	lo, hi  int64 // the integer type's range (BOOL: 0, 1)
}

// planScatter reads data (input 0), updates (input 2) and the attribute
// reduction, and declares the output.
func planScatter(c *nodeCtx) (*scatterPlan, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	u, err := c.need(2)
	if err != nil {
		return nil, err
	}
	if u.DType != x.DType {
		return nil, c.shapeErr("updates of type %v for data of type %v", u.DType, x.DType)
	}
	p := &scatterPlan{x: x, u: u}
	switch r := c.attrString("reduction", "none"); r {
	case "none":
	case "add":
		p.red = scatterAdd
	case "mul":
		p.red = scatterMul
	case "max":
		p.red = scatterMax
	case "min":
		p.red = scatterMin
	default:
		return nil, c.unsupported("reduction %q", r)
	}
	p.lo, p.hi = intRange(x.DType)
	if p.y, err = c.output(0, x.DType, x.Dims); err != nil {
		return nil, err
	}
	return p, nil
}

// put combines n updates from u[from] on into y from y[at] on.
func (p *scatterPlan) put(at, from, n int) {
	if p.y.DType.storage() == storeFloat {
		d, s := p.y.Float[at:at+n], p.u.Float[from:from+n]
		for i, v := range s {
			d[i] = combineFloat(p.red, d[i], v)
		}
		return
	}
	d, s := p.y.Int[at:at+n], p.u.Int[from:from+n]
	for i, v := range s {
		d[i] = combineInt(p.red, d[i], v, p.lo, p.hi)
	}
}

// combineFloat is old combined with update v; max and min propagate NaN.
func combineFloat(red scatterReduction, old, v float32) float32 {
	switch red {
	case scatterAdd:
		return old + v
	case scatterMul:
		return old * v
	case scatterMax:
		if v > old || v != v {
			return v
		}
		return old
	case scatterMin:
		if v < old || v != v {
			return v
		}
		return old
	}
	return v
}

// combineInt is old combined with update v in an integer type of range
// [lo, hi]: sums and products wrap, except for BOOL ([0, 1]), where they
// are or and and.
func combineInt(red scatterReduction, old, v, lo, hi int64) int64 {
	var r int64
	switch red {
	case scatterAdd:
		r = old + v
	case scatterMul:
		r = old * v
	case scatterMax:
		return max(old, v)
	case scatterMin:
		return min(old, v)
	default:
		return v
	}
	if lo == 0 && hi == 1 {
		return min(r, 1)
	}
	if lo == math.MinInt64 {
		return r // INT64: Go's int64 arithmetic wraps
	}
	return wrap(r, lo, hi)
}

// buildScatterND: the last axis of indices (length k) holds index tuples
// into the data's first k axes; updates has the shape
// indices.shape[:−1] + data.shape[k:], one slice per tuple.
func buildScatterND(c *nodeCtx) (func() error, error) {
	p, err := planScatter(c)
	if err != nil {
		return nil, err
	}
	ind, err := needIndices(c, 1)
	if err != nil {
		return nil, err
	}
	x := p.x
	r, q := len(x.Dims), len(ind.Dims)
	if r < 1 || q < 1 {
		return nil, c.shapeErr("ScatterND into data %v by indices %v: both need rank 1 or more", x.Dims, ind.Dims)
	}
	k := ind.Dims[q-1]
	if k > r {
		return nil, c.shapeErr("index tuples of length %d into data %v", k, x.Dims)
	}
	want := append(append([]int(nil), ind.Dims[:q-1]...), x.Dims[k:]...)
	if !equalDims(p.u.Dims, want) {
		return nil, c.shapeErr("updates of shape %v, want %v for data %v and indices %v", p.u.Dims, want, x.Dims, ind.Dims)
	}
	tuples := numElements(ind.Dims[:q-1])
	inner := numElements(x.Dims[k:])
	st := strides(x.Dims)[:k]
	axes := x.Dims[:k]
	return func() error {
		copyTensor(p.y, x)
		for t := range tuples {
			off := 0
			for a, v := range ind.Int[t*k : t*k+k] {
				i, err := runIndex(v, axes[a])
				if err != nil {
					return err
				}
				off += i * st[a]
			}
			p.put(off, t*inner, inner)
		}
		return nil
	}, nil
}

// buildScatterElements: indices and updates have one shape, of the data's
// rank and no larger than the data on every axis but axis; the update at
// each position of indices goes to the data's element at the same
// coordinates except on axis, where the index's value is the coordinate.
func buildScatterElements(c *nodeCtx) (func() error, error) {
	p, err := planScatter(c)
	if err != nil {
		return nil, err
	}
	x := p.x
	axis, err := c.axis(c.attrInt("axis", 0), len(x.Dims))
	if err != nil {
		return nil, err
	}
	ind, err := needIndices(c, 1)
	if err != nil {
		return nil, err
	}
	if !equalDims(p.u.Dims, ind.Dims) {
		return nil, c.shapeErr("updates of shape %v for indices of shape %v", p.u.Dims, ind.Dims)
	}
	base, err := elementBase(c, x, ind, axis)
	if err != nil {
		return nil, err
	}
	d, step := x.Dims[axis], strides(x.Dims)[axis]
	return func() error {
		copyTensor(p.y, x)
		for i, k := range ind.Int {
			j, err := runIndex(k, d)
			if err != nil {
				return err
			}
			p.put(int(base[i])+j*step, i, 1)
		}
		return nil
	}, nil
}

// buildScatter is ScatterElements under its name of opsets 9 and 10 (no
// reduction); opset 11 removed it.
func buildScatter(c *nodeCtx) (func() error, error) {
	if c.opset >= 11 {
		return nil, c.unsupported("Scatter does not exist since opset 11 (ScatterElements replaces it)")
	}
	if c.node.Attr("reduction") != nil {
		return nil, c.unsupported("attribute reduction (Scatter has none)")
	}
	return buildScatterElements(c)
}
