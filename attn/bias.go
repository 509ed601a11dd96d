package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// biasSplitMin is the number of elements of a matrix above which
// addBiasRows spreads its rows over kernel.Threads() goroutines: 2^17
// additions (tens of microseconds, mostly reading the matrix back from
// L3 after the product that wrote it) against a hand-off of a few
// microseconds. Below it, one goroutine adds the bias.
const biasSplitMin = 1 << 17

// biasBandRows is the number of rows in one share of the split bias pass.
const biasBandRows = 64

// addBiasRows adds b to every row of a (nothing for a nil b). A large
// matrix is split by bands of rows over up to kernel.Threads() goroutines
// (the projections of a long prefill: a serial pass after a product that
// ran on every thread would leave them idle); each element gets the same
// single addition either way, so the bits do not depend on the thread
// count. It allocates nothing in the steady state.
func addBiasRows(a kernel.Matrix, b []float32) {
	if b == nil || a.Rows == 0 {
		return
	}
	bands := (a.Rows + biasBandRows - 1) / biasBandRows
	threads := 1
	if a.Rows*a.Cols >= biasSplitMin {
		threads = min(kernel.Threads(), bands)
	}
	if threads <= 1 {
		addBiasBand(a, b, 0, a.Rows)
		return
	}
	t := biasTasks.Get()
	t.a, t.b = a, b
	t.group.Run(t, bands, threads)
	t.a, t.b = kernel.Matrix{}, nil // keep no reference to the caller's data
	biasTasks.Put(t)
}

// addBiasBand adds b to rows [r0, r1) of a.
func addBiasBand(a kernel.Matrix, b []float32, r0, r1 int) {
	for i := r0; i < r1; i++ {
		r := a.Row(i)
		kernel.Add(r, r, b)
	}
}

// biasTask is addBiasRows' parallel case as a workers.Task: share i is
// rows [i·biasBandRows, (i+1)·biasBandRows). Pooled, so that a parallel
// call allocates nothing.
type biasTask struct {
	a     kernel.Matrix
	b     []float32
	group workers.Group
}

func (t *biasTask) Run(i int) {
	r0 := i * biasBandRows
	addBiasBand(t.a, t.b, r0, min(r0+biasBandRows, t.a.Rows))
}

var biasTasks scratch.Pool[biasTask]
