package onnx

import (
	"sync"

	"github.com/simdcore/simdcore/kernel"
)

// packedOperand is the right-hand operand of a MatMul or Gemm whose
// values are known while planning (a weight initializer), packed once
// into the layout of the matrix-product kernel (kernel.PackedB), so that
// Run does not pack it again at every call, as Gemm does with an operand
// it has not seen: for a transformer layer exported by torch, that
// packing was a sixth of the time. A product of one row (which Gemm runs
// as a matrix-vector product, streaming the matrix once) and a run at a
// kernel level other than the one it was packed for (kernel.SetLevel
// since planning) multiply by the matrix as it is. The packed form of an
// initializer of the parsed Model is shared by every Session planned from
// it (packShare): read-only, as kernel.GemmPacked only reads it.
type packedOperand struct {
	b     kernel.Matrix // op(b) = b, or bᵀ for tB
	tB    kernel.Transpose
	p     *kernel.PackedB
	level kernel.Level
}

// packOperand packs b (op(b) = b or bᵀ; b's values are src's), charging
// its memory to the element budget (also when another Session packed it
// already: the budget bounds what one plan may hold).
func packOperand(c *nodeCtx, tB kernel.Transpose, b kernel.Matrix, src *Tensor) (*packedOperand, error) {
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
	po.p = c.p.packs.get(c.p, tB, b, src)
	return po, nil
}

// packShare holds the packed forms of a parsed Model's weight
// initializers for every Session planned from it, so that a Session per
// goroutine or per input shape packs each weight once and holds no copy
// of its own. Entries are keyed by the initializer, the operand's view of
// it and the kernel level; they live as long as the Model.
type packShare struct {
	mu    sync.Mutex
	m     map[packKey]*kernel.PackedB
	views map[*Tensor]*Tensor // FLOAT views of FLOAT16 initializers (plan_half.go)
}

type packKey struct {
	t          *Tensor
	tB         kernel.Transpose
	rows, cols int
	level      kernel.Level
}

// get returns op(b) packed: shared when src is one of the root graph's
// initializers (its values are the model's, never written by a Session),
// packed afresh otherwise (values folded while planning belong to that
// plan) or when s is nil.
func (s *packShare) get(p *planner, tB kernel.Transpose, b kernel.Matrix, src *Tensor) *kernel.PackedB {
	root := p
	for root.parent != nil {
		root = root.parent
	}
	if s == nil || !root.weights[src] {
		pb := new(kernel.PackedB)
		pb.Pack(tB, b)
		return pb
	}
	key := packKey{t: src, tB: tB, rows: b.Rows, cols: b.Cols, level: kernel.Active()}
	s.mu.Lock()
	pb := s.m[key]
	s.mu.Unlock()
	if pb != nil {
		return pb
	}
	pb = new(kernel.PackedB)
	pb.Pack(tB, b) // outside the lock: Sessions planned at once pack in parallel
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.m[key]; old != nil {
		return old
	}
	if s.m == nil {
		s.m = map[packKey]*kernel.PackedB{}
	}
	s.m[key] = pb
	return pb
}

// gemm computes y = alpha·op(a)·op(b) + beta·y, as kernel.Gemm(tA, tB,
// alpha, a, b, beta, y) does.
func (po *packedOperand) gemm(tA kernel.Transpose, alpha float32, a kernel.Matrix, beta float32, y kernel.Matrix) {
	if y.Rows > 1 && po.level == kernel.Active() {
		kernel.GemmPacked(tA, alpha, a, po.p, beta, y)
		return
	}
	kernel.Gemm(tA, po.tB, alpha, a, po.b, beta, y)
}
