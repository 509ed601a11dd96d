package peers

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
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
// time and a clock probe (internal/cpuclock) taken right after, which
// other programs on a shared machine do not dilute.
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{64, 512, 512}, {256, 256, 256}, {1024, 1024, 1024}} {
		m, n, k := s[0], s[1], s[2]
		x, y := benchutil.Filled(m*k, 1), benchutil.Filled(k*n, 2)
		dst := make([]float32, m*n)
		ga := blas32.General{Rows: m, Cols: k, Stride: k, Data: x}
		gb := blas32.General{Rows: k, Cols: n, Stride: n, Data: y}
		gc := blas32.General{Rows: m, Cols: n, Stride: n, Data: dst}
		ka, kb, kc := kernel.MatrixFrom(m, k, x), kernel.MatrixFrom(k, n, y), kernel.MatrixFrom(m, n, dst)
		var peers []impl
		if m*n*k <= 256*256*256 {
			peers = append(peers, impl{"pure", func() { gemmPure(dst, x, y, m, n, k) }})
		}
		peers = append(peers,
			impl{"gonum", func() { blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc) }},
			impl{"vek", func() { vek32.MatMul_Into(dst, x, y, k) }})
		simd := func() { kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, ka, kb, 0, kc) }
		flops := 2 * float64(m) * float64(n) * float64(k)
		b.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, k), func(b *testing.B) {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(th))
					kernel.SetThreads(th)
					defer kernel.SetThreads(0)
					compare(b, peers, simd, func(b *testing.B, fn func()) { gemmTimed(b, flops, fn) })
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

// gemmTimed times fn, flops floating-point operations a call, and reports
// GFLOP/s over wall time and FLOP/cycle over the process's CPU time.
func gemmTimed(b *testing.B, flops float64, fn func()) {
	fn()
	b.ResetTimer()
	cpu := benchtest.StartCPU()
	for i := 0; i < b.N; i++ {
		fn()
	}
	spent := cpu.Spent()
	b.StopTimer()
	benchtest.ReportFlops(b, flops)
	benchtest.ReportFLOPPerCycle(b, flops, spent)
}
