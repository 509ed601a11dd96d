package onnx

// TopK (opset 1, 10, 11): the k largest (or, with largest=0, smallest)
// elements of X along axis (default −1) and their int64 indices, sorted
// from the first selected down; equal values come in index order, the
// lower index first. k is an attribute before opset 10 and a one-element
// int64 input known while planning since; a negative k or one above the
// axis' size is refused. sorted=0 leaves the order unspecified: the output
// is sorted all the same. NaN ranks above every number (above +Inf), so
// that it is among the largest and never among the smallest while numbers
// remain, as numpy's sort (which puts NaN last) makes ONNX's reference
// implementation do. float32 and the integer types.

func init() {
	register("TopK", 1, buildTopK)
}

func buildTopK(c *nodeCtx) (func() error, error) {
	x, axis, err := c.inputAxis(-1)
	if err != nil {
		return nil, err
	}
	if err := c.needType(x, append([]DataType{Float}, intTypes...)...); err != nil {
		return nil, err
	}
	var k int64
	if c.opset < 10 {
		if c.node.Attr("k") == nil {
			return nil, c.shapeErr("attribute k is required")
		}
		k = c.attrInt("k", 0)
	} else {
		ks, err := c.knownInts(1, "k")
		if err != nil {
			return nil, err
		}
		if len(ks) != 1 {
			return nil, c.shapeErr("k has %d elements, want 1", len(ks))
		}
		k = ks[0]
	}
	largest := true
	if c.opset >= 11 {
		largest = c.attrInt("largest", 1) != 0
		_ = c.attrInt("sorted", 1) // any order is allowed when 0: sorted
	}
	if c.err != nil {
		return nil, c.err
	}
	n := x.Dims[axis]
	if k < 0 || k > int64(n) {
		return nil, c.shapeErr("k = %d for axis %d of size %d", k, axis, n)
	}
	dims := append([]int(nil), x.Dims...)
	dims[axis] = int(k)
	values, err := c.output(0, x.DType, dims)
	if err != nil {
		return nil, err
	}
	indices, err := c.output(1, Int64, dims)
	if err != nil {
		return nil, err
	}
	heap, err := scratch[int](c, int(k))
	if err != nil {
		return nil, err
	}
	outer, inner := numElements(x.Dims[:axis]), numElements(x.Dims[axis+1:])
	sel := &topK{heap: heap, x: x, stride: inner, largest: largest}
	return func() error {
		for o := range outer {
			for in := range inner {
				base := o*n*inner + in
				sel.base = base
				sel.run(n)
				ob := o*int(k)*inner + in
				for r, i := range heap {
					src, dst := base+i*inner, ob+r*inner
					if x.DType == Float {
						values.Float[dst] = x.Float[src]
					} else {
						values.Int[dst] = x.Int[src]
					}
					indices.Int[dst] = int64(i)
				}
			}
		}
		return nil
	}, nil
}

// floatBefore reports whether element i (value a) ranks before element j
// (value b): the larger first when largest (the smaller otherwise), NaN
// counting as above every number, and the lower index first among equals.
func floatBefore(a, b float32, i, j int, largest bool) bool {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return i < j
	case an:
		return largest
	case bn:
		return !largest
	case a == b:
		return i < j
	case largest:
		return a > b
	}
	return a < b
}

func intBefore(a, b int64, i, j int, largest bool) bool {
	switch {
	case a == b:
		return i < j
	case largest:
		return a > b
	}
	return a < b
}

// topK selects the first len(heap) of the n elements x[base+i·stride] in
// the order of before, leaving their indices i in heap in that order: a
// bounded heap whose root is the last selected so far (n·log k
// comparisons), then sorted in place.
type topK struct {
	heap         []int
	x            *Tensor
	base, stride int
	largest      bool
}

// before reports whether element i ranks before element j: a strict total
// order (floatBefore, intBefore).
func (t *topK) before(i, j int) bool {
	a, b := t.base+i*t.stride, t.base+j*t.stride
	if t.x.DType == Float {
		return floatBefore(t.x.Float[a], t.x.Float[b], i, j, t.largest)
	}
	return intBefore(t.x.Int[a], t.x.Int[b], i, j, t.largest)
}

func (t *topK) run(n int) {
	k := len(t.heap)
	if k == 0 {
		return
	}
	h := t.heap
	for i := range k {
		h[i] = i
		t.up(i)
	}
	for i := k; i < n; i++ {
		if t.before(i, h[0]) {
			h[0] = i
			t.down(0, k)
		}
	}
	// Heap sort: the root (the last in order) goes to the end.
	for end := k - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		t.down(0, end)
	}
}

// after is the heap's order: the root ranks after all others.
func (t *topK) after(a, b int) bool { return t.before(t.heap[b], t.heap[a]) }

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.after(i, p) {
			return
		}
		t.heap[i], t.heap[p] = t.heap[p], t.heap[i]
		i = p
	}
}

func (t *topK) down(i, n int) {
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && t.after(r, l) {
			m = r
		}
		if !t.after(m, i) {
			return
		}
		t.heap[i], t.heap[m] = t.heap[m], t.heap[i]
		i = m
	}
}
