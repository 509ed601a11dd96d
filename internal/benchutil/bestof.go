package benchutil

import "time"

// BestOf returns the fastest of reps timings of inner calls of fn, per
// call, in ns, after inner calls to warm up (page in the operands, fill
// the caches and the TLB). On a machine shared with other jobs the fastest
// repeat is the one least disturbed, so it estimates the quiet-machine
// time far better than a mean or median: interference only slows a run.
func BestOf(reps, inner int, fn func()) float64 {
	for range inner {
		fn()
	}
	best := time.Duration(1 << 62)
	for range reps {
		t0 := time.Now()
		for range inner {
			fn()
		}
		best = min(best, time.Since(t0))
	}
	return float64(best.Nanoseconds()) / float64(inner)
}
