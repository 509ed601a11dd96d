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
// windows of a training update). BenchmarkRNNSplit (threads_bench_test.go)
// measures the break-even point; on a quiet 2-core Zen 3 guest at AVX2
// (2026-12-06, -count 6, benchstat) two goroutines were 11% slower than
// one at 2²² flops each and 43% faster at 2²⁴ (waking the other virtual
// CPU is expensive on this guest), so the split starts at 2²⁴, the
// value kernel's Gemm uses at AVX2. splitFlopsOverride replaces it in
// tests.
const splitFlops = 1 << 24

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
