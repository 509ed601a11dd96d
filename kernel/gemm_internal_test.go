//go:build linux && (amd64 || arm64) && !purego && !noasm

package kernel

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/internal/cpuclock"
)

// The calling thread's CPU time and the core clock, to turn a timing
// into cycles.
var (
	threadCPUTime = cpuclock.ThreadCPU
	probeHz       = cpuclock.Hz
)

// BenchmarkGemmMicro times the active level's microkernel alone on packed
// panels that stay in L1 (or L2 for large k): the ceiling for Gemm.
func BenchmarkGemmMicro(b *testing.B) {
	for _, l := range Available() {
		restore, _ := SetLevel(l)
		cfg := currentGemmConfig()
		for _, k := range []int{64, 128, 192, 256, 384, 512} {
			for _, lda := range []int{0, k} {
				if lda > 0 && !cfg.rowsA {
					continue
				}
				b.Run(fmt.Sprintf("k=%d/lda=%d/level=%v", k, lda, l), func(b *testing.B) {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					ap := make([]float32, cfg.mr*k)
					bp := make([]float32, cfg.nr*k)
					c := make([]float32, cfg.mr*cfg.nr)
					for i := range ap {
						ap[i] = 1e-3
					}
					for i := range bp {
						bp[i] = 1e-3
					}
					t0 := threadCPUTime()
					for i := 0; i < b.N; i++ {
						gemmMicro(cfg.kernel, k, ap, lda, bp, c, cfg.nr, 1, 1, cfg.mr, cfg.nr)
					}
					spent := threadCPUTime() - t0
					b.ReportMetric(float64(2*cfg.mr*cfg.nr*k)*float64(b.N)/spent.Seconds()/probeHz(), "FLOP/cycle")
				})
			}
		}
		restore()
	}
}

// benchGemmFLOPs times f, one Gemm of flops floating-point operations,
// on one thread locked to its OS thread (SetThreads(1)), and reports the
// calling thread's FLOP per cycle of the probed clock.
func benchGemmFLOPs(b *testing.B, flops float64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	SetThreads(1)
	defer SetThreads(0)
	t0 := threadCPUTime()
	for i := 0; i < b.N; i++ {
		f()
	}
	spent := threadCPUTime() - t0
	b.ReportMetric(flops*float64(b.N)/spent.Seconds()/probeHz(), "FLOP/cycle")
}

// BenchmarkGemmBlocks sweeps cache block sizes for the active level's
// microkernel (tuning aid; run with -bench GemmBlocks).
func BenchmarkGemmBlocks(b *testing.B) {
	for _, s := range []int{64, 256, 1024} {
		m := s
		if s == 64 {
			s = 512 // the 64×512×512 shape
		}
		a, bm, c := NewMatrix(m, s), NewMatrix(s, s), NewMatrix(m, s)
		for i := range a.Data {
			a.Data[i], bm.Data[i] = 1e-3, 1e-3
		}
		for _, l := range Available()[1:] {
			restore, _ := SetLevel(l)
			for _, kc := range []int{128, 192, 256, 384, 512} {
				for _, mc := range []int{112, 224, 448} {
					b.Run(fmt.Sprintf("m=%d,n=%d/kc=%d/mc=%d/level=%v", m, s, kc, mc, l), func(b *testing.B) {
						defer SetGemmBlocks(mc, kc, 0)()
						benchGemmFLOPs(b, 2*float64(m*s*s), func() { Gemm(NoTrans, NoTrans, 1, a, bm, 0, c) })
					})
				}
			}
			restore()
		}
	}
}

// BenchmarkGemmSplit times cubes around the size where Gemm starts to
// split products across goroutines, at 1 and 2 threads with the split
// threshold forced down, to set gemmSplitFlops: compare the ns/op of
// threads=1 and threads=2 at each size, on a quiet machine, per level.
func BenchmarkGemmSplit(b *testing.B) {
	for _, s := range []int{64, 128, 192, 256, 384, 512} {
		a, bm, c := NewMatrix(s, s), NewMatrix(s, s), NewMatrix(s, s)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("n=%d/threads=%d", s, th), func(b *testing.B) {
				SetThreads(th)
				defer SetThreads(0)
				defer SetGemmSplitFlops(1)()
				for i := 0; i < b.N; i++ {
					Gemm(NoTrans, NoTrans, 1, a, bm, 0, c)
				}
			})
		}
	}
}

// BenchmarkGemmNC sweeps nc (the width of the packed b panel) for the
// 64×512×512 shape, where b's panel is reused over few rows of a.
func BenchmarkGemmNC(b *testing.B) {
	a, bm, c := NewMatrix(64, 512), NewMatrix(512, 512), NewMatrix(64, 512)
	for _, l := range Available()[1:] {
		restore, _ := SetLevel(l)
		for _, nc := range []int{0, 96, 128, 192, 256, 512} {
			b.Run(fmt.Sprintf("nc=%d/level=%v", nc, l), func(b *testing.B) {
				defer SetGemmBlocks(0, 0, nc)()
				benchGemmFLOPs(b, 2*float64(64*512*512), func() { Gemm(NoTrans, NoTrans, 1, a, bm, 0, c) })
			})
		}
		restore()
	}
}

// BenchmarkGemmShapes times shapes the rnn and attn packages produce:
// batch-32 RNN steps (32×256×256), attention scores Q·Kᵀ (256×256×64,
// b transposed) and P·V (256×64×256), and a single row (1×1024×256).
func BenchmarkGemmShapes(b *testing.B) {
	for _, s := range [][4]int{{32, 256, 256, 0}, {256, 256, 64, 1}, {256, 64, 256, 0}, {1, 1024, 256, 0}} {
		m, n, k := s[0], s[1], s[2]
		tB := Transpose(s[3] == 1)
		a, bm, c := NewMatrix(m, k), NewMatrix(k, n), NewMatrix(m, n)
		if tB {
			bm = NewMatrix(n, k)
		}
		for _, l := range Available()[1:] {
			restore, _ := SetLevel(l)
			b.Run(fmt.Sprintf("m=%d,n=%d,k=%d,tB=%v/level=%v", m, n, k, tB, l), func(b *testing.B) {
				benchGemmFLOPs(b, 2*float64(m*n*k), func() { Gemm(NoTrans, tB, 1, a, bm, 0, c) })
			})
			restore()
		}
	}
}

// BenchmarkGemmPackedShapes times the recurrent step of rnn's batch-32
// passes at D = H = 256: c += h·W_hhᵀ with W_hh packed once
// (GemmPacked), for the Elman net, the GRU and the LSTM (n = 256, 768,
// 1024), and 28 rows beside 32, which fill two 14-row AVX-512 tiles
// exactly. rows=strided takes h and c as rnn's ForwardBatch holds one
// step of them, row b of each in sequence b's matrix of T = 100 steps
// (rows 100·k and 100·n elements apart); rows=dense as packed matrices.
func BenchmarkGemmPackedShapes(b *testing.B) {
	const T = 100
	for _, s := range [][3]int{{32, 256, 256}, {32, 768, 256}, {32, 1024, 256}, {28, 1024, 256}} {
		m, n, k := s[0], s[1], s[2]
		w := NewMatrix(n, k)
		for i := range w.Data {
			w.Data[i] = 1e-3
		}
		for _, strided := range []bool{false, true} {
			a, c := NewMatrix(m, k), NewMatrix(m, n)
			rows := "dense"
			if strided {
				a = NewMatrix(m*T, k)
				a.Rows, a.Stride = m, T*k
				a.Data = a.Data[:(m-1)*a.Stride+k]
				c = NewMatrix(m*T, n)
				c.Rows, c.Stride = m, T*n
				c.Data = c.Data[:(m-1)*c.Stride+n]
				rows = "strided"
			}
			for i := range a.Data {
				a.Data[i] = 1e-3
			}
			for _, l := range Available()[1:] {
				restore, _ := SetLevel(l)
				var p PackedB
				p.Pack(Trans, w)
				b.Run(fmt.Sprintf("m=%d,n=%d,k=%d/rows=%s/level=%v", m, n, k, rows, l), func(b *testing.B) {
					benchGemmFLOPs(b, 2*float64(m*n*k), func() { GemmPacked(NoTrans, 1, a, &p, 1, c) })
				})
				restore()
			}
		}
	}
}

// TestGemmMicroEdgeRowsKeepBits checks that the first m rows of an edge
// tile are the same bits as those rows of the full tile, at every level:
// the short loops of the AVX2 and AVX-512 microkernels (m ≤ 4; m ≤ 4 and m ≤ 8)
// must run each row's FMAs in the full loop's order. Both layouts of a
// where the level reads both (lda = 0, and lda > 0 at AVX2), and k with
// and without a remainder of 4.
func TestGemmMicroEdgeRowsKeepBits(t *testing.T) {
	for _, l := range Available() {
		restore, _ := SetLevel(l)
		cfg := currentGemmConfig()
		mr, nr := cfg.mr, cfg.nr
		for _, k := range []int{1, 3, 4, 7, 64, 257} {
			for _, lda := range []int{0, k + 5} {
				if lda > 0 && !cfg.rowsA {
					continue
				}
				alen := mr * k
				if lda > 0 {
					alen = (mr-1)*lda + k
				}
				a, b := make([]float32, alen), make([]float32, nr*k)
				for i := range a {
					a[i] = float32((i*7919)%1013)/1013 - 0.5
				}
				for i := range b {
					b[i] = float32((i*104729)%997)/997 - 0.5
				}
				for _, beta := range []float32{0, 0.75} {
					cInit := make([]float32, mr*nr)
					for i := range cInit {
						cInit[i] = float32(i%13) - 6
					}
					full := append([]float32(nil), cInit...)
					gemmMicro(cfg.kernel, k, a, lda, b, full, nr, 1.5, beta, mr, nr)
					for m := 1; m < mr; m++ {
						edge := append([]float32(nil), cInit...)
						gemmMicro(cfg.kernel, k, a, lda, b, edge, nr, 1.5, beta, m, nr)
						for i := range edge {
							want := full[i]
							if i >= m*nr {
								want = cInit[i] // rows past m untouched
							}
							if math.Float32bits(edge[i]) != math.Float32bits(want) {
								t.Fatalf("level %v k=%d lda=%d beta=%v m=%d: c[%d,%d]=%v, want %v (the %d-row tile's bits)",
									l, k, lda, beta, m, i/nr, i%nr, edge[i], want, mr)
							}
						}
					}
				}
			}
		}
		restore()
	}
}

// gemmRowsAlias: rows a multiple of 4 KiB apart share an L1 set.
func TestGemmRowsAlias(t *testing.T) {
	for stride, want := range map[int]bool{0: false, 1: false, 263: false, 512: false, 1024: true, 1025: false, 25600: true, 100 * 768: true, 100 * 257: false} {
		if got := gemmRowsAlias(stride); got != want {
			t.Errorf("gemmRowsAlias(%d) = %v, want %v", stride, got, want)
		}
	}
}
