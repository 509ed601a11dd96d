package rnn

import (
	"sync"

	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds how rnn splits work across kernel.Threads()
// goroutines (on internal/workers' pool), and when it is worth it.

// splitFlops is the least work (floating-point operations) per
// goroutine worth handing to a helper: below it, waking a helper costs
// more than it saves. rnn splits work into independent shares that
// never synchronise until they end (the rows of a product with a packed
// operand, the sequences of a batch, the windows of a training update),
// so the break-even point is lower than a Gemm's (kernel's
// gemmSplitFlops, 2²⁴ at AVX2), which also shares the packing of its
// operands: 2²² flops is some 80 µs of one core's work at AVX2, against
// a few µs to wake a helper. BenchmarkRNNSplit (threads_bench_test.go)
// measures the break-even point; its only run so far (2026-12-06, a
// 2-core Zen 3 at AVX2 with a load average of 14) is no measurement, so
// this value awaits a quiet machine. splitFlopsOverride replaces it in
// tests.
const splitFlops = 1 << 22

var splitFlopsOverride float64

// threadsFor returns how many goroutines to split work of flops
// operations into at most shares independent shares: kernel.Threads(),
// fewer if a goroutine's part would be below splitFlops, at least 1.
func threadsFor(flops float64, shares int) int {
	least := float64(splitFlops)
	if splitFlopsOverride > 0 {
		least = splitFlopsOverride
	}
	return max(1, min(kernel.Threads(), shares, int(flops/least)))
}

// part returns share i of n items split into k nearly equal shares, in
// whole units of unit items (the last share takes the rest).
func part(n, k, i, unit int) (lo, hi int) {
	units := (n + unit - 1) / unit
	return min(n, units*i/k*unit), min(n, units*(i+1)/k*unit)
}

// rowsTask computes c = x·B + beta·c with B packed, rows [lo,hi) of
// share i of parts.
type rowsTask struct {
	c, x  kernel.Matrix
	p     *kernel.PackedB
	beta  float32
	parts int
}

// rowUnit is the granularity of a split of rows, so that every row is
// computed as the unsplit product computes it: a multiple of the
// register tile height of the levels whose edge tiles go through a
// buffer (NEON's 8 rows; a share's tiles then fall where the whole
// product's do) and of AVX2's 6 and generic's 4. AVX-512's 14-row tile
// writes the rows of an edge tile through masks, each row computed as
// in a full tile, so it needs no alignment.
const rowUnit = 24

func (t *rowsTask) Run(i int) {
	lo, hi := part(t.x.Rows, t.parts, i, rowUnit)
	kernel.GemmPacked(kernel.NoTrans, 1, t.x.Slice(lo, hi, 0, t.x.Cols), t.p, t.beta, t.c.Slice(lo, hi, 0, t.c.Cols))
}

var rowsTasks = sync.Pool{New: func() any { return new(rowsTask) }}

// gemmPackedRows computes c = x·B + beta·c by kernel.GemmPacked (B
// packed, p), split by rows of x across goroutines when it is large
// enough. Every element of c is computed as the unsplit product computes
// it, so the result does not depend on the number of threads.
func gemmPackedRows(c, x kernel.Matrix, p *kernel.PackedB, beta float32) {
	flops := 2 * float64(x.Rows) * float64(p.Rows()) * float64(p.Cols())
	nt := threadsFor(flops, (x.Rows+rowUnit-1)/rowUnit)
	if nt == 1 {
		kernel.GemmPacked(kernel.NoTrans, 1, x, p, beta, c)
		return
	}
	t := rowsTasks.Get().(*rowsTask)
	*t = rowsTask{c: c, x: x, p: p, beta: beta, parts: nt}
	workers.Run(t, nt, nt)
	*t = rowsTask{} // drop the references to the caller's matrices
	rowsTasks.Put(t)
}

// funcTask runs f(i) for share i.
type funcTask func(i int)

func (f funcTask) Run(i int) { f(i) }

// runShares runs f(0..shares-1), on threads goroutines (the caller and
// helpers of internal/workers), and returns when all have returned.
func runShares(shares, threads int, f func(i int)) {
	workers.Run(funcTask(f), shares, threads)
}
