package simdcore_test

// End-to-end benchmarks, one file per layer: bench_kernel_test.go (the
// kernels), bench_rnn_test.go (package rnn) and bench_attn_test.go
// (package attn), plus bench_bounds_test.go (the measured rates that the
// bounds are made of). This file holds what they share beyond
// internal/benchutil. Names have the form
//
//	BenchmarkDot/n=4096/level=avx512
//
// so benchstat can group them: compare levels as ratios within one run,
//
//	go test -run '^$' -bench . -count 6 | tee new.txt
//	benchstat -col /level new.txt
//
// Setting SIMDCORE_BENCH_LEVEL=<level> runs only that level.
//
// Besides wall-time figures most benchmarks report the same over the
// process's CPU time (cpu-GFLOP/s, cpu-ns/elem, cpu-us/op ...), which on a
// machine shared with other jobs leaves out the time spent waiting for a
// core, and some report per-cycle figures with the clock measured by a
// probe right after the timed loop (internal/cpuclock; none in builds
// without assembly).

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/kernel"
)

// Sinks keep the compiler from dropping the results of timed calls.
var (
	sinkF32 float32
	sinkInt int
)

// eachLevel runs fn as a sub-benchmark "level=<name>" at every level this
// CPU can run.
func eachLevel(b *testing.B, fn func(b *testing.B)) { benchtest.EachLevel(b, "level=", fn) }

// bySize runs fn as "n=<size>" sub-benchmarks, each swept over levels.
func bySize(b *testing.B, sizes []int, fn func(b *testing.B, n int)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			eachLevel(b, func(b *testing.B) { fn(b, n) })
		})
	}
}

// withThreads sets kernel.SetThreads(n) for the rest of b and restores
// the default (GOMAXPROCS) after it.
func withThreads(b *testing.B, n int) {
	kernel.SetThreads(n)
	b.Cleanup(func() { kernel.SetThreads(0) })
}
