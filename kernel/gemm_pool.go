package kernel

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/internal/workers"
)

// The pooled state of a Gemm call split across the helper goroutines of
// internal/workers. (The pack buffers, a serial product's or a share's,
// are lent by package scratch: see gemmBuffers.)

// gemmSplit is one threaded product: share t computes parts[t], a block of
// C that no other share writes, with pack buffers of its own. A gemmSplit
// is kept in gemmSplits with parts' room for Threads() shares: the next
// split allocates nothing.
type gemmSplit struct {
	group workers.Group
	parts []gemmOperands
	cfg   gemmConfig
	// packed, if set, is B of every part (GemmPacked's split by rows).
	packed *PackedB
}

var gemmSplits scratch.Pool[gemmSplit]

// runSplit computes op on nt goroutines, each a part of whole tiles (tile
// columns of c if cols, else tile rows) of the extent columns or rows,
// with B from packed if it is not nil, on a pooled gemmSplit.
func runSplit(op gemmOperands, cfg gemmConfig, packed *PackedB, nt int, cols bool, tile, extent int) {
	s := gemmSplits.Get()
	s.cfg, s.packed = cfg, packed
	if cap(s.parts) < nt {
		s.parts = make([]gemmOperands, 0, max(nt, Threads()))
	}
	s.parts = s.parts[:0]
	tiles := (extent + tile - 1) / tile
	for t := range nt {
		lo := min(extent, tiles*t/nt*tile)
		hi := min(extent, tiles*(t+1)/nt*tile)
		s.parts = append(s.parts, op.slice(cols, lo, hi))
	}
	s.group.Run(s, nt, nt)
	clear(s.parts) // drop the references to the caller's matrices
	s.packed = nil
	gemmSplits.Put(s)
}

// Run computes share t (workers.Task).
func (s *gemmSplit) Run(t int) {
	var bufs gemmBuffers
	if s.packed != nil {
		gemmSerialPacked(s.parts[t], s.packed, &bufs)
	} else {
		gemmSerial(s.parts[t], s.cfg, &bufs)
	}
	bufs.release()
}
