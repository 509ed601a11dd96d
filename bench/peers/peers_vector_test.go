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
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"
)

// vectorSizes are the sizes the exp family is compared at: 16 (the cost
// of a call) to 1<<20 (L3).
var vectorSizes = []int{16, 256, 4096, 65536, 1 << 20}

// dotPeers returns Dot's peers over op.X and op.Y.
func dotPeers(op *benchutil.Op) []impl {
	x, y := op.X, op.Y
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

// axpyPeers returns Axpy's peers for y += benchutil.AxpyAlpha·x (op.X,
// op.Y); vek's composition goes through a scratch vector.
func axpyPeers(op *benchutil.Op) []impl {
	const alpha = benchutil.AxpyAlpha
	x, y, tmp := op.X, op.Y, make([]float32, len(op.X))
	gx := blas32.Vector{N: len(x), Inc: 1, Data: x}
	gy := blas32.Vector{N: len(y), Inc: 1, Data: y}
	return []impl{
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
}

func BenchmarkDot(b *testing.B)  { benchPeers(b, "Dot") }
func BenchmarkAxpy(b *testing.B) { benchPeers(b, "Axpy") }

// BenchmarkVectorClock reports the core clock during the run (GHz over
// wall time, cpu-GHz over CPU time), to turn GFLOP/s into FLOP/cycle and
// compare with the per-cycle bounds.
func BenchmarkVectorClock(b *testing.B) { benchtest.Clock(b) }
