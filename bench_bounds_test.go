package simdcore_test

import (
	"testing"

	"github.com/simdcore/simdcore/internal/machbound"
)

// BenchmarkBounds reports, at each level, the rates the benchmarks'
// bounds are made of, as measured in this process (internal/machbound;
// measured once per level and process, so -count repeats the same
// figures): FLOP/cycle (FMA peak), L1-B/cycle and L2-B/cycle (read
// bandwidth), MAC/cycle (the int8 multiply-accumulate peak at the level's
// most capable int8 path: kernel.ActiveInt8), GHz (the clock measured with them) and agreed (of
// machbound.Trials runs per rate, the fewest within 10% of the best).
// Its ns/op is only the cost of looking the rates up. Nothing is reported
// where the rates are unknown (no clock probe in the build).
func BenchmarkBounds(b *testing.B) {
	eachLevel(b, func(b *testing.B) {
		r := machbound.Get()
		for b.Loop() {
			r = machbound.Get()
		}
		if r.GHz <= 0 {
			return
		}
		b.ReportMetric(r.FMA, "FLOP/cycle")
		b.ReportMetric(r.L1, "L1-B/cycle")
		b.ReportMetric(r.L2, "L2-B/cycle")
		b.ReportMetric(r.Int8, "MAC/cycle")
		b.ReportMetric(r.GHz, "GHz")
		b.ReportMetric(float64(r.Agreed), "agreed")
	})
}
