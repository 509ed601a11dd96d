package simdcore_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// BenchmarkGemm times c = a·b for the sizes of issue 5 at every level and
// at 1 and 2 threads:
//
//	BenchmarkGemm/m=256,n=256,k=256/threads=1/level=avx512
//
// It reports GFLOP/s (wall time) and FLOP/cycle: flops per cycle of CPU
// time actually spent (the calling thread's CPU time at 1 thread, the
// process's at 2, times the clock measured by a probe right after each
// sub-benchmark, see clockHz), which time slices taken by other programs
// on a shared machine do not dilute. Compare it with the FMA peak of 32
// (AVX2: 2 ymm FMA pipes) or 64 (Zen 5 AVX-512: 2 zmm FMA pipes).
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{64, 512, 512}, {256, 256, 256}, {1024, 1024, 1024}} {
		m, n, k := s[0], s[1], s[2]
		a := kernel.MatrixFrom(m, k, filled(m*k, 1))
		bm := kernel.MatrixFrom(k, n, filled(k*n, 2))
		c := kernel.NewMatrix(m, n)
		b.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, k), func(b *testing.B) {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
					kernel.SetThreads(th)
					defer kernel.SetThreads(0)
					eachLevel(b, func(b *testing.B) {
						flops := 2 * float64(m) * float64(n) * float64(k)
						runtime.LockOSThread()
						defer runtime.UnlockOSThread()
						kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, a, bm, 0, c)
						cpu := threadCPU
						if th > 1 {
							cpu = processCPUDuration
						}
						b.ResetTimer()
						t0 := cpu()
						for i := 0; i < b.N; i++ {
							kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, a, bm, 0, c)
						}
						spent := cpu() - t0
						b.StopTimer()
						reportFlops(b, flops)
						if hz := clockHz(); hz > 0 && spent > 0 {
							b.ReportMetric(flops*float64(b.N)/spent.Seconds()/hz, "FLOP/cycle")
						}
					})
				})
			}
		})
	}
}

// BenchmarkGemmTrans times the four transpose combinations at 256³ on
// the active level, single-threaded: the packing routines differ.
func BenchmarkGemmTrans(b *testing.B) {
	const s = 256
	a := kernel.MatrixFrom(s, s, filled(s*s, 1))
	bm := kernel.MatrixFrom(s, s, filled(s*s, 2))
	c := kernel.NewMatrix(s, s)
	kernel.SetThreads(1)
	defer kernel.SetThreads(0)
	for _, tA := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
		for _, tB := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
			b.Run(fmt.Sprintf("tA=%v,tB=%v", tA, tB), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				flops := 2 * float64(s*s*s)
				t0 := threadCPU()
				for i := 0; i < b.N; i++ {
					kernel.Gemm(tA, tB, 1, a, bm, 0, c)
				}
				spent := threadCPU() - t0
				reportFlops(b, flops)
				if hz := clockHz(); hz > 0 && spent > 0 {
					b.ReportMetric(flops*float64(b.N)/spent.Seconds()/hz, "FLOP/cycle")
				}
			})
		}
	}
}
