package rnn

import (
	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds how rnn splits work across kernel.Threads()
// goroutines (on internal/workers' pool), and when it is worth it.

// splitFlops is the least work (floating-point operations) per
// goroutine worth handing to a helper: below it, waking a helper costs
// more than it saves. rnn splits work into independent shares that
// never synchronise until they end (the sequences of a batch, the
// windows of a training update),
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

// funcTask runs f(i) for share i.
type funcTask func(i int)

func (f funcTask) Run(i int) { f(i) }

// runShares runs f(0..shares-1), on threads goroutines (the caller and
// helpers of internal/workers), and returns when all have returned.
func runShares(shares, threads int, f func(i int)) {
	workers.Run(funcTask(f), shares, threads)
}
