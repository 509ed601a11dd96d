package nn

import (
	"sync"

	"github.com/simdcore/simdcore/kernel"
)

// pool holds nn's scratch buffers, apart from attn's (internal/scratch):
// each public call takes one buffer for all its intermediates, carved
// into matrices, so this pool sees only a few sizes (a buffer that is
// large enough serves a smaller request) and a steady state reuses them
// without allocating.
var pool sync.Pool

// getWS lends a buffer of n elements with arbitrary contents.
func getWS(n int) *[]float32 {
	p, _ := pool.Get().(*[]float32)
	if p == nil {
		p = new([]float32)
	}
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// putWS gives a buffer back.
func putWS(p *[]float32) { pool.Put(p) }

// carve cuts the first rows×cols elements off *ws as a matrix.
func carve(ws *[]float32, rows, cols int) kernel.Matrix {
	m := kernel.MatrixFrom(rows, cols, (*ws)[:rows*cols])
	*ws = (*ws)[rows*cols:]
	return m
}
