package simdcore_test

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// gemvSizes are the square matrix sizes of the Gemv benchmarks: 64² sits
// in L1, 256² in L2, 1024² in L3 and 4096² in DRAM.
var gemvSizes = []int{64, 256, 1024, 4096}

// benchGemv runs op on an n×n matrix at every level, reporting GFLOP/s
// (2·n² flops per call) over wall time and over process CPU time
// (cpu-GFLOP/s, steadier on a shared machine), and the matrix bytes
// streamed per second. Run with -cpu 1 so that CPU time is this
// goroutine's alone:
//
//	go test -run '^$' -bench 'Gemv' -cpu 1 -count 6 . | tee gemv.txt
//	benchstat -col /level gemv.txt
func benchGemv(b *testing.B, sizes []int, op func(dst []float32, a kernel.Matrix, x []float32)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			a := kernel.MatrixFrom(n, n, filled(n*n, 1))
			x := filled(n, 2)
			dst := make([]float32, n)
			eachLevel(b, func(b *testing.B) {
				b.SetBytes(int64(4 * n * n))
				cpu0 := processCPU()
				for b.Loop() {
					op(dst, a, x)
				}
				reportFlops(b, 2*float64(n)*float64(n))
				reportCPUFlops(b, 2*float64(n)*float64(n), cpu0)
			})
		})
	}
}

func BenchmarkGemv(b *testing.B) { benchGemv(b, gemvSizes, kernel.Gemv) }

func BenchmarkGemvAdd(b *testing.B) { benchGemv(b, []int{256, 1024}, kernel.GemvAdd) }

func BenchmarkGemvT(b *testing.B) { benchGemv(b, []int{256, 1024}, kernel.GemvT) }
