// Package packcache keeps a model's weight matrices packed for
// kernel.GemmPacked, built on first use and shared by every goroutine
// that runs the model, so that a product x·Wᵀ over many rows does not
// repack W (Gemm repacks its right-hand operand on every call).
//
// attn's MultiHead and nn's Linear hold one Cache per weight matrix.
// A Cache is keyed by the matrix it packed (its data pointer, shape and
// stride) and by the kernel level, so a model whose matrices are replaced
// or that runs at another level repacks by itself; a model whose weights
// change in place (an optimiser step, a test's perturbation) must call
// Reset, through its owner's WeightsChanged method.
package packcache

import (
	"sync/atomic"
	"unsafe"

	"github.com/simdcore/simdcore/kernel"
)

// Cache holds Wᵀ packed for one weight matrix W. Its zero value is empty.
// Many goroutines may call Transposed, MulT and Reset at once (a Reset
// makes the next products pack again); what must not overlap a product
// is a change of W itself.
//
// A Cache has no lock and may be copied with the struct that holds it
// (vet does not object); a copy shares the packed form until either is
// Reset, which affects that copy only.
type Cache struct {
	p unsafe.Pointer // *entry, or nil
}

// entry is one packed form: W's header when packed (keeping W's data
// alive, so that a new matrix at the same address cannot be mistaken for
// it), the level it was packed for, and Wᵀ packed.
type entry struct {
	w     kernel.Matrix
	level kernel.Level
	b     kernel.PackedB
}

func (e *entry) matches(w kernel.Matrix) bool {
	return e.level == kernel.Active() && e.w.Rows == w.Rows && e.w.Cols == w.Cols &&
		e.w.Stride == w.Stride && unsafe.SliceData(e.w.Data) == unsafe.SliceData(w.Data)
}

// Transposed returns Wᵀ packed for the active level: the cached form if it
// was packed from this matrix at this level, a new one otherwise (which
// it then caches; when goroutines race to pack, each uses its own and one
// is kept). The result is read-only.
func (c *Cache) Transposed(w kernel.Matrix) *kernel.PackedB {
	old := (*entry)(atomic.LoadPointer(&c.p))
	if old != nil && old.matches(w) {
		return &old.b
	}
	e := &entry{w: w, level: kernel.Active()}
	e.b.Pack(kernel.Trans, w)
	atomic.CompareAndSwapPointer(&c.p, unsafe.Pointer(old), unsafe.Pointer(e))
	return &e.b
}

// Reset drops the packed form: the next product packs W again. Call it
// after changing W's elements in place.
func (c *Cache) Reset() { atomic.StorePointer(&c.p, nil) }

// MulT computes dst = x·Wᵀ + beta·dst (beta 0 or 1), with W packed once
// in c for products of several rows. A single row goes to kernel.Gemm,
// which streams W by a matrix–vector kernel without packing it. Either
// way the bits are kernel.Gemm(NoTrans, Trans, 1, x, w, beta, dst)'s.
func (c *Cache) MulT(dst, x, w kernel.Matrix, beta float32) {
	if x.Rows <= 1 {
		kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, x, w, beta, dst)
		return
	}
	kernel.GemmPacked(kernel.NoTrans, 1, x, c.Transposed(w), beta, dst)
}
