package peers

// Dot and Axpy against the peers, in one run:
//
//	cd bench/peers
//	go test -run '^$' -bench 'Dot|Axpy|VectorClock' -count 6 | tee vector.txt
//	benchstat -col /impl vector.txt
//
// impl=pure is the loop a user would write, impl=gonum is blas32 (SSE
// assembly), impl=vek is vek32 (AVX2 assembly; it has no axpy, so Axpy is
// MulNumber_Into a scratch vector then Add_Inplace, the cheapest vek32
// composition), and impl=simdcore-<level> is kernel.Dot / kernel.Axpy
// at each level this CPU can run. The cpu-* metrics divide by the
// process's CPU time instead of wall time, which on a shared machine
// leaves out the time spent waiting for a core.

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"
)

var vectorSizes = []int{16, 256, 4096, 65536, 1 << 20}

var sinkF32 float32

// vecData returns n deterministic values in [-1, 1).
func vecData(n int, seed uint32) []float32 {
	x := make([]float32, n)
	s := seed*2654435761 + 1
	for i := range x {
		s = s*1664525 + 1013904223
		x[i] = float32(int32(s)) / (1 << 31)
	}
	return x
}

func BenchmarkDot(b *testing.B) {
	for _, n := range vectorSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y := vecData(n, 1), vecData(n, 2)
			gx := blas32.Vector{N: n, Inc: 1, Data: x}
			gy := blas32.Vector{N: n, Inc: 1, Data: y}
			flops := func(b *testing.B, cpu0 float64) {
				b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu := processCPU() - cpu0; cpu > 0 {
					b.ReportMetric(float64(2*n)*float64(b.N)/cpu/1e9, "cpu-GFLOP/s")
				}
			}
			impls := []struct {
				name string
				fn   func()
			}{
				{"pure", func() {
					var s float32
					for i := range x {
						s += x[i] * y[i]
					}
					sinkF32 += s
				}},
				{"gonum", func() { sinkF32 += blas32.Dot(gx, gy) }},
				{"vek", func() { sinkF32 += vek32.Dot(x, y) }},
			}
			for _, im := range impls {
				b.Run("impl="+im.name, func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					cpu0 := processCPU()
					for b.Loop() {
						im.fn()
					}
					flops(b, cpu0)
				})
			}
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					cpu0 := processCPU()
					for b.Loop() {
						sinkF32 += kernel.Dot(x, y)
					}
					flops(b, cpu0)
				})
			}
		})
	}
}

func BenchmarkAxpy(b *testing.B) {
	const alpha = 1e-6 // keeps y from growing or going subnormal over many calls
	for _, n := range vectorSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y, tmp := vecData(n, 1), vecData(n, 2), make([]float32, n)
			gx := blas32.Vector{N: n, Inc: 1, Data: x}
			gy := blas32.Vector{N: n, Inc: 1, Data: y}
			report := func(b *testing.B, cpu0 float64) {
				b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				if cpu := processCPU() - cpu0; cpu > 0 {
					b.ReportMetric(cpu*1e9/float64(b.N)/float64(n), "cpu-ns/elem")
				}
			}
			impls := []struct {
				name string
				fn   func()
			}{
				{"pure", func() {
					for i := range x {
						y[i] += alpha * x[i]
					}
				}},
				{"gonum", func() { blas32.Axpy(alpha, gx, gy) }},
				{"vek", func() {
					vek32.MulNumber_Into(tmp, x, alpha)
					vek32.Add_Inplace(y, tmp)
				}},
			}
			for _, im := range impls {
				b.Run("impl="+im.name, func(b *testing.B) {
					b.SetBytes(int64(12 * n))
					cpu0 := processCPU()
					for b.Loop() {
						im.fn()
					}
					report(b, cpu0)
				})
			}
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					b.SetBytes(int64(12 * n))
					cpu0 := processCPU()
					for b.Loop() {
						kernel.Axpy(alpha, x, y)
					}
					report(b, cpu0)
				})
			}
		})
	}
}
