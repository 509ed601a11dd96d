package peers

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Gemv peers: the same n×n matrix-vector product in plain Go, gonum
// (blas32.Gemv, SSE assembly), vek and simdcore at each level, in one
// run. Run them on one core, since vek32.MatMul splits matrices of 100000
// or more elements over runtime.NumCPU goroutines:
//
//	go test -run '^$' -bench 'Gemv' -cpu 1 -count 6 | tee gemv.txt
//	benchstat -col /impl gemv.txt
//
// vek has no matrix-vector routine as such: impl=vek is vek32.MatMul_Into
// with x as an n×1 matrix (what vek's documentation suggests), and
// impl=vek-dot is a loop of vek32.Dot over the rows.

var gemvPeerSizes = []int{64, 256, 1024, 4096}

// gemvData returns a deterministic n×n matrix, x and dst.
func gemvData(n int) (a, x, dst []float32) {
	a, x = make([]float32, n*n), make([]float32, n)
	s := uint32(12345)
	next := func() float32 {
		s = s*1664525 + 1013904223
		return float32(int32(s)) / (1 << 31)
	}
	for i := range a {
		a[i] = next()
	}
	for i := range x {
		x[i] = next()
	}
	return a, x, make([]float32, n)
}

// gemvPure is the plain Go loop a user would write.
func gemvPure(dst, a, x []float32, n int) {
	for i := 0; i < n; i++ {
		row := a[i*n : i*n+n]
		var s float32
		for j, v := range row {
			s += v * x[j]
		}
		dst[i] = s
	}
}

// reportGemv reports GFLOP/s (2·n² flops per call) and the matrix bytes.
func reportGemv(b *testing.B, n int) {
	b.ReportMetric(2*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkGemv(b *testing.B) {
	for _, n := range gemvPeerSizes {
		a, x, dst := gemvData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.Run("impl=pure", func(b *testing.B) {
				b.SetBytes(int64(4 * n * n))
				for b.Loop() {
					gemvPure(dst, a, x, n)
				}
				reportGemv(b, n)
			})
			b.Run("impl=gonum", func(b *testing.B) {
				ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
				gx := blas32.Vector{N: n, Inc: 1, Data: x}
				gy := blas32.Vector{N: n, Inc: 1, Data: dst}
				b.SetBytes(int64(4 * n * n))
				for b.Loop() {
					blas32.Gemv(blas.NoTrans, 1, ga, gx, 0, gy)
				}
				reportGemv(b, n)
			})
			b.Run("impl=vek", func(b *testing.B) {
				b.SetBytes(int64(4 * n * n))
				for b.Loop() {
					vek32.MatMul_Into(dst, a, x, n)
				}
				reportGemv(b, n)
			})
			b.Run("impl=vek-dot", func(b *testing.B) {
				b.SetBytes(int64(4 * n * n))
				for b.Loop() {
					for i := range dst {
						dst[i] = vek32.Dot(a[i*n:i*n+n], x)
					}
				}
				reportGemv(b, n)
			})
			m := kernel.MatrixFrom(n, n, a)
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					b.SetBytes(int64(4 * n * n))
					for b.Loop() {
						kernel.Gemv(dst, m, x)
					}
					reportGemv(b, n)
				})
			}
		})
	}
}

// BenchmarkGemvT compares dst = aᵀ·x with gonum's transposed Gemv (vek
// has no transposed product).
func BenchmarkGemvT(b *testing.B) {
	for _, n := range []int{256, 1024} {
		a, x, dst := gemvData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.Run("impl=pure", func(b *testing.B) {
				b.SetBytes(int64(4 * n * n))
				for b.Loop() {
					clear(dst)
					for i := 0; i < n; i++ {
						xi := x[i]
						for j, v := range a[i*n : i*n+n] {
							dst[j] += v * xi
						}
					}
				}
				reportGemv(b, n)
			})
			b.Run("impl=gonum", func(b *testing.B) {
				ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
				gx := blas32.Vector{N: n, Inc: 1, Data: x}
				gy := blas32.Vector{N: n, Inc: 1, Data: dst}
				b.SetBytes(int64(4 * n * n))
				for b.Loop() {
					blas32.Gemv(blas.Trans, 1, ga, gx, 0, gy)
				}
				reportGemv(b, n)
			})
			m := kernel.MatrixFrom(n, n, a)
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					b.SetBytes(int64(4 * n * n))
					for b.Loop() {
						kernel.GemvT(dst, m, x)
					}
					reportGemv(b, n)
				})
			}
		})
	}
}
