package onnx

// FusedMatMul (domain com.microsoft), which ONNX Runtime's optimizer
// writes for a MatMul whose operand is transposed or scaled:
// Y = alpha·op(A)·op(B) with MatMul's semantics (batch dimensions
// broadcast, 1-D operands promoted). op transposes the last two
// dimensions when transA (transB) is set; transBatchA (transBatchB) reads
// the operand's first dimension as its matrix rows, that is a stored
// [d0, d1, …, dr−2, dr−1] is the logical [d1, …, dr−2, d0, dr−1] (before
// transA). As ONNX Runtime 1.31, transBatch needs A and B of one rank,
// at least 3; a transposition of a 1-D operand is refused.
//
// A transposed operand is gathered into a scratch buffer of its logical
// layout through an index map (a B known while planning is laid out once,
// then packed as MatMul's weights are); the product is MatMul's
// (matmulProduct), with alpha applied by the matrix-product kernel.

func init() {
	registerMS("FusedMatMul", buildFusedMatMul)
}

func buildFusedMatMul(c *nodeCtx) (func() error, error) {
	ab, err := c.needAll(2, Float)
	if err != nil {
		return nil, err
	}
	alpha := c.attrFloat("alpha", 1)
	trans := [2]bool{c.attrInt("transA", 0) != 0, c.attrInt("transB", 0) != 0}
	batch := [2]bool{c.attrInt("transBatchA", 0) != 0, c.attrInt("transBatchB", 0) != 0}
	if c.err != nil {
		return nil, c.err
	}
	if (batch[0] || batch[1]) && (len(ab[0].Dims) != len(ab[1].Dims) || len(ab[0].Dims) < 3) {
		return nil, c.shapeErr("FusedMatMul with transBatchA/transBatchB of %v by %v: want operands of one rank, at least 3", ab[0].Dims, ab[1].Dims)
	}
	var steps []func() error
	for i, t := range ab {
		if !trans[i] && !batch[i] {
			continue
		}
		if len(t.Dims) < 2 {
			return nil, c.unsupported("FusedMatMul transposing the 1-D input %d (%v)", i, t.Dims)
		}
		perm := fusedMatMulPerm(len(t.Dims), trans[i], batch[i])
		lt, run, err := permuted(c, t, perm)
		if err != nil {
			return nil, err
		}
		if i == 1 && c.known(1) {
			if err := run(); err != nil { // laid out once, while planning
				return nil, err
			}
		} else {
			steps = append(steps, run)
		}
		ab[i] = lt
	}
	prod, err := matmulProduct(c, ab[0], ab[1], c.known(1), alpha)
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return prod, nil
	}
	return func() error {
		for _, s := range steps {
			if err := s(); err != nil {
				return err
			}
		}
		return prod()
	}, nil
}

// fusedMatMulPerm returns the permutation of a rank-r operand's stored
// axes into its logical [batch…, rows, cols] order: with batchFirst the
// first axis moves behind the batch axes, then trans swaps the last two.
func fusedMatMulPerm(r int, trans, batchFirst bool) []int {
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	if batchFirst {
		for i := 0; i < r-2; i++ {
			perm[i] = i + 1
		}
		perm[r-2] = 0
	}
	if trans {
		perm[r-2], perm[r-1] = perm[r-1], perm[r-2]
	}
	return perm
}

// permuted returns a float32 tensor of t's values with its axes in perm's
// order (a scratch buffer charged to the budget) and the step that fills
// it from t.
func permuted(c *nodeCtx, t *Tensor, perm []int) (*Tensor, func() error, error) {
	dims := make([]int, len(perm))
	for i, p := range perm {
		dims[i] = t.Dims[p]
	}
	buf, err := scratch[float32](c, numElements(dims))
	if err != nil {
		return nil, nil, err
	}
	st := strides(t.Dims)
	idx, err := mapIndex(c, dims, func(coord []int) int {
		o := 0
		for i, p := range perm {
			o += coord[i] * st[p]
		}
		return o
	})
	if err != nil {
		return nil, nil, err
	}
	lt := &Tensor{DType: Float, Dims: dims, Float: buf}
	return lt, indexCopy(lt, t, idx, nil), nil
}
