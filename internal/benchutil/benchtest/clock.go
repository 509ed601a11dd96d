package benchtest

import (
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/cpuclock"
)

// ReportFLOPPerCycle reports FLOP/cycle: flopsPerOp per iteration over the
// cycles spent, the CPU time spent × the clock measured now (right after
// the timed loop, so at the clock the loop ran at). Time slices taken by
// other programs do not dilute it. It reports nothing without a clock
// probe or a CPU time.
func ReportFLOPPerCycle(b *testing.B, flopsPerOp float64, spent time.Duration) {
	if hz := cpuclock.Hz(); hz > 0 && spent > 0 {
		b.ReportMetric(flopsPerOp*float64(b.N)/spent.Seconds()/hz, "FLOP/cycle")
	}
}

// Clock is the body of a BenchmarkVectorClock: it times cpuclock.Spin
// (8 cycles per iteration) and reports the clock in GHz over wall time and
// over the process's CPU time (cpu-GHz), to turn the same run's GFLOP/s
// into FLOP/cycle. It skips the benchmark in a build without the probe.
func Clock(b *testing.B) {
	if !cpuclock.HasProbe {
		b.Skip("no clock probe in this build")
	}
	const n = 10000
	cpu := StartCPU()
	for b.Loop() {
		cpuclock.Spin(n)
	}
	b.ReportMetric(8*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GHz")
	if spent := cpu.Spent(); spent > 0 {
		b.ReportMetric(8*n*float64(b.N)/spent.Seconds()/1e9, "cpu-GHz")
	}
}
