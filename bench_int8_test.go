package simdcore_test

// Benchmarks of the int8 kernels at every int8 path this CPU runs
// ("int8=<path>"), each beside its float32 counterpart at the most
// capable level ("float=<kernel>"), on the operands benchutil.NewOp gives
// their classes (the QGemv family's and QGemm's calls quantize their
// activations each time, as a model's step must):
//
//	go test -run '^$' -bench 'QGemv|QGemm|DotInt8' -cpu 1 -count 6 . | tee int8.txt
//
// QGemv at 1024×1024 streams 1 MiB of int8 weights where Gemv streams
// 4 MiB of float32. BenchmarkQGemmPeak states QGemm against this core's
// int8 multiply-accumulate peak:
//
//	go test -run '^$' -bench 'QGemmPeak|Bounds' -cpu 1 -count 6 . | tee qgemm.txt

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/internal/machbound"
	"github.com/simdcore/simdcore/kernel"
)

func BenchmarkDotInt8(b *testing.B)  { benchInt8(b, "DotInt8", "Dot") }
func BenchmarkQGemv(b *testing.B)    { benchInt8(b, "QGemv", "Gemv") }
func BenchmarkQGemvAdd(b *testing.B) { benchInt8(b, "QGemvAdd", "GemvAdd") }
func BenchmarkQGemm(b *testing.B)    { benchInt8(b, "QGemm", "Gemm") }

// benchInt8 times the table's int8 kernel name at each of its sizes and
// int8 paths, and the float kernel at the same size.
func benchInt8(b *testing.B, name, float string) {
	s, ok := kernel.SpecOf(name)
	f, okf := kernel.SpecOf(float)
	if !ok || !okf {
		b.Fatalf("no kernel %s or %s in the table", name, float)
	}
	for _, n := range s.Sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			op := benchutil.NewOp(s, n)
			benchtest.EachInt8Path(b, "int8=", func(b *testing.B) { timeOp(b, op) })
			fop := benchutil.NewOp(f, n)
			b.Run("float="+float+"/level="+kernel.Active().String(), func(b *testing.B) { timeOp(b, fop) })
		})
	}
}

// BenchmarkQGemmPeak times QGemm alone (its activations quantized once,
// before the loop) on n×n operands at each int8 path, and reports
// MAC/cycle over the thread's CPU time and peak-frac: that rate over the
// int8 multiply-accumulate peak machbound measures in the same process
// at the same path (BenchmarkBounds' MAC/cycle), the fraction the issue
// asks to be at least 0.8 at n=256 and n=1024.
func BenchmarkQGemmPeak(b *testing.B) {
	withThreads(b, 1)
	for _, n := range []int{256, 1024} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			w, err := kernel.QuantizeMatrix(benchutil.Matrix(n, n, 1))
			if err != nil {
				b.Fatal(err)
			}
			var x kernel.QBatch
			x.Quantize(benchutil.Matrix(n, n, 2))
			c := kernel.NewMatrix(n, n)
			benchtest.EachInt8Path(b, "int8=", func(b *testing.B) {
				if n > 256 && kernel.ActiveInt8() == kernel.Int8Generic {
					b.Skip("the generic path takes seconds per call at this size")
				}
				peak := machbound.Get().Int8
				cpu := benchtest.StartCPU()
				for b.Loop() {
					kernel.QGemm(c, &x, w)
				}
				macs := float64(n) * float64(n) * float64(n) * float64(b.N)
				spent := cpu.Spent()
				if hz := cpuclock.Hz(); hz > 0 && spent > 0 {
					perCycle := macs / spent.Seconds() / hz
					b.ReportMetric(perCycle, "MAC/cycle")
					if peak > 0 {
						b.ReportMetric(perCycle/peak, "peak-frac")
					}
				}
			})
		})
	}
}
