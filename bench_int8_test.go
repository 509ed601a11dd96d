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
// 4 MiB of float32.

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
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
