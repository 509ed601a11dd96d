package simdcore_test

// Benchmarks of the activation and softmax kernels (issue 3) at every
// level, n = 4096 (L1) and 65536 (L2):
//
//	go test -run '^$' -bench 'Exp|Tanh|Sigmoid|Softmax|LogSumExp' -count 6 | tee act.txt
//	benchstat -col /level act.txt
//
// Each reports ns/elem, elem/cycle (against a clock probe taken in the
// same benchmark, right after its timed loop) and cpu-ns/elem (over the
// process's CPU time, which leaves out time spent waiting for a core on
// a shared machine). The inputs are uniform in [-8, 8): every code path
// of the kernels, nothing saturated. BenchmarkSoftmax also times Exp
// over the same row (op=exp) so the 1.3× target can be read off one run.

import (
	"testing"
	"time"

	"github.com/simdcore/simdcore/kernel"
)

var activationSizes = []int{4096, 65536}

// actInput returns n values in [-8, 8).
func actInput(n int) []float32 {
	x := filled(n, 7)
	for i := range x {
		x[i] *= 8
	}
	return x
}

// reportPerCycle reports elements per core cycle, with the clock measured
// now (after the timed loop, so at the clock the loop ran at).
func reportPerCycle(b *testing.B, n int) {
	if hz := clockHz(); hz > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/(b.Elapsed().Seconds()*hz), "elem/cycle")
	}
}

func benchUnary(b *testing.B, f func(dst, src []float32)) {
	benchUnarySizes(b, activationSizes, f)
}

func benchUnarySizes(b *testing.B, sizes []int, f func(dst, src []float32)) {
	bySize(b, sizes, func(b *testing.B, n int) {
		src := actInput(n)
		dst := make([]float32, n)
		b.SetBytes(int64(8 * n))
		cpu0 := processCPU()
		// Besides the mean, keep the fastest of batches of about 64K
		// elements: on a machine shared with other jobs the mean
		// includes time spent preempted, the minimum hardly ever does.
		reps := max(1, 1<<16/n)
		best := time.Duration(1 << 62)
		for b.Loop() {
			t0 := time.Now()
			for range reps {
				f(dst, src)
			}
			if d := time.Since(t0); d < best {
				best = d
			}
		}
		reportPerElem(b, n*reps)
		reportCPUPerElem(b, n*reps, cpu0)
		reportPerCycle(b, n*reps)
		perElem := float64(best.Nanoseconds()) / float64(n*reps)
		b.ReportMetric(perElem, "best-ns/elem")
		if hz := clockHz(); hz > 0 {
			b.ReportMetric(1/(perElem*1e-9*hz), "best-elem/cycle")
		}
	})
}

func BenchmarkExp(b *testing.B)     { benchUnary(b, kernel.Exp) }
func BenchmarkTanh(b *testing.B)    { benchUnary(b, kernel.Tanh) }
func BenchmarkSigmoid(b *testing.B) { benchUnary(b, kernel.Sigmoid) }

// BenchmarkSoftmax times Softmax, LogSoftmax and LogSumExp over one row
// and Exp over the same row (op=exp), sizes 4096 and 65536.
func BenchmarkSoftmax(b *testing.B) {
	ops := []struct {
		name string
		f    func(dst, src []float32)
	}{
		{"exp", kernel.Exp},
		{"softmax", kernel.Softmax},
		{"logsoftmax", kernel.LogSoftmax},
		{"logsumexp", func(dst, src []float32) { sinkF32 = kernel.LogSumExp(src) }},
	}
	for _, op := range ops {
		b.Run("op="+op.name, func(b *testing.B) { benchUnary(b, op.f) })
	}
}

// BenchmarkSoftmaxShort times Softmax and LogSoftmax on the short rows of
// attention and small vocabularies (n = 16 to 1024), where the fixed cost
// of a call counts, with Exp over the same row (op=exp):
//
//	go test -run '^$' -bench 'SoftmaxShort' -count 6 .
func BenchmarkSoftmaxShort(b *testing.B) {
	ops := []struct {
		name string
		f    func(dst, src []float32)
	}{{"exp", kernel.Exp}, {"softmax", kernel.Softmax}, {"logsoftmax", kernel.LogSoftmax}}
	for _, op := range ops {
		b.Run("op="+op.name, func(b *testing.B) { benchUnarySizes(b, []int{16, 64, 256, 1024}, op.f) })
	}
}
