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
// measures the break-even point. On a quiet 2-core Zen 3 guest at AVX2
// (2026-12-06, -count 6, benchstat) two goroutines were 11% slower than
// one at 2²² flops each and 43% faster at 2²⁴ (waking the other virtual
// CPU is expensive on this guest); on a quiet 2-core Zen 5 guest at
// AVX512 (2026-12-07) they were slower up to 2²⁶ (+22% at 2²⁴, +13% at
// 2²⁶) and even at 2²⁸. So the split starts at 2²⁸, where neither
// machine loses: batch-32 ForwardBatch at D = H = 256 (2²⁸·⁶ flops per
// goroutine) still splits, and ran 1.4–1.7× faster on two threads there.
// splitFlopsOverride replaces it in tests.
const splitFlops = 1 << 28

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
