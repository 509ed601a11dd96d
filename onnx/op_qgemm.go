package onnx

// QGemm (domain com.microsoft), which ONNX Runtime's quantizer writes for
// Gemm in its QOperator format: A, a_scale, a_zero_point, B, b_scale,
// b_zero_point, C, y_scale, y_zero_point (C, y_scale and y_zero_point
// optional). A is uint8 (B uint8 or int8) or int8 (B int8), 2-D, read
// transposed with transA; B 2-D, with transB; a_scale and a_zero_point
// one value each; b_scale and b_zero_point one value or one per column of
// the product (N), of the same shape. The sums Σ (a − za)(b − zb) are
// exact int32 (intProduct, as MatMulInteger's), plus C (int32: one value,
// [N], [1, N], [M, 1] or [M, N]), wrapping as int32. With y_scale and
// y_zero_point, y (A's type) is that sum times ((alpha·a_scale)·b_scale)/
// y_scale, each step rounded to float32, rounded half to even, plus
// y_zero_point, saturated (NaN gives the type's minimum, as MLAS's
// requantizer does); without them, y is FLOAT: the sum times
// (alpha·a_scale)·b_scale.
//
// K = 0 (with M·N > 0) is refused: ONNX Runtime's output there is not
// deterministic (two runs of one model with K = 0 and no C gave −16 and
// 0 where its code would write y_zero_point). y_scale without
// y_zero_point (or the reverse), which ONNX Runtime's kernel does not
// handle either, is refused too.

func init() {
	registerMS("QGemm", buildQGemm)
}

func buildQGemm(c *nodeCtx) (func() error, error) {
	a, err := c.needTyped(0, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	b, err := c.needTyped(3, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	if a.DType == Int8 && b.DType != Int8 {
		return nil, c.unsupported("A of type %v with B of type %v (int8 A takes int8 B)", a.DType, b.DType)
	}
	if len(a.Dims) != 2 || len(b.Dims) != 2 {
		return nil, c.shapeErr("QGemm of A %v and B %v: want 2-D operands", a.Dims, b.Dims)
	}
	transA, transB := c.attrInt("transA", 0) != 0, c.attrInt("transB", 0) != 0
	alpha := c.attrFloat("alpha", 1)
	if c.err != nil {
		return nil, c.err
	}
	M, K := a.Dims[0], a.Dims[1]
	if transA {
		M, K = K, M
	}
	Kb, N := b.Dims[0], b.Dims[1]
	if transB {
		Kb, N = N, Kb
	}
	if K != Kb {
		return nil, c.shapeErr("QGemm of A %v (transA %v) by B %v (transB %v)", a.Dims, transA, b.Dims, transB)
	}
	sa, err := needQuantParam(c, 1, Float)
	if err != nil {
		return nil, err
	}
	za, err := needQuantParam(c, 2, a.DType)
	if err != nil {
		return nil, err
	}
	sb, err := c.needTyped(4, Float)
	if err != nil {
		return nil, err
	}
	zb, err := c.needTyped(5, b.DType)
	if err != nil {
		return nil, err
	}
	perColumn := func(t *Tensor) bool {
		return len(t.Dims) == 0 || len(t.Dims) == 1 && (t.Dims[0] == 1 || t.Dims[0] == N)
	}
	if !perColumn(sb) || !perColumn(zb) || !equalDims(sb.Dims, zb.Dims) {
		return nil, c.shapeErr("b_scale of shape %v, b_zero_point %v: want one value or %d (one per column), the same shape", sb.Dims, zb.Dims, N)
	}
	// C: its element (i, j) is C[i·cRow + j·cCol].
	bias := c.input(6)
	var cRow, cCol int
	if bias != nil {
		if err := c.needType(bias, Int32); err != nil {
			return nil, err
		}
		d := bias.Dims
		switch {
		case numElements(d) == 1 && len(d) <= 2:
		case len(d) == 1 && d[0] == N, len(d) == 2 && d[0] == 1 && d[1] == N:
			cCol = 1
		case len(d) == 2 && d[0] == M && d[1] == 1:
			cRow = 1
		case len(d) == 2 && d[0] == M && d[1] == N:
			cRow, cCol = N, 1
		default:
			return nil, c.shapeErr("C of shape %v for a %d×%d product: want one value, [%d], [1 %d], [%d 1] or [%d %d]", d, M, N, N, N, M, M, N)
		}
	}
	sy, err := quantParam(c, 7, Float)
	if err != nil {
		return nil, err
	}
	zy, err := quantParam(c, 8, a.DType)
	if err != nil {
		return nil, err
	}
	if (sy == nil) != (zy == nil) {
		return nil, c.unsupported("y_scale and y_zero_point: give both (a quantized y) or neither (a FLOAT y)")
	}
	requant := sy != nil
	yt := Float
	if requant {
		yt = a.DType
	}
	if K == 0 && M*N > 0 {
		return nil, c.unsupported("K = 0 (ONNX Runtime's output there is not deterministic)")
	}
	y, err := c.output(0, yt, []int{M, N})
	if err != nil {
		return nil, err
	}
	prod, err := newIntProduct(c, M, K, N, b.DType == Int8)
	if err != nil {
		return nil, err
	}
	av := intView{v: a.Int, rs: K, cs: 1}
	if transA {
		av = intView{v: a.Int, rs: 1, cs: M}
	}
	bv := intView{v: b.Int, rs: N, cs: 1}
	if transB {
		bv = intView{v: b.Int, rs: 1, cs: K}
	}
	if c.known(3) {
		prod.packOnce(bv)
	}
	zas, err := scratch[int64](c, M)
	if err != nil {
		return nil, err
	}
	zbs, err := scratch[int64](c, N)
	if err != nil {
		return nil, err
	}
	scales, err := scratch[float32](c, N)
	if err != nil {
		return nil, err
	}
	lo, hi := qRange(yt)
	var yz int64
	store := func(i, j int, s int32) {
		if bias != nil {
			s += int32(bias.Int[i*cRow+j*cCol])
		}
		if requant {
			y.Int[i*N+j] = mlasRound(float32(s)*scales[j], yz, lo, hi)
		} else {
			y.Float[i*N+j] = float32(s) * scales[j]
		}
	}
	return func() error {
		if requant {
			yz = zy.Int[0]
		}
		for i := range zas {
			zas[i] = za.Int[0]
		}
		for j := range N {
			k := 0
			if len(zb.Int) > 1 {
				k = j
			}
			zbs[j] = zb.Int[k]
			scales[j] = alpha * sa.Float[0] * sb.Float[k]
			if requant {
				scales[j] /= sy.Float[0]
			}
		}
		prod.run(av, bv, a.DType == Uint8, zas, zbs, store)
		return nil
	}, nil
}
