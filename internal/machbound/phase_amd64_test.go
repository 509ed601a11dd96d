//go:build !purego && !noasm

package machbound

import (
	"runtime"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/asm"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
)

// BenchmarkProbeAgainstGemmMicro alternates, in blocks of about 0.2 ms on
// one locked thread, this package's AVX-512 FMA probe (FMAs alone, no
// memory operand) and the AVX-512 Gemm microkernel on operands in L1
// (a 14×192 and a 192×32 micro-panel), and reports the median of each in
// FLOP per cycle and the median of their ratio block by block. On a
// shared guest whose speed shifts, the ratio tells the phases in which
// loops that also load (every kernel) fall below the probe from those in
// which they reach it (BENCHMARKS.md).
func BenchmarkProbeAgainstGemmMicro(b *testing.B) {
	if !slices.Contains(kernel.Available(), kernel.AVX512) {
		b.Skip("no AVX-512 on this CPU")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const k = 192
	ap, bp, c := make([]float32, 14*k), make([]float32, 32*k), make([]float32, 14*32)
	hz := cpuclock.Hz()
	rate := func(flops float64, f func()) float64 {
		t0 := cpuclock.ThreadCPU()
		f()
		return flops / (cpuclock.ThreadCPU() - t0).Seconds() / hz
	}
	var probe, micro, ratio []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := rate(960*40000, func() { fmaPeakAVX512(40000) })
		m := rate(2*14*32*k*200, func() {
			for j := 0; j < 200; j++ {
				asm.GemmKernel14x32AVX512(k, ap, bp, c, 32, 1, 1, 14, 32)
			}
		})
		probe, micro, ratio = append(probe, p), append(micro, m), append(ratio, m/p)
	}
	med := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
	b.ReportMetric(med(probe), "probe-FLOP/cycle")
	b.ReportMetric(med(micro), "micro-FLOP/cycle")
	b.ReportMetric(med(ratio), "micro/probe")
}
