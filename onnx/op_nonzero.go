package onnx

// NonZero(X): the indices of X's nonzero elements (NaN counts as nonzero),
// an INT64 tensor [rank, count] whose column j holds the coordinates of
// the j-th such element in row-major order. The count sets the output's
// shape, so X must be known while planning, when the output is computed;
// otherwise the node is refused with ErrValueDependent.

func init() {
	register("NonZero", 9, buildNonZero)
}

func buildNonZero(c *nodeCtx) (func() error, error) {
	x, err := c.needStored(0, "")
	if err != nil {
		return nil, err
	}
	st := x.DType.storage()
	if !c.known(0) {
		return nil, c.valueDependent(0, "X, whose nonzero elements set the output's shape")
	}
	n := x.Len()
	nz := func(i int) bool {
		if st == storeFloat {
			return x.Float[i] != 0
		}
		return x.Int[i] != 0
	}
	count := 0
	for i := range n {
		if nz(i) {
			count++
		}
	}
	r := len(x.Dims)
	y, err := c.p.alloc(Int64, []int{r, count})
	if err != nil {
		return nil, err
	}
	coord := make([]int, r)
	j := 0
	for i := range n {
		if nz(i) {
			for k, v := range coord {
				y.Int[k*count+j] = int64(v)
			}
			j++
		}
		for k := r - 1; k >= 0; k-- {
			coord[k]++
			if coord[k] < x.Dims[k] {
				break
			}
			coord[k] = 0
		}
	}
	c.knownOutput(0, y)
	return nil, nil
}
