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

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"
)

var vectorSizes = []int{16, 256, 4096, 65536, 1 << 20}

// axpyAlpha keeps y from growing or going subnormal over many calls.
const axpyAlpha = 1e-6

// dotPeers returns Dot's peers over x and y.
func dotPeers(x, y []float32) []impl {
	gx := blas32.Vector{N: len(x), Inc: 1, Data: x}
	gy := blas32.Vector{N: len(y), Inc: 1, Data: y}
	return []impl{
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
}

// axpyPeers returns Axpy's peers for y += axpyAlpha·x; vek's composition
// goes through tmp.
func axpyPeers(x, y, tmp []float32) []impl {
	gx := blas32.Vector{N: len(x), Inc: 1, Data: x}
	gy := blas32.Vector{N: len(y), Inc: 1, Data: y}
	return []impl{
		{"pure", func() {
			for i := range x {
				y[i] += axpyAlpha * x[i]
			}
		}},
		{"gonum", func() { blas32.Axpy(axpyAlpha, gx, gy) }},
		{"vek", func() {
			vek32.MulNumber_Into(tmp, x, axpyAlpha)
			vek32.Add_Inplace(y, tmp)
		}},
	}
}

func BenchmarkDot(b *testing.B) {
	for _, n := range vectorSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y := benchutil.Filled(n, 1), benchutil.Filled(n, 2)
			compare(b, dotPeers(x, y), func() { sinkF32 += kernel.Dot(x, y) }, func(b *testing.B, fn func()) {
				b.SetBytes(int64(8 * n))
				cpu := benchtest.StartCPU()
				for b.Loop() {
					fn()
				}
				benchtest.ReportFlops(b, float64(2*n))
				cpu.ReportFlops(b, float64(2*n))
			})
		})
	}
}

func BenchmarkAxpy(b *testing.B) {
	for _, n := range vectorSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y, tmp := benchutil.Filled(n, 1), benchutil.Filled(n, 2), make([]float32, n)
			compare(b, axpyPeers(x, y, tmp), func() { kernel.Axpy(axpyAlpha, x, y) }, func(b *testing.B, fn func()) {
				b.SetBytes(int64(12 * n))
				cpu := benchtest.StartCPU()
				for b.Loop() {
					fn()
				}
				benchtest.ReportFlops(b, float64(2*n))
				benchtest.ReportPerElem(b, n)
				cpu.ReportPerElem(b, n)
			})
		})
	}
}

// BenchmarkVectorClock reports the core clock during the run (GHz over
// wall time, cpu-GHz over CPU time), to turn GFLOP/s into FLOP/cycle and
// compare with the per-cycle bounds.
func BenchmarkVectorClock(b *testing.B) { benchtest.Clock(b) }
