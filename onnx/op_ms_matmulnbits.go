package onnx

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// MatMulNBits (domain com.microsoft), ONNX Runtime's weight-only
// quantized MatMul, which its weight quantizer (MatMulNBitsQuantizer)
// writes: Y = A·Wᵀ (+ bias), A float32 [..., K], W the N×K matrix packed in
// B. Inputs: A, B (uint8 [N, n_blocks, block_size·bits/8]: 8/bits values a
// byte, the lowest bits first, each row of W cut into n_blocks =
// ⌈K/block_size⌉ blocks), scales (float32, N·n_blocks), zero_points
// (optional: uint8 [N·⌈n_blocks·bits/8⌉], packed as B, or float32
// [N·n_blocks]; 2^(bits−1) when absent), g_idx (optional, int32 [K] or
// [n_blocks·block_size]: the block whose scale and zero point column k
// takes, act_order) and bias (optional, float32 [N]). Attributes K, N,
// bits (2, 4 or 8), block_size (16 to 256, a power of two) and
// accuracy_level. W[n][k] = (q − zp)·scale for uint8 or no zero points,
// one rounding of an exact difference; with float zero points or g_idx,
// q·scale + (−scale·zp), ONNX Runtime's two roundings there.
//
// What ONNX Runtime 1.31's CPU kernel refuses is refused: bits other than
// 2, 4 and 8, block sizes outside 16..256, float zero points or g_idx with
// 8 bits. And what it computes otherwise than the operator says: g_idx
// with 2 bits (it reads the 2-bit data as other values) and g_idx with
// uint8 zero points (it ignores the zero points, taking 8).
//
// B, scales, zero points and g_idx must be known while planning
// (initializers): W is dequantized once and packed as MatMul's constant
// weights are; Run is the float product. accuracy_level 4 makes ONNX
// Runtime quantize A to int8 blocks before the product (for 2, 4 and 8
// bits on amd64): there its results differ from this float product (and
// from its own accuracy_level 0) by the int8 rounding of A; other levels
// are its float product, as here.

func init() {
	registerMS("MatMulNBits", buildMatMulNBits)
}

// nbitsWeights is MatMulNBits' quantized weight as planned: B and its
// scales, zero points and group index, with the sizes they were checked
// against.
type nbitsWeights struct {
	b, scales, zp, gIdx *Tensor
	k, n, bits, blk     int
	nBlocks             int
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
	if bits != 2 && bits != 4 && bits != 8 {
		return nil, c.unsupported("MatMulNBits bits=%d (2, 4 or 8)", bits)
	}
	if K < 1 || N < 1 || K > maxIndex || N > maxIndex {
		return nil, c.shapeErr("MatMulNBits K=%d, N=%d", K, N)
	}
	if bs < 16 || bs > 1<<20 || bs&(bs-1) != 0 {
		return nil, c.shapeErr("MatMulNBits block_size=%d: want a power of two from 16", bs)
	}
	if bs > 256 {
		return nil, c.unsupported("MatMulNBits block_size=%d (16 to 256, as ONNX Runtime 1.31)", bs)
	}
	wq := nbitsWeights{k: int(K), n: int(N), bits: int(bits), blk: int(bs)}
	wq.nBlocks = (wq.k + wq.blk - 1) / wq.blk
	if len(a.Dims) == 0 || a.Dims[len(a.Dims)-1] != wq.k {
		return nil, c.shapeErr("MatMulNBits of A %v with K=%d", a.Dims, wq.k)
	}
	if err := wq.check(c); err != nil {
		return nil, err
	}
	bias := c.input(5)
	if bias != nil {
		if err := c.needType(bias, Float); err != nil {
			return nil, err
		}
		if bias.Len() != wq.n || len(bias.Dims) != 1 {
			return nil, c.shapeErr("MatMulNBits bias of shape %v: want [%d]", bias.Dims, wq.n)
		}
	}
	k, n := wq.k, wq.n
	w, err := scratch[float32](c, n*k)
	if err != nil {
		return nil, err
	}
	wq.dequantize(w)
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

// check reads and checks B, scales, zero_points and g_idx (inputs 1 to 4)
// against the attributes in w, which it completes.
func (w *nbitsWeights) check(c *nodeCtx) error {
	var err error
	blob := w.blk * w.bits / 8
	if w.b, err = c.needTyped(1, Uint8); err != nil {
		return err
	}
	if w.scales, err = c.needTyped(2, Float); err != nil {
		return err
	}
	if w.b.Len() != w.n*w.nBlocks*blob || (len(w.b.Dims) == 3 && !equalDims(w.b.Dims, []int{w.n, w.nBlocks, blob})) {
		return c.shapeErr("MatMulNBits B of shape %v: want [%d %d %d]", w.b.Dims, w.n, w.nBlocks, blob)
	}
	if w.scales.Len() != w.n*w.nBlocks {
		return c.shapeErr("MatMulNBits scales of shape %v: want %d values", w.scales.Dims, w.n*w.nBlocks)
	}
	if w.zp = c.input(3); w.zp != nil {
		if err := c.needType(w.zp, Uint8, Float); err != nil {
			return err
		}
		want := w.n * w.nBlocks
		if w.zp.DType == Uint8 {
			want = w.n * w.zpStride()
		} else if w.bits == 8 {
			return c.unsupported("MatMulNBits float zero_points with bits=8 (ONNX Runtime 1.31 refuses them)")
		}
		if w.zp.Len() != want {
			return c.shapeErr("MatMulNBits zero_points of type %v, shape %v: want %d values", w.zp.DType, w.zp.Dims, want)
		}
	}
	if w.gIdx = c.input(4); w.gIdx != nil {
		if err := c.needType(w.gIdx, Int32); err != nil {
			return err
		}
		switch {
		case w.bits == 8:
			return c.unsupported("MatMulNBits g_idx with bits=8 (ONNX Runtime 1.31 refuses it)")
		case w.bits == 2:
			return c.unsupported("MatMulNBits g_idx with bits=2 (ONNX Runtime 1.31 misreads the 2-bit weights there)")
		case w.zp != nil && w.zp.DType == Uint8:
			return c.unsupported("MatMulNBits g_idx with uint8 zero_points (ONNX Runtime 1.31 ignores the zero points there)")
		}
		if len(w.gIdx.Dims) != 1 || (w.gIdx.Dims[0] != w.k && w.gIdx.Dims[0] != w.nBlocks*w.blk) {
			return c.shapeErr("MatMulNBits g_idx of shape %v: want [%d] or [%d]", w.gIdx.Dims, w.k, w.nBlocks*w.blk)
		}
	}
	for i, t := range []*Tensor{w.b, w.scales, w.zp, w.gIdx} {
		if t != nil && !c.known(1+i) {
			return c.unsupported("MatMulNBits input %d not known while planning (weights must be initializers)", 1+i)
		}
	}
	if w.gIdx != nil {
		for i, g := range w.gIdx.Int {
			if g < 0 || g >= int64(w.nBlocks) {
				return fmt.Errorf("%w: MatMulNBits g_idx[%d] = %d: want a block in [0, %d)", ErrFormat, i, g, w.nBlocks)
			}
		}
	}
	return nil
}

// zpStride is the bytes of packed uint8 zero points a row of W takes.
func (w *nbitsWeights) zpStride() int { return (w.nBlocks*w.bits + 7) / 8 }

// dequantize writes W (N×K, row-major) into dst.
func (w *nbitsWeights) dequantize(dst []float32) {
	per, mask := 8/w.bits, int64(1)<<w.bits-1
	blob := w.blk * w.bits / 8
	twoRoundings := w.gIdx != nil || (w.zp != nil && w.zp.DType == Float)
	for r := range w.n {
		for kk := range w.k {
			blk := kk / w.blk
			g := blk
			if w.gIdx != nil {
				g = int(w.gIdx.Int[kk])
			}
			s := w.scales.Float[r*w.nBlocks+g]
			z := float32(int64(1) << (w.bits - 1))
			switch {
			case w.zp == nil:
			case w.zp.DType == Float:
				z = w.zp.Float[r*w.nBlocks+g]
			default:
				byt := w.zp.Int[r*w.zpStride()+g/per]
				z = float32((byt >> (w.bits * (g % per))) & mask)
			}
			j := kk - blk*w.blk
			byt := w.b.Int[(r*w.nBlocks+blk)*blob+j/per]
			q := float32((byt >> (w.bits * (j % per))) & mask)
			if twoRoundings {
				// The conversions keep Go from fusing the products
				// and the sum into one rounding.
				dst[r*w.k+kk] = float32(q*s) + float32(-s*z)
			} else {
				dst[r*w.k+kk] = (q - z) * s
			}
		}
	}
}
