package peers

// Exp and Tanh against the peers, in one run:
//
//	cd bench/peers
//	go test -run '^$' -bench 'Exp|Tanh' -count 6 | tee act.txt
//	benchstat -col /impl act.txt
//
// impl=pure is the loop a Go user would write, through float64 and the
// standard library (float32(math.Exp(float64(x)))); impl=math32 is a loop
// of chewxy/math32's float32 Exp or Tanh; impl=simdcore-<level> is
// kernel.Exp / kernel.Tanh at each level this CPU can run. gonum and vek
// have no vectorised exp or tanh. Inputs are uniform in [-8, 8), so every
// code path runs and nothing saturates.

import (
	"fmt"
	"math"
	"testing"

	"github.com/chewxy/math32"
	"github.com/simdcore/simdcore/kernel"
)

// actData returns n deterministic values in [-8, 8).
func actData(n int) []float32 {
	x := vecData(n, 7)
	for i := range x {
		x[i] *= 8
	}
	return x
}

// benchActivation runs the peers of one elementwise function: pure and
// m32 are the per-element functions, simd the kernel.
func benchActivation(b *testing.B, pure, m32 func(float32) float32, simd func(dst, src []float32)) {
	for _, n := range vectorSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			src, dst := actData(n), make([]float32, n)
			run := func(b *testing.B, fn func()) {
				b.SetBytes(int64(8 * n))
				cpu0 := processCPU()
				for b.Loop() {
					fn()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				if cpu := processCPU() - cpu0; cpu > 0 {
					b.ReportMetric(cpu*1e9/float64(b.N)/float64(n), "cpu-ns/elem")
				}
			}
			b.Run("impl=pure", func(b *testing.B) {
				run(b, func() {
					for i, v := range src {
						dst[i] = pure(v)
					}
				})
			})
			b.Run("impl=math32", func(b *testing.B) {
				run(b, func() {
					for i, v := range src {
						dst[i] = m32(v)
					}
				})
			})
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					run(b, func() { simd(dst, src) })
				})
			}
		})
	}
}

func BenchmarkExp(b *testing.B) {
	benchActivation(b,
		func(v float32) float32 { return float32(math.Exp(float64(v))) },
		math32.Exp, kernel.Exp)
}

func BenchmarkTanh(b *testing.B) {
	benchActivation(b,
		func(v float32) float32 { return float32(math.Tanh(float64(v))) },
		math32.Tanh, kernel.Tanh)
}
