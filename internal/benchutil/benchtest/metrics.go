package benchtest

import (
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/cpuclock"
)

// ReportFlops reports GFLOP/s over wall time, for flopsPerOp floating-point
// operations per benchmark iteration.
func ReportFlops(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// ReportPerElem reports ns/elem over wall time, for n elements per
// iteration.
func ReportPerElem(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// CPU is a reading of the process's CPU time, taken before a timed loop;
// its methods report the cpu-* metrics over the CPU time spent since. They
// report nothing where the system has no CPU clock (Spent is then 0).
type CPU struct{ start time.Duration }

// StartCPU reads the process's CPU time now.
func StartCPU() CPU { return CPU{cpuclock.ProcessCPU()} }

// Spent returns the process's CPU time since c was read.
func (c CPU) Spent() time.Duration { return cpuclock.ProcessCPU() - c.start }

// ReportFlops reports cpu-GFLOP/s, for flopsPerOp per iteration.
func (c CPU) ReportFlops(b *testing.B, flopsPerOp float64) {
	if cpu := c.Spent(); cpu > 0 {
		b.ReportMetric(flopsPerOp*float64(b.N)/cpu.Seconds()/1e9, "cpu-GFLOP/s")
	}
}

// ReportPerElem reports cpu-ns/elem, for n elements per iteration.
func (c CPU) ReportPerElem(b *testing.B, n int) {
	if cpu := c.Spent(); cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/elem")
	}
}

// ReportPerOp reports cpu-ns/op.
func (c CPU) ReportPerOp(b *testing.B) {
	if cpu := c.Spent(); cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
