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

// Run computes share t (workers.Task).
func (s *gemmSplit) Run(t int) {
	if s.packed != nil {
		gemmSerialPacked(s.parts[t], s.packed, &s.bufs[t])
		return
	}
	gemmSerial(s.parts[t], s.cfg, &s.bufs[t])
}
