package cpuclock

import "time"

// probeIters is the length of one probe run: 8·2^18 = 2M cycles, about
// half a millisecond.
const probeIters = 1 << 18

// Hz returns the core clock now, in cycles per second: the best of five
// timed Spin runs, since an interruption can only make a run slower. It
// returns 0 if the build has no probe (HasProbe false).
func Hz() float64 {
	if !HasProbe {
		return 0
	}
	best := time.Duration(1 << 62)
	for range 5 {
		t := time.Now()
		Spin(probeIters)
		best = min(best, time.Since(t))
	}
	return 8 * probeIters / best.Seconds()
}

// GHz is Hz in GHz (cycles per ns).
func GHz() float64 { return Hz() / 1e9 }
