package onnx

import "fmt"

// Transpose and Expand: index maps built while planning; a Transpose that
// keeps its last axes in place copies whole blocks of them instead
// (stridedBlocks, which Slice uses too).

func init() {
	register("Transpose", 1, buildTranspose)
	register("Expand", 8, buildExpand)
}

func buildTranspose(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	perm64, given, err := c.attrInts("perm")
	if err != nil {
		return nil, err
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = r - 1 - i
	}
	if given {
		if len(perm64) != r {
			return nil, c.shapeErr("perm %v for rank %d", perm64, r)
		}
		p, err := normAxes(c, perm64, r)
		if err != nil {
			return nil, err
		}
		perm = p
	}
	dims := make([]int, r)
	for i, p := range perm {
		dims[i] = x.Dims[p]
	}
	st := strides(x.Dims)
	stride := make([]int, r)
	for i, p := range perm {
		stride[i] = st[p]
	}
	if run, ok, err := stridedBlocks(c, x, dims, 0, stride); ok || err != nil {
		return run, err
	}
	return mappedOutput(c, x, dims, nil, func(coord []int) int {
		o := 0
		for i, p := range perm {
			o += coord[i] * st[p]
		}
		return o
	})
}

func buildExpand(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	shape, err := c.knownInts(1, "the shape")
	if err != nil {
		return nil, err
	}
	target := make([]int, len(shape))
	for i, s := range shape {
		if s < 0 || s > maxIndex {
			return nil, c.shapeErr("shape %v has dimension %d", shape, s)
		}
		target[i] = int(s)
	}
	dims, err := broadcastDims(x.Dims, target)
	if err != nil {
		return nil, err
	}
	return mappedOutput(c, x, dims, nil, broadcastSource(x.Dims, dims))
}

// broadcastSource maps an output coordinate to the flat index of the
// element of an operand of shape in broadcast to it.
func broadcastSource(in, out []int) func(coord []int) int {
	off := len(out) - len(in)
	st := strides(in)
	return func(coord []int) int {
		o := 0
		for i, d := range in {
			if d != 1 {
				o += coord[off+i] * st[i]
			}
		}
		return o
	}
}

// broadcastIndex maps each element of out to the element of an operand of
// shape in broadcast to it.
func broadcastIndex(c *nodeCtx, in, out []int) ([]int32, error) {
	return mapIndex(c, out, broadcastSource(in, out))
}

// stridedBlocks plans an output of shape dims that is a strided view of
// x: the element at output coordinate c is x's element
// base + Σ c[i]·stride[i] (a Transpose: stride[i] = x's stride of axis
// perm[i]; a Slice: the step times x's stride, base at the starts). When
// the view's last axes are contiguous in x (a Transpose keeping its last
// axes in place, as an attention's head split and merge do; a Slice of
// step 1 along them) it is copied in blocks of them, listed while planning
// without an index map of every element: the copy moves the same values
// as the map would. ok is false (and nothing is planned) when the blocks
// are shorter than minRun, where mappedOutput's gather is the better copy.
func stridedBlocks(c *nodeCtx, x *Tensor, dims []int, base int, stride []int) (func() error, bool, error) {
	r := len(dims)
	k, block := r, 1
	for k > 0 && stride[k-1] == block {
		k--
		block *= dims[k]
	}
	n := numElements(dims)
	if block < minRun || n == 0 {
		return nil, false, nil
	}
	if n > maxIndex {
		return nil, false, fmt.Errorf("%w: %d elements exceed the index range", ErrLimit, n)
	}
	y, err := c.output(0, x.DType, dims)
	if err != nil {
		return nil, false, err
	}
	count := n / block
	if _, err := c.p.charge([]int{3 * count}); err != nil { // the runs, as the map would be
		return nil, false, err
	}
	rs := make([]indexRun, 0, count)
	coord := make([]int, k)
	for at := 0; at < n; at += block {
		from := base
		for i, v := range coord {
			from += v * stride[i]
		}
		if l := len(rs) - 1; l >= 0 && int(rs[l].from+rs[l].n) == from {
			rs[l].n += int32(block)
		} else {
			rs = append(rs, indexRun{at: int32(at), from: int32(from), n: int32(block)})
		}
		for i := k - 1; i >= 0; i-- {
			if coord[i]++; coord[i] < dims[i] {
				break
			}
			coord[i] = 0
		}
	}
	if x.DType.storage() == storeFloat {
		return func() error { copyRuns(y.Float, x.Float, rs, 0); return nil }, true, nil
	}
	return func() error { copyRuns(y.Int, x.Int, rs, 0); return nil }, true, nil
}
