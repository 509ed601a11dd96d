package onnx

import "github.com/simdcore/simdcore/kernel"

// packedOperand is the right-hand operand of a MatMul or Gemm whose
// values are known while planning (a weight initializer), packed once
// into the layout of the matrix-product kernel (kernel.PackedB), so that
// Run does not pack it again at every call, as Gemm does with an operand
// it has not seen: for a transformer layer exported by torch, that
// packing was a sixth of the time. A product of one row (which Gemm runs
// as a matrix-vector product, streaming the matrix once) and a run at a
// kernel level other than the one it was packed for (kernel.SetLevel
// since planning) multiply by the matrix as it is.
type packedOperand struct {
	b     kernel.Matrix // op(b) = b, or bᵀ for tB
	tB    kernel.Transpose
	p     kernel.PackedB
	level kernel.Level
}

// packOperand packs b (op(b) = b or bᵀ), charging its memory to the
// element budget.
func packOperand(c *nodeCtx, tB kernel.Transpose, b kernel.Matrix) (*packedOperand, error) {
	rows, cols := b.Rows, b.Cols
	if tB {
		rows, cols = cols, rows
	}
	// The packed copy: rows × cols rounded up to whole micro-panels (at
	// most 64 columns wide at any level).
	if _, err := c.p.charge([]int{rows, cols + 64}); err != nil {
		return nil, err
	}
	po := &packedOperand{b: b, tB: tB, level: kernel.Active()}
	po.p.Pack(tB, b)
	return po, nil
}

// gemm computes y = alpha·op(a)·op(b) + beta·y, as kernel.Gemm(tA, tB,
// alpha, a, b, beta, y) does.
func (po *packedOperand) gemm(tA kernel.Transpose, alpha float32, a kernel.Matrix, beta float32, y kernel.Matrix) {
	if y.Rows > 1 && po.level == kernel.Active() {
		kernel.GemmPacked(tA, alpha, a, &po.p, beta, y)
		return
	}
	kernel.Gemm(tA, po.tB, alpha, a, po.b, beta, y)
}
