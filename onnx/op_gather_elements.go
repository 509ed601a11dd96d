package onnx

import "fmt"

// GatherElements and GatherND: gathers whose indices address single
// elements (GatherElements) or slices (GatherND) of the data. Indices may
// be known while planning or given at run time; they are checked at run
// time either way, and one out of range is an error wrapping ErrInput (a
// negative index counts from the end of its dimension).

func init() {
	register("GatherElements", 11, buildGatherElements)
	register("GatherND", 11, buildGatherND)
}

// needIndices returns input i, which must be an INT32 or INT64 tensor of
// indices.
func needIndices(c *nodeCtx, i int) (*Tensor, error) {
	t, err := c.need(i)
	if err != nil {
		return nil, err
	}
	if t.DType != Int64 && t.DType != Int32 {
		return nil, c.unsupported("indices of data type %v", t.DType)
	}
	return t, nil
}

// runIndex returns index k into a dimension of size d, negative indices
// counting from the end; one outside [−d, d) is an error wrapping ErrInput.
func runIndex(k int64, d int) (int, error) {
	if k < -int64(d) || k >= int64(d) {
		return 0, fmt.Errorf("%w: index %d out of range for dimension %d", ErrInput, k, d)
	}
	if k < 0 {
		k += int64(d)
	}
	return int(k), nil
}

// elementBase plans the element-wise index of GatherElements and
// ScatterElements: indices of x's rank, no larger than x on every axis but
// axis, address x at their own coordinates except on axis, where the
// index's value is the coordinate. It returns, per element of indices, the
// flat offset in x of its coordinates with 0 on axis (charged to the
// element budget).
func elementBase(c *nodeCtx, x, ind *Tensor, axis int) ([]int32, error) {
	if len(ind.Dims) != len(x.Dims) {
		return nil, c.shapeErr("indices of shape %v for data of shape %v: the ranks differ", ind.Dims, x.Dims)
	}
	for i, d := range ind.Dims {
		if i != axis && d > x.Dims[i] {
			return nil, c.shapeErr("indices of shape %v exceed data of shape %v on axis %d", ind.Dims, x.Dims, i)
		}
	}
	if x.Len() > maxIndex {
		return nil, fmt.Errorf("%w: data of %d elements exceeds the index range", ErrLimit, x.Len())
	}
	st := strides(x.Dims)
	return mapIndex(c, ind.Dims, func(coord []int) int {
		o := 0
		for i, v := range coord {
			if i != axis {
				o += v * st[i]
			}
		}
		return o
	})
}

// buildGatherElements: y has the shape of indices, and
// y[…, i, …] = x[…, indices[…, i, …], …] with the index on axis.
func buildGatherElements(c *nodeCtx) (func() error, error) {
	x, axis, err := c.inputAxis(0)
	if err != nil {
		return nil, err
	}
	ind, err := needIndices(c, 1)
	if err != nil {
		return nil, err
	}
	base, err := elementBase(c, x, ind, axis)
	if err != nil {
		return nil, err
	}
	y, err := c.output(0, x.DType, ind.Dims)
	if err != nil {
		return nil, err
	}
	d, step := x.Dims[axis], strides(x.Dims)[axis]
	isFloat := x.DType.storage() == storeFloat
	return func() error {
		for i, k := range ind.Int {
			j, err := runIndex(k, d)
			if err != nil {
				return err
			}
			src := int(base[i]) + j*step
			if isFloat {
				y.Float[i] = x.Float[src]
			} else {
				y.Int[i] = x.Int[src]
			}
		}
		return nil
	}, nil
}

// buildGatherND: the last axis of indices (length k) holds index tuples
// into x's axes b … b+k−1, b being the attribute batch_dims (the leading
// axes that x and indices share, each index tuple addressing its own
// batch's data). y has the shape indices.shape[:−1] + x.shape[b+k:]: per
// tuple, the slice of x it addresses.
func buildGatherND(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	ind, err := needIndices(c, 1)
	if err != nil {
		return nil, err
	}
	r, q := len(x.Dims), len(ind.Dims)
	b64 := c.attrInt("batch_dims", 0)
	if r < 1 || q < 1 {
		return nil, c.shapeErr("GatherND of data %v by indices %v: both need rank 1 or more", x.Dims, ind.Dims)
	}
	if b64 < 0 || b64 >= int64(min(r, q)) {
		return nil, c.shapeErr("batch_dims %d for data %v and indices %v", b64, x.Dims, ind.Dims)
	}
	b := int(b64)
	if !equalDims(x.Dims[:b], ind.Dims[:b]) {
		return nil, c.shapeErr("data %v and indices %v differ in their %d batch dimensions", x.Dims, ind.Dims, b)
	}
	k := ind.Dims[q-1]
	if k > r-b {
		return nil, c.shapeErr("index tuples of length %d into data %v past %d batch dimensions", k, x.Dims, b)
	}
	dims := append(append([]int(nil), ind.Dims[:q-1]...), x.Dims[b+k:]...)
	y, err := c.output(0, x.DType, dims)
	if err != nil {
		return nil, err
	}
	nb := numElements(x.Dims[:b])
	tuples := numElements(ind.Dims[b : q-1]) // per batch
	batchLen := numElements(x.Dims[b:])
	inner := numElements(x.Dims[b+k:])
	st := strides(x.Dims)[b : b+k]
	axes := x.Dims[b : b+k]
	return func() error {
		for bi := range nb {
			for j := range tuples {
				t := bi*tuples + j
				off := bi * batchLen
				for a, v := range ind.Int[t*k : t*k+k] {
					i, err := runIndex(v, axes[a])
					if err != nil {
						return err
					}
					off += i * st[a]
				}
				blockCopy(y, x, 1, inner, 0, off, 0, t*inner)
			}
		}
		return nil
	}, nil
}
