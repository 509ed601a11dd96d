//go:build (amd64 || arm64) && !purego && !noasm

package peers

import (
	"testing"

	"github.com/simdcore/simdcore/internal/cpuclock"
)

var sinkInt int

// BenchmarkVectorClock reports the core clock during the run (a chain of
// dependent adds, cpuclock.Spin: 8 cycles per iteration), to turn
// GFLOP/s into FLOP/cycle and compare with the per-cycle bounds.
func BenchmarkVectorClock(b *testing.B) {
	const n = 10000
	cpu0 := processCPU()
	for b.Loop() {
		sinkInt += cpuclock.Spin(n)
	}
	b.ReportMetric(8*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GHz")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(8*n*float64(b.N)/cpu/1e9, "cpu-GHz")
	}
}
