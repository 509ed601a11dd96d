package simdcore_test

// End-to-end benchmarks. Names have the form
//
//	BenchmarkDot/n=4096/level=avx512
//
// so benchstat can group them: compare levels as ratios within one run,
//
//	go test -run '^$' -bench . -count 6 | tee new.txt
//	benchstat -col /level new.txt
//
// Each family of kernels has its own bench_<family>_test.go file; this one
// holds the shared helpers.

import (
	"fmt"
	"testing"
	"time"

	"github.com/simdcore/simdcore/kernel"
)

// eachLevel runs fn as a sub-benchmark "level=<name>" at every level this
// CPU can run.
func eachLevel(b *testing.B, fn func(b *testing.B)) {
	for _, l := range kernel.Available() {
		restore, err := kernel.SetLevel(l)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("level="+l.String(), fn)
		restore()
	}
}

// bySize runs fn as "n=<size>" sub-benchmarks, each swept over levels.
func bySize(b *testing.B, sizes []int, fn func(b *testing.B, n int)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			eachLevel(b, func(b *testing.B) { fn(b, n) })
		})
	}
}

// reportFlops reports GFLOP/s for flopsPerOp floating-point operations
// per benchmark iteration.
func reportFlops(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// reportPerElem reports ns/element for n elements per iteration.
func reportPerElem(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// filled returns n deterministic values in [-1, 1).
func filled(n int, seed uint32) []float32 {
	x := make([]float32, n)
	s := seed*2654435761 + 1
	for i := range x {
		s = s*1664525 + 1013904223
		x[i] = float32(int32(s)) / (1 << 31)
	}
	return x
}

// clockHz measures the core clock with asm.SpinAdds (a chain of dependent
// single-cycle adds): the best of a few short runs, since interruptions
// only make a run slower.
func clockHz() float64 {
	if !haveClockProbe {
		return 0
	}
	best := time.Duration(1 << 62)
	const n = 1 << 18 // 8·n = 2M cycles, about half a millisecond
	for i := 0; i < 5; i++ {
		t := time.Now()
		spinAdds(n)
		if d := time.Since(t); d < best {
			best = d
		}
	}
	return 8 * n / best.Seconds()
}

// processCPUDuration is processCPU as a time.Duration.
func processCPUDuration() time.Duration { return time.Duration(processCPU() * 1e9) }
