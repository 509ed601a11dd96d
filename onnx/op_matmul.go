package onnx

import "github.com/simdcore/simdcore/kernel"

// MatMul (numpy semantics: 1-D operands promoted, batch dimensions
// broadcast) and Gemm, on simdcore's Gemm kernel (which runs a single-row
// product as Gemv).

func init() {
	register("MatMul", 1, buildMatMul)
	register("Gemm", 1, buildGemm)
}

func buildMatMul(c *nodeCtx) (func() error, error) {
	ab, err := c.needAll(2, Float)
	if err != nil {
		return nil, err
	}
	return matmulProduct(c, ab[0], ab[1], c.known(1), 1)
}

// matmulProduct plans output 0 = alpha·a·b with MatMul's semantics (numpy:
// 1-D operands promoted, batch dimensions broadcast), a and b float32;
// bKnown says b's values are known while planning, and then a b that is
// one matrix is packed once (packOperand). MatMul and FusedMatMul share it.
func matmulProduct(c *nodeCtx, a, b *Tensor, bKnown bool, alpha float32) (func() error, error) {
	sh, err := planMatMul(c, a, b)
	if err != nil {
		return nil, err
	}
	m, k, n, ad, bd, batch, dims := sh.m, sh.k, sh.n, sh.ad, sh.bd, sh.batch, sh.dims
	y, err := c.output(0, Float, dims)
	if err != nil {
		return nil, err
	}
	nb := numElements(batch)
	if m == 0 || n == 0 || nb == 0 {
		return func() error { return nil }, nil
	}
	if numElements(bd[:len(bd)-2]) == 1 && numElements(ad[:len(ad)-2]) == nb {
		// b is one matrix: all of a's rows in one product.
		if bKnown && k > 0 {
			po, err := packOperand(c, kernel.NoTrans, kernel.MatrixFrom(k, n, b.Float), b)
			if err != nil {
				return nil, err
			}
			return func() error {
				po.gemm(kernel.NoTrans, alpha, kernel.MatrixFrom(nb*m, k, a.Float), 0, kernel.MatrixFrom(nb*m, n, y.Float))
				return nil
			}, nil
		}
		return func() error {
			matmul(y.Float, a.Float, b.Float, nb*m, k, n, alpha)
			return nil
		}, nil
	}
	aIdx, bIdx, err := sh.index(c)
	if err != nil {
		return nil, err
	}
	return func() error {
		for i := 0; i < nb; i++ {
			ao, bo := int(aIdx[i])*m*k, int(bIdx[i])*k*n
			matmul(y.Float[i*m*n:(i+1)*m*n], a.Float[ao:ao+m*k], b.Float[bo:bo+k*n], m, k, n, alpha)
		}
		return nil
	}, nil
}

// matmulShape is the geometry of a MatMul-like product of a by b (numpy
// semantics): m×k by k×n matrices, a batch of them broadcast, the
// operands' dims with a 1-D one promoted (ad, bd), and the output's dims.
type matmulShape struct {
	m, k, n             int
	ad, bd, batch, dims []int
}

// planMatMul checks and returns the geometry of the product of a by b.
func planMatMul(c *nodeCtx, a, b *Tensor) (*matmulShape, error) {
	if len(a.Dims) == 0 || len(b.Dims) == 0 {
		return nil, c.shapeErr("%s of a scalar (%v, %v)", c.node.OpType, a.Dims, b.Dims)
	}
	s := &matmulShape{ad: a.Dims, bd: b.Dims}
	if len(s.ad) == 1 {
		s.ad = []int{1, s.ad[0]}
	}
	if len(s.bd) == 1 {
		s.bd = []int{s.bd[0], 1}
	}
	s.m, s.k, s.n = s.ad[len(s.ad)-2], s.ad[len(s.ad)-1], s.bd[len(s.bd)-1]
	if s.bd[len(s.bd)-2] != s.k {
		return nil, c.shapeErr("%s of %v by %v", c.node.OpType, a.Dims, b.Dims)
	}
	var err error
	if s.batch, err = broadcastDims(s.ad[:len(s.ad)-2], s.bd[:len(s.bd)-2]); err != nil {
		return nil, err
	}
	s.dims = append([]int(nil), s.batch...)
	if len(a.Dims) > 1 {
		s.dims = append(s.dims, s.m)
	}
	if len(b.Dims) > 1 {
		s.dims = append(s.dims, s.n)
	}
	return s, nil
}

// index returns, for each matrix of the batch, the matrix of a and of b
// it takes.
func (s *matmulShape) index(c *nodeCtx) (aIdx, bIdx []int32, err error) {
	if aIdx, err = broadcastIndex(c, s.ad[:len(s.ad)-2], s.batch); err != nil {
		return nil, nil, err
	}
	bIdx, err = broadcastIndex(c, s.bd[:len(s.bd)-2], s.batch)
	return aIdx, bIdx, err
}

// matmul computes c = alpha·a·b for row-major m×k a and k×n b.
func matmul(c, a, b []float32, m, k, n int, alpha float32) {
	if k == 0 {
		clear(c)
		return
	}
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, alpha, kernel.MatrixFrom(m, k, a), kernel.MatrixFrom(k, n, b), 0, kernel.MatrixFrom(m, n, c))
}

func buildGemm(c *nodeCtx) (func() error, error) {
	ab, err := c.needAll(2, Float)
	if err != nil {
		return nil, err
	}
	a, b := ab[0], ab[1]
	if cIn := c.input(2); cIn != nil {
		if err := c.needType(cIn, Float); err != nil {
			return nil, err
		}
	}
	ta := c.attrInt("transA", 0)
	tb := c.attrInt("transB", 0)
	alpha := c.attrFloat("alpha", 1)
	beta := c.attrFloat("beta", 1)
	if len(a.Dims) != 2 || len(b.Dims) != 2 {
		return nil, c.shapeErr("Gemm of %v by %v: both must be matrices", a.Dims, b.Dims)
	}
	m, k := a.Dims[0], a.Dims[1]
	if ta != 0 {
		m, k = k, m
	}
	kb, n := b.Dims[0], b.Dims[1]
	if tb != 0 {
		kb, n = n, kb
	}
	if kb != k {
		return nil, c.shapeErr("Gemm of %v by %v (transA %d, transB %d)", a.Dims, b.Dims, ta, tb)
	}
	y, err := c.output(0, Float, []int{m, n})
	if err != nil {
		return nil, err
	}
	cIn := c.input(2)
	var cIdx []int32
	if cIn != nil && beta != 0 {
		if bd, err := broadcastDims(cIn.Dims, y.Dims); err != nil || !equalDims(bd, y.Dims) {
			return nil, c.shapeErr("C of shape %v does not broadcast to %v", cIn.Dims, y.Dims)
		}
		if cIdx, err = broadcastIndex(c, cIn.Dims, y.Dims); err != nil {
			return nil, err
		}
	} else {
		beta = 0
	}
	tA, tB := kernel.Transpose(ta != 0), kernel.Transpose(tb != 0)
	bm := kernel.MatrixFrom(b.Dims[0], b.Dims[1], b.Float)
	var po *packedOperand
	if c.known(1) && m > 0 && n > 0 && k > 0 {
		if po, err = packOperand(c, tB, bm, b); err != nil {
			return nil, err
		}
	}
	// C one row (a bias, of dims [n] or [1, n]) over every row of y.
	rowC := cIn != nil && len(cIdx) > 0 && n > 0 && len(cIn.Float) == n &&
		(len(cIn.Dims) == 0 || cIn.Dims[len(cIn.Dims)-1] == n)
	return func() error {
		if rowC {
			for i := 0; i < m; i++ {
				copy(y.Float[i*n:(i+1)*n], cIn.Float)
			}
		} else {
			for i, j := range cIdx {
				y.Float[i] = cIn.Float[j]
			}
		}
		if m == 0 || n == 0 {
			return nil
		}
		if k == 0 {
			kernel.Scale(beta, y.Float)
			return nil
		}
		am, ym := kernel.MatrixFrom(a.Dims[0], a.Dims[1], a.Float), kernel.MatrixFrom(m, n, y.Float)
		if po != nil {
			po.gemm(tA, alpha, am, beta, ym)
		} else {
			kernel.Gemm(tA, tB, alpha, am, bm, beta, ym)
		}
		return nil
	}, nil
}
