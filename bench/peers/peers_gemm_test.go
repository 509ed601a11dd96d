package peers

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkGemm compares c = a·b (row-major, float32) across
// implementations in one run:
//
//	BenchmarkGemm/m=256,n=256,k=256/threads=1/impl=gonum
//
// impl=pure is the triple loop a user would write (i-p-j order, small
// sizes only); impl=gonum is blas32.Gemm; impl=vek is vek32.MatMul_Into
// (row-major x (m×n) times y (n×p), into dst); impl=simdcore-<level> is
// kernel.Gemm at that level. threads=t sets runtime.GOMAXPROCS(t) for
// every implementation (gonum and vek split large products across
// goroutines by themselves) and kernel.SetThreads(t).
//
// Metrics: GFLOP/s from wall time, and FLOP/cycle from the process's CPU
// time and a clock probe (asm.SpinAdds) taken right after, which other
// programs on a shared machine do not dilute.
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{64, 512, 512}, {256, 256, 256}, {1024, 1024, 1024}} {
		m, n, k := s[0], s[1], s[2]
		x, y := gemmFilled(m*k, 1), gemmFilled(k*n, 2)
		dst := make([]float32, m*n)
		flops := 2 * float64(m) * float64(n) * float64(k)
		b.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, k), func(b *testing.B) {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(th))
					kernel.SetThreads(th)
					defer kernel.SetThreads(0)
					if m*n*k <= 256*256*256 {
						b.Run("impl=pure", func(b *testing.B) {
							gemmTimed(b, flops, func() { gemmPure(dst, x, y, m, n, k) })
						})
					}
					b.Run("impl=gonum", func(b *testing.B) {
						ga := blas32.General{Rows: m, Cols: k, Stride: k, Data: x}
						gb := blas32.General{Rows: k, Cols: n, Stride: n, Data: y}
						gc := blas32.General{Rows: m, Cols: n, Stride: n, Data: dst}
						gemmTimed(b, flops, func() { blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc) })
					})
					b.Run("impl=vek", func(b *testing.B) {
						gemmTimed(b, flops, func() { vek32.MatMul_Into(dst, x, y, k) })
					})
					for _, l := range kernel.Available() {
						withLevel(b, l, func(b *testing.B) {
							ka, kb, kc := kernel.MatrixFrom(m, k, x), kernel.MatrixFrom(k, n, y), kernel.MatrixFrom(m, n, dst)
							gemmTimed(b, flops, func() { kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, ka, kb, 0, kc) })
						})
					}
				})
			}
		})
	}
}

// gemmPure is the plain Go loop: c = a·b, i-p-j order so the inner loop
// runs along rows.
func gemmPure(c, a, b []float32, m, n, k int) {
	for i := 0; i < m; i++ {
		crow := c[i*n : (i+1)*n]
		clear(crow)
		for p := 0; p < k; p++ {
			av := a[i*k+p]
			brow := b[p*n : (p+1)*n]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}

func gemmTimed(b *testing.B, flops float64, fn func()) {
	fn()
	b.ResetTimer()
	t0 := processCPU()
	for i := 0; i < b.N; i++ {
		fn()
	}
	spent := processCPU() - t0
	b.StopTimer()
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if hz := clockHz(); hz > 0 && spent > 0 {
		b.ReportMetric(flops*float64(b.N)/spent/hz, "FLOP/cycle")
	}
}

func gemmFilled(n int, seed uint32) []float32 {
	x := make([]float32, n)
	s := seed*2654435761 + 1
	for i := range x {
		s = s*1664525 + 1013904223
		x[i] = float32(int32(s)) / (1 << 31)
	}
	return x
}
