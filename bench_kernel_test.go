package simdcore_test

// Benchmarks of package kernel at every level:
//
//   - the vector kernels (Dot, Axpy by size; every vector kernel of the
//     kernel table at n=4096), BenchmarkSmall (each at n=16 against the loop a
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
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
)

// Every kernel of the kernel table (kernel.Specs) is timed on the
// operands and with the costs that benchutil.NewOp gives its class.
// BenchmarkVector times every vector kernel at n=4096, so that a new row
// of the table is benchmarked with no edit here; the kernels with a
// benchmark of their own (BenchmarkDot ... BenchmarkGemvT, one line each)
// are timed at every size of their table row.

// benchKernel times the table's kernel name at each of its sizes and
// every level: "n=<size>/level=<level>".
func benchKernel(b *testing.B, name string) {
	s, ok := kernel.SpecOf(name)
	if !ok {
		b.Fatalf("no kernel %s in the table", name)
	}
	bySize(b, s.Sizes, func(b *testing.B, n int) { timeOp(b, benchutil.NewOp(s, n)) })
}

// timeOp times op.Call (benchtest.Time).
func timeOp(b *testing.B, op benchutil.Op) { benchtest.Time(b, op, op.Call) }

func BenchmarkDot(b *testing.B)     { benchKernel(b, "Dot") }
func BenchmarkAxpy(b *testing.B)    { benchKernel(b, "Axpy") }
func BenchmarkExp(b *testing.B)     { benchKernel(b, "Exp") }
func BenchmarkTanh(b *testing.B)    { benchKernel(b, "Tanh") }
func BenchmarkSigmoid(b *testing.B) { benchKernel(b, "Sigmoid") }

// Gemv, GemvAdd, GemvT on n×n matrices (64² sits in L1, 256² in L2, 1024²
// in L3 and 4096² in DRAM), reporting GFLOP/s and the matrix bytes
// streamed per second.
func BenchmarkGemv(b *testing.B)    { benchKernel(b, "Gemv") }
func BenchmarkGemvAdd(b *testing.B) { benchKernel(b, "GemvAdd") }
func BenchmarkGemvT(b *testing.B)   { benchKernel(b, "GemvT") }

// LSTMCell and GRUCell at hidden sizes 64 to 4096, reporting ns per unit.
func BenchmarkLSTMCell(b *testing.B) { benchKernel(b, "LSTMCell") }
func BenchmarkGRUCell(b *testing.B)  { benchKernel(b, "GRUCell") }

// LayerNorm (γ and β) and RMSNorm (γ) over one row of 64 to 4096
// elements, the widths of small transformers, reporting ns per element:
//
//	go test -run '^$' -bench 'Norm$' -count 6 .
func BenchmarkLayerNorm(b *testing.B) { benchKernel(b, "LayerNorm") }
func BenchmarkRMSNorm(b *testing.B)   { benchKernel(b, "RMSNorm") }

// vectorKernel reports whether s is a kernel over vectors (not a matrix
// kernel, float or int8, not an internal pass).
func vectorKernel(s kernel.Spec) bool {
	switch s.Class {
	case kernel.ClassGemv, kernel.ClassGemm, kernel.ClassQGemv, kernel.ClassQGemm:
		return false
	}
	return true
}

// softmaxFamily reports whether s is timed by BenchmarkSoftmax: the row
// kernels and LogSumExp (the table's row-sum contract).
func softmaxFamily(s kernel.Spec) bool {
	return s.Class == kernel.ClassRow || s.Contract.Kind == kernel.RowSum
}

// BenchmarkVector times every vector kernel of the table (all but the
// Gemv family and Gemm) at n=4096 (L1), a new row included:
// "kernel=<name>/n=4096/level=<level>".
func BenchmarkVector(b *testing.B) {
	const n = 4096
	for _, s := range filterSpecs(vectorKernel) {
		op := benchutil.NewOp(s, n)
		b.Run(fmt.Sprintf("kernel=%s/n=%d", s.Name, n), func(b *testing.B) {
			eachLevel(b, func(b *testing.B) { timeOp(b, op) })
		})
	}
}

// inlineLoops are the loops a caller would write inline in place of a
// kernel, over the operands of its benchutil.Op.
var inlineLoops = map[string]func(op *benchutil.Op) func(){
	"Dot": func(op *benchutil.Op) func() {
		x, y := op.X, op.Y
		return func() {
			var s float32
			for i := range x {
				s += x[i] * y[i]
			}
			sinkF32 += s
		}
	},
	"Sum": func(op *benchutil.Op) func() {
		x := op.X
		return func() {
			var s float32
			for _, v := range x {
				s += v
			}
			sinkF32 += s
		}
	},
	"Max": func(op *benchutil.Op) func() {
		x := op.X
		return func() {
			m := x[0]
			for _, v := range x {
				if v > m || v != v {
					m = v
				}
			}
			sinkF32 += m
		}
	},
	"Argmax": func(op *benchutil.Op) func() {
		x := op.X
		return func() {
			best := 0
			for i, v := range x {
				if v > x[best] {
					best = i
				}
			}
			sinkInt += best
		}
	},
	"Axpy": func(op *benchutil.Op) func() {
		x, y := op.X, op.Y
		return func() {
			for i := range x {
				y[i] += benchutil.AxpyAlpha * x[i]
			}
		}
	},
	"Scale": func(op *benchutil.Op) func() {
		x := op.X
		return func() {
			for i := range x {
				x[i] *= benchutil.ScaleAlpha
			}
		}
	},
	"Add": func(op *benchutil.Op) func() {
		x, y, dst := op.X, op.Y, op.Dst
		return func() {
			for i := range dst {
				dst[i] = x[i] + y[i]
			}
		}
	},
	"Mul": func(op *benchutil.Op) func() {
		x, y, dst := op.X, op.Y, op.Dst
		return func() {
			for i := range dst {
				dst[i] = x[i] * y[i]
			}
		}
	},
}

// BenchmarkSmall measures each kernel of the table that has an inline
// loop above at n=16 against that loop (impl=inline), to bound the cost
// of the call, the checks and the dispatch; the target is within 2× of
// the inline loop: "kernel=<name>/n=16/impl=<inline or level>".
func BenchmarkSmall(b *testing.B) {
	const n = 16
	timed := func(fn func()) func(b *testing.B) {
		return func(b *testing.B) {
			cpu := benchtest.StartCPU()
			for b.Loop() {
				fn()
			}
			cpu.ReportPerOp(b)
		}
	}
	for _, s := range kernel.Specs() {
		inline, ok := inlineLoops[s.Name]
		if !ok {
			continue
		}
		op := benchutil.NewOp(s, n)
		b.Run(fmt.Sprintf("kernel=%s/n=%d", s.Name, n), func(b *testing.B) {
			b.Run("impl=inline", timed(inline(&op)))
			benchtest.EachLevel(b, "impl=", timed(op.Call))
		})
	}
}

// BenchmarkVectorClock reports the core clock during the run (GHz over
// wall time, cpu-GHz over CPU time), to turn GFLOP/s into FLOP/cycle.
func BenchmarkVectorClock(b *testing.B) { benchtest.Clock(b) }

// softmaxOp names the kernel s in BenchmarkSoftmax: "op=softmax".
func softmaxOp(s kernel.Spec) string { return "op=" + strings.ToLower(s.Name) }

// BenchmarkSoftmax times the softmax family (Softmax, LogSoftmax,
// LogSumExp) over one row, and Exp over the same row (op=exp) so that
// softmax's cost over exp's can be read off one run, at the sizes of
// each one's table row (benchtest.Elementwise's metrics).
func BenchmarkSoftmax(b *testing.B) {
	exp, _ := kernel.SpecOf("Exp")
	for _, s := range append([]kernel.Spec{exp}, filterSpecs(softmaxFamily)...) {
		b.Run(softmaxOp(s), func(b *testing.B) {
			bySize(b, s.Sizes, func(b *testing.B, n int) {
				op := benchutil.NewOp(s, n)
				benchtest.Elementwise(b, n, op.Call)
			})
		})
	}
}

// BenchmarkSoftmaxShort times Exp and the row kernels (Softmax,
// LogSoftmax) on the short rows of attention and small vocabularies (n =
// 16 to 1024), where the fixed cost of a call counts:
//
//	go test -run '^$' -bench 'SoftmaxShort' -count 6 .
func BenchmarkSoftmaxShort(b *testing.B) {
	exp, _ := kernel.SpecOf("Exp")
	rows := filterSpecs(func(s kernel.Spec) bool { return s.Class == kernel.ClassRow })
	for _, s := range append([]kernel.Spec{exp}, rows...) {
		b.Run(softmaxOp(s), func(b *testing.B) {
			bySize(b, []int{16, 64, 256, 1024}, func(b *testing.B, n int) { timeOp(b, benchutil.NewOp(s, n)) })
		})
	}
}

// filterSpecs returns the kernels of the table that keep reports true, in
// the table's order.
func filterSpecs(keep func(kernel.Spec) bool) []kernel.Spec {
	var out []kernel.Spec
	for _, s := range kernel.Specs() {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// gemmTimed times c = a·b (transposes tA, tB) with the goroutine locked to
// its thread, reporting GFLOP/s over wall time and FLOP/cycle over CPU
// time (the thread's at one kernel thread, else the process's) and the
// clock measured right after: time slices taken by other programs do not
// dilute it. Compare it with the FMA peak of this core that
// BenchmarkBounds reports (measured by internal/machbound in the same run).
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
		a, bm, c := benchutil.Matrix(m, k, 1), benchutil.Matrix(k, n, 2), kernel.NewMatrix(m, n)
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
	a, bm, c := benchutil.Matrix(s, s, 1), benchutil.Matrix(s, s, 2), kernel.NewMatrix(s, s)
	withThreads(b, 1)
	for _, tA := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
		for _, tB := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
			b.Run(fmt.Sprintf("tA=%v,tB=%v", tA, tB), func(b *testing.B) { gemmTimed(b, tA, tB, a, bm, c) })
		}
	}
}
