package onnx

import "github.com/simdcore/simdcore/kernel"

// MatMulNBits (domain com.microsoft), ONNX Runtime's weight-only 4-bit
// MatMul, which its 4-bit quantizer (MatMul4BitsQuantizer) writes:
// Y = A·Wᵀ (+ bias), A float32 [..., K], W the N×K matrix packed in B.
// Inputs: A, B (uint8 [N, n_blocks, block_size/2]: two 4-bit values a
// byte, the low nibble first, each column of W cut into n_blocks =
// ⌈K/block_size⌉ blocks), scales (float32, N·n_blocks), zero_points
// (optional: uint8 [N·⌈n_blocks/2⌉], packed as B, or float32
// [N·n_blocks]; 8 when absent), g_idx (refused) and bias (optional,
// float32 [N]). Attributes K, N, bits (4 only), block_size (a power of two
// ≥ 16) and accuracy_level (read, not used). W[n][k] = (q − zp)·scale, in
// float32, one rounding of an exact difference.
//
// B, scales and zero points must be known while planning (initializers):
// W is dequantized once and packed as MatMul's constant weights are; Run
// is the float product. ONNX Runtime's accuracy_level 4 quantizes A to
// int8 blocks before the product: there its results differ from this
// float product (and from its own accuracy_level 0) by the int8 rounding
// of A.

func init() {
	registerMS("MatMulNBits", buildMatMulNBits)
}

func buildMatMulNBits(c *nodeCtx) (func() error, error) {
	a, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	K, N := c.attrInt("K", -1), c.attrInt("N", -1)
	bits, bs := c.attrInt("bits", 4), c.attrInt("block_size", -1)
	_ = c.attrInt("accuracy_level", 0)
	if c.err != nil {
		return nil, c.err
	}
	if bits != 4 {
		return nil, c.unsupported("MatMulNBits bits=%d (4 only)", bits)
	}
	if K < 1 || N < 1 || K > maxIndex || N > maxIndex {
		return nil, c.shapeErr("MatMulNBits K=%d, N=%d", K, N)
	}
	if bs < 16 || bs > 1<<20 || bs&(bs-1) != 0 {
		return nil, c.shapeErr("MatMulNBits block_size=%d: want a power of two from 16", bs)
	}
	if g := c.input(4); g != nil {
		return nil, c.unsupported("MatMulNBits input g_idx")
	}
	k, n, blk := int(K), int(N), int(bs)
	nBlocks := (k + blk - 1) / blk
	blob := blk / 2
	b, err := c.needTyped(1, Uint8)
	if err != nil {
		return nil, err
	}
	scales, err := c.needTyped(2, Float)
	if err != nil {
		return nil, err
	}
	if len(a.Dims) == 0 || a.Dims[len(a.Dims)-1] != k {
		return nil, c.shapeErr("MatMulNBits of A %v with K=%d", a.Dims, k)
	}
	if b.Len() != n*nBlocks*blob || (len(b.Dims) == 3 && !equalDims(b.Dims, []int{n, nBlocks, blob})) {
		return nil, c.shapeErr("MatMulNBits B of shape %v: want [%d %d %d]", b.Dims, n, nBlocks, blob)
	}
	if scales.Len() != n*nBlocks {
		return nil, c.shapeErr("MatMulNBits scales of shape %v: want %d values", scales.Dims, n*nBlocks)
	}
	zp := c.input(3)
	if zp != nil {
		if err := c.needType(zp, Uint8, Float); err != nil {
			return nil, err
		}
		want := n * nBlocks
		if zp.DType == Uint8 {
			want = n * ((nBlocks + 1) / 2)
		}
		if zp.Len() != want {
			return nil, c.shapeErr("MatMulNBits zero_points of type %v, shape %v: want %d values", zp.DType, zp.Dims, want)
		}
	}
	bias := c.input(5)
	if bias != nil {
		if err := c.needType(bias, Float); err != nil {
			return nil, err
		}
		if bias.Len() != n || len(bias.Dims) != 1 {
			return nil, c.shapeErr("MatMulNBits bias of shape %v: want [%d]", bias.Dims, n)
		}
	}
	for i, t := range []*Tensor{b, scales, zp} {
		if t != nil && !c.known(1+i) {
			return nil, c.unsupported("MatMulNBits input %d not known while planning (weights must be initializers)", 1+i)
		}
	}
	w, err := scratch[float32](c, n*k)
	if err != nil {
		return nil, err
	}
	for r := range n {
		for blkI := range nBlocks {
			s := scales.Float[r*nBlocks+blkI]
			z := float32(8)
			if zp != nil {
				if zp.DType == Float {
					z = zp.Float[r*nBlocks+blkI]
				} else {
					byt := zp.Int[r*((nBlocks+1)/2)+blkI/2]
					z = float32((byt >> (4 * (blkI & 1))) & 15)
				}
			}
			for j := 0; j < blk && blkI*blk+j < k; j++ {
				byt := b.Int[(r*nBlocks+blkI)*blob+j/2]
				q := float32((byt >> (4 * (j & 1))) & 15)
				w[r*k+blkI*blk+j] = (q - z) * s
			}
		}
	}
	wt := &Tensor{DType: Float, Dims: []int{n, k}, Float: w}
	dims := append(append([]int(nil), a.Dims[:len(a.Dims)-1]...), n)
	y, err := c.output(0, Float, dims)
	if err != nil {
		return nil, err
	}
	rows := a.Len() / k
	if rows == 0 {
		return func() error { return nil }, nil
	}
	po, err := packOperand(c, kernel.Trans, kernel.MatrixFrom(n, k, w), wt)
	if err != nil {
		return nil, err
	}
	return func() error {
		ym := kernel.MatrixFrom(rows, n, y.Float)
		if bias != nil {
			for r := range rows {
				copy(y.Float[r*n:(r+1)*n], bias.Float)
			}
			po.gemm(kernel.NoTrans, 1, kernel.MatrixFrom(rows, k, a.Float), 1, ym)
			return nil
		}
		po.gemm(kernel.NoTrans, 1, kernel.MatrixFrom(rows, k, a.Float), 0, ym)
		return nil
	}, nil
}
