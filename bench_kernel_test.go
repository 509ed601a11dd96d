package simdcore_test

// Benchmarks of package kernel at every level:
//
//   - the vector kernels (Dot, Axpy by size; Sum, Max, Argmax, Scale, Add,
//     Mul at n=4096), BenchmarkSmall (each at n=16 against the loop a
//     caller would write inline) and BenchmarkVectorClock (the clock, to
//     turn the same run's GFLOP/s into FLOP/cycle):
//
//     go test -run '^$' -bench 'Dot|Axpy|Vector|Small' -count 6 | tee new.txt
//
//   - the activation and softmax kernels (Exp, Tanh, Sigmoid; Softmax,
//     LogSoftmax, LogSumExp with Exp over the same row, op=exp), over
//     inputs in [-8, 8):
//
//     go test -run '^$' -bench 'Exp|Tanh|Sigmoid|Softmax|LogSumExp' -count 6 | tee act.txt
//
//   - Gemv, GemvAdd, GemvT (run with -cpu 1 so that CPU time is this
//     goroutine's alone) and Gemm at 1 and 2 threads:
//
//     go test -run '^$' -bench 'Gemv' -cpu 1 -count 6 . | tee gemv.txt
//
// and benchstat -col /level on the output.

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
)

// vectorSizes are 16 (dispatch overhead), 256 and 4096 (L1), 65536 (L2)
// and 1<<20 (L3).
var vectorSizes = []int{16, 256, 4096, 65536, 1 << 20}

func BenchmarkDot(b *testing.B) {
	bySize(b, vectorSizes, func(b *testing.B, n int) {
		x, y := benchutil.Filled(n, 1), benchutil.Filled(n, 2)
		b.SetBytes(int64(8 * n))
		var s float32
		cpu := benchtest.StartCPU()
		for b.Loop() {
			s += kernel.Dot(x, y)
		}
		sinkF32 = s
		benchtest.ReportFlops(b, float64(2*n))
		cpu.ReportFlops(b, float64(2*n))
	})
}

func BenchmarkAxpy(b *testing.B) {
	bySize(b, vectorSizes, func(b *testing.B, n int) {
		x, y := benchutil.Filled(n, 1), benchutil.Filled(n, 2)
		b.SetBytes(int64(12 * n)) // read x and y, write y
		cpu := benchtest.StartCPU()
		for b.Loop() {
			kernel.Axpy(1e-6, x, y)
		}
		benchtest.ReportFlops(b, float64(2*n))
		benchtest.ReportPerElem(b, n)
		cpu.ReportFlops(b, float64(2*n))
		cpu.ReportPerElem(b, n)
	})
}

// BenchmarkVector times the other vector kernels at n=4096 (L1), as
// ns/element.
func BenchmarkVector(b *testing.B) {
	const n = 4096
	x, y, dst := benchutil.Filled(n, 1), benchutil.Filled(n, 2), make([]float32, n)
	run := func(name string, bytesPerElem int, fn func()) {
		b.Run(fmt.Sprintf("kernel=%s/n=%d", name, n), func(b *testing.B) {
			eachLevel(b, func(b *testing.B) {
				b.SetBytes(int64(bytesPerElem * n))
				cpu := benchtest.StartCPU()
				for b.Loop() {
					fn()
				}
				benchtest.ReportPerElem(b, n)
				cpu.ReportPerElem(b, n)
			})
		})
	}
	run("Sum", 4, func() { sinkF32 += kernel.Sum(x) })
	run("Max", 4, func() { sinkF32 += kernel.Max(x) })
	run("Argmax", 4, func() { sinkInt += kernel.Argmax(x) })
	run("Scale", 8, func() { kernel.Scale(-1, dst) }) // -1 keeps the values normal
	run("Add", 12, func() { kernel.Add(dst, x, y) })
	run("Mul", 12, func() { kernel.Mul(dst, x, y) })
}

// BenchmarkSmall measures each kernel at n=16 against the loop a caller
// would write inline (impl=inline), to bound the cost of the call, the
// checks and the dispatch; the target is within 2× of the inline loop.
func BenchmarkSmall(b *testing.B) {
	const n = 16
	x, y, dst := benchutil.Filled(n, 1), benchutil.Filled(n, 2), make([]float32, n)
	timed := func(fn func()) func(b *testing.B) {
		return func(b *testing.B) {
			cpu := benchtest.StartCPU()
			for b.Loop() {
				fn()
			}
			cpu.ReportPerOp(b)
		}
	}
	small := func(name string, inline, kern func()) {
		b.Run("kernel="+name+"/n=16", func(b *testing.B) {
			b.Run("impl=inline", timed(inline))
			benchtest.EachLevel(b, "impl=", timed(kern))
		})
	}
	small("Dot", func() {
		var s float32
		for i := range x[:n] {
			s += x[i] * y[i]
		}
		sinkF32 += s
	}, func() { sinkF32 += kernel.Dot(x, y) })
	small("Sum", func() {
		var s float32
		for _, v := range x[:n] {
			s += v
		}
		sinkF32 += s
	}, func() { sinkF32 += kernel.Sum(x) })
	small("Max", func() {
		m := x[0]
		for _, v := range x[:n] {
			if v > m || v != v {
				m = v
			}
		}
		sinkF32 += m
	}, func() { sinkF32 += kernel.Max(x) })
	small("Argmax", func() {
		best := 0
		for i, v := range x[:n] {
			if v > x[best] {
				best = i
			}
		}
		sinkInt += best
	}, func() { sinkInt += kernel.Argmax(x) })
	small("Axpy", func() {
		for i := range x[:n] {
			dst[i] += 1e-6 * x[i]
		}
	}, func() { kernel.Axpy(1e-6, x, dst) })
	small("Scale", func() {
		for i := range dst[:n] {
			dst[i] *= -1
		}
	}, func() { kernel.Scale(-1, dst) })
	small("Add", func() {
		for i := range dst[:n] {
			dst[i] = x[i] + y[i]
		}
	}, func() { kernel.Add(dst, x, y) })
	small("Mul", func() {
		for i := range dst[:n] {
			dst[i] = x[i] * y[i]
		}
	}, func() { kernel.Mul(dst, x, y) })
}

// BenchmarkVectorClock reports the core clock during the run (GHz over
// wall time, cpu-GHz over CPU time), to turn GFLOP/s into FLOP/cycle.
func BenchmarkVectorClock(b *testing.B) { benchtest.Clock(b) }

// activationSizes are 4096 (L1) and 65536 (L2).
var activationSizes = []int{4096, 65536}

// benchUnary times f over inputs in [-8, 8) of each size at every level
// (benchtest.Elementwise: ns/elem, cpu-ns/elem, best-ns/elem and, with a
// clock probe, elem/cycle and best-elem/cycle).
func benchUnary(b *testing.B, sizes []int, f func(dst, src []float32)) {
	bySize(b, sizes, func(b *testing.B, n int) {
		src, dst := benchutil.ActivationInput(n), make([]float32, n)
		benchtest.Elementwise(b, n, func() { f(dst, src) })
	})
}

func BenchmarkExp(b *testing.B)     { benchUnary(b, activationSizes, kernel.Exp) }
func BenchmarkTanh(b *testing.B)    { benchUnary(b, activationSizes, kernel.Tanh) }
func BenchmarkSigmoid(b *testing.B) { benchUnary(b, activationSizes, kernel.Sigmoid) }

// softmaxOps are the row kernels BenchmarkSoftmax times, with Exp over
// the same row (op=exp) so that softmax's cost over exp's can be read off
// one run.
var softmaxOps = []struct {
	name string
	f    func(dst, src []float32)
}{
	{"exp", kernel.Exp},
	{"softmax", kernel.Softmax},
	{"logsoftmax", kernel.LogSoftmax},
	{"logsumexp", func(dst, src []float32) { sinkF32 = kernel.LogSumExp(src) }},
}

// BenchmarkSoftmax times Softmax, LogSoftmax and LogSumExp over one row
// and Exp over the same row, sizes 4096 and 65536.
func BenchmarkSoftmax(b *testing.B) {
	for _, op := range softmaxOps {
		b.Run("op="+op.name, func(b *testing.B) { benchUnary(b, activationSizes, op.f) })
	}
}

// BenchmarkSoftmaxShort times Exp, Softmax and LogSoftmax on the short
// rows of attention and small vocabularies (n = 16 to 1024), where the
// fixed cost of a call counts:
//
//	go test -run '^$' -bench 'SoftmaxShort' -count 6 .
func BenchmarkSoftmaxShort(b *testing.B) {
	for _, op := range softmaxOps[:3] {
		b.Run("op="+op.name, func(b *testing.B) { benchUnary(b, []int{16, 64, 256, 1024}, op.f) })
	}
}

// gemvSizes are the square matrix sizes of the Gemv benchmarks: 64² sits
// in L1, 256² in L2, 1024² in L3 and 4096² in DRAM.
var gemvSizes = []int{64, 256, 1024, 4096}

// benchGemv runs op on an n×n matrix at every level, reporting GFLOP/s
// (2·n² flops per call) over wall time and over process CPU time, and the
// matrix bytes streamed per second.
func benchGemv(b *testing.B, sizes []int, op func(dst []float32, a kernel.Matrix, x []float32)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			a, x, dst := matrix(n, n, 1), benchutil.Filled(n, 2), make([]float32, n)
			eachLevel(b, func(b *testing.B) {
				b.SetBytes(int64(4 * n * n))
				cpu := benchtest.StartCPU()
				for b.Loop() {
					op(dst, a, x)
				}
				benchtest.ReportFlops(b, 2*float64(n)*float64(n))
				cpu.ReportFlops(b, 2*float64(n)*float64(n))
			})
		})
	}
}

func BenchmarkGemv(b *testing.B) { benchGemv(b, gemvSizes, kernel.Gemv) }

func BenchmarkGemvAdd(b *testing.B) { benchGemv(b, []int{256, 1024}, kernel.GemvAdd) }

func BenchmarkGemvT(b *testing.B) { benchGemv(b, []int{256, 1024}, kernel.GemvT) }

// gemmTimed times c = a·b (transposes tA, tB) with the goroutine locked to
// its thread, reporting GFLOP/s over wall time and FLOP/cycle over CPU
// time (the thread's at one kernel thread, else the process's) and the
// clock measured right after: time slices taken by other programs do not
// dilute it. Compare it with the FMA peak of 32 (AVX2: 2 ymm FMA pipes) or
// 64 (Zen 5 AVX-512: 2 zmm FMA pipes).
func gemmTimed(b *testing.B, tA, tB kernel.Transpose, a, bm, c kernel.Matrix) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	k := a.Cols
	if tA == kernel.Trans {
		k = a.Rows
	}
	flops := 2 * float64(c.Rows) * float64(c.Cols) * float64(k)
	cpu := cpuclock.ThreadCPU
	if kernel.Threads() > 1 {
		cpu = cpuclock.ProcessCPU
	}
	kernel.Gemm(tA, tB, 1, a, bm, 0, c)
	b.ResetTimer()
	t0 := cpu()
	for i := 0; i < b.N; i++ {
		kernel.Gemm(tA, tB, 1, a, bm, 0, c)
	}
	spent := cpu() - t0
	b.StopTimer()
	benchtest.ReportFlops(b, flops)
	benchtest.ReportFLOPPerCycle(b, flops, spent)
}

// BenchmarkGemm times c = a·b at every level and at 1 and 2 threads:
//
//	BenchmarkGemm/m=256,n=256,k=256/threads=1/level=avx512
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{64, 512, 512}, {256, 256, 256}, {1024, 1024, 1024}} {
		m, n, k := s[0], s[1], s[2]
		a, bm, c := matrix(m, k, 1), matrix(k, n, 2), kernel.NewMatrix(m, n)
		b.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, k), func(b *testing.B) {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
					withThreads(b, th)
					eachLevel(b, func(b *testing.B) { gemmTimed(b, kernel.NoTrans, kernel.NoTrans, a, bm, c) })
				})
			}
		})
	}
}

// BenchmarkGemmTrans times the four transpose combinations at 256³ on
// the active level, single-threaded: the packing routines differ.
func BenchmarkGemmTrans(b *testing.B) {
	const s = 256
	a, bm, c := matrix(s, s, 1), matrix(s, s, 2), kernel.NewMatrix(s, s)
	withThreads(b, 1)
	for _, tA := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
		for _, tB := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
			b.Run(fmt.Sprintf("tA=%v,tB=%v", tA, tB), func(b *testing.B) { gemmTimed(b, tA, tB, a, bm, c) })
		}
	}
}
