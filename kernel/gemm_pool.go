package kernel

import (
	"sync"

	"github.com/simdcore/simdcore/internal/workers"
)

// The pooled state of a Gemm call: pack buffers for a product on one
// goroutine, and the shares of a product split across the helper
// goroutines of internal/workers.

// gemmBufPool holds the pack buffers of serial products.
var gemmBufPool = sync.Pool{New: func() any { return new(gemmBuffers) }}

// gemmSplit is one threaded product: share t computes parts[t], a block of
// C that no other share writes, with its own pack buffers bufs[t]. A
// gemmSplit is kept in gemmSplitPool with its buffers, which after the
// first call of a shape are already the right size: the next such call
// allocates nothing.
type gemmSplit struct {
	group workers.Group
	parts []gemmOperands
	bufs  []gemmBuffers
	cfg   gemmConfig
	// packed, if set, is B of every part (GemmPacked's split by rows).
	packed *PackedB
}

var gemmSplitPool = sync.Pool{New: func() any { return new(gemmSplit) }}

// runSplit computes op on nt goroutines, each a part of whole tiles (tile
// columns of c if cols, else tile rows) of the extent columns or rows,
// with B from packed if it is not nil, on a pooled gemmSplit.
func runSplit(op gemmOperands, cfg gemmConfig, packed *PackedB, nt int, cols bool, tile, extent int) {
	s := gemmSplitPool.Get().(*gemmSplit)
	s.cfg, s.packed = cfg, packed
	s.parts = s.parts[:0]
	if len(s.bufs) < nt {
		s.bufs = append(s.bufs, make([]gemmBuffers, nt-len(s.bufs))...)
	}
	tiles := (extent + tile - 1) / tile
	for t := range nt {
		lo := min(extent, tiles*t/nt*tile)
		hi := min(extent, tiles*(t+1)/nt*tile)
		s.parts = append(s.parts, op.slice(cols, lo, hi))
	}
	s.group.Run(s, nt, nt)
	clear(s.parts) // drop the references to the caller's matrices
	s.packed = nil
	gemmSplitPool.Put(s)
}

// Run computes share t (workers.Task).
func (s *gemmSplit) Run(t int) {
	if s.packed != nil {
		gemmSerialPacked(s.parts[t], s.packed, &s.bufs[t])
		return
	}
	gemmSerial(s.parts[t], s.cfg, &s.bufs[t])
}
