package benchtest

import (
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/cpuclock"
)

// Elementwise times fn, one call of which processes n elements (reading
// and writing 4 bytes each), in batches of about 64K elements. Besides the
// mean over wall time (ns/elem) and over CPU time (cpu-ns/elem) it reports
// the fastest batch (best-ns/elem): on a machine shared with other jobs the
// mean includes time spent preempted, the minimum hardly ever does. With a
// clock probe it reports both also per cycle (elem/cycle,
// best-elem/cycle), with the clock measured right after the timed loop.
func Elementwise(b *testing.B, n int, fn func()) {
	b.SetBytes(int64(8 * n))
	reps := max(1, 1<<16/n)
	best := time.Duration(1 << 62)
	cpu := StartCPU()
	for b.Loop() {
		t0 := time.Now()
		for range reps {
			fn()
		}
		best = min(best, time.Since(t0))
	}
	elems := n * reps
	ReportPerElem(b, elems)
	cpu.ReportPerElem(b, elems)
	bestPerElem := float64(best.Nanoseconds()) / float64(elems)
	b.ReportMetric(bestPerElem, "best-ns/elem")
	if hz := cpuclock.Hz(); hz > 0 {
		b.ReportMetric(float64(elems)*float64(b.N)/(b.Elapsed().Seconds()*hz), "elem/cycle")
		b.ReportMetric(1/(bestPerElem*1e-9*hz), "best-elem/cycle")
	}
}
