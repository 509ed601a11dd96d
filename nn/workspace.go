package nn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// Each public call takes one buffer from package scratch's pool (shared
// with attn and rnn) for all its intermediates, carved into matrices; the
// pool lends it whatever size the calls before it asked, so a steady state
// reuses its buffers without allocating.

// getWS lends a buffer of n elements with arbitrary contents: carve its
// Data, and give it back whole with putWS.
func getWS(n int) *scratch.Buf { return scratch.Get(n) }

// putWS gives a buffer back.
func putWS(b *scratch.Buf) { scratch.Put(b) }

// carve cuts the first rows×cols elements off *ws as a matrix.
func carve(ws *[]float32, rows, cols int) kernel.Matrix {
	m := kernel.MatrixFrom(rows, cols, (*ws)[:rows*cols])
	*ws = (*ws)[rows*cols:]
	return m
}
