package simdcore_test

// Benchmarks of the vector kernels (Dot, Sum, Max, Argmax, Axpy, Scale,
// Add, Mul) at every level, plus BenchmarkSmall, which compares each
// kernel at n=16 with the inlined Go loop a caller would otherwise write
// (DESIGN §7: within 2×), and BenchmarkVectorClock, a clock probe to turn
// the same run's GFLOP/s into FLOP/cycle.
//
//	go test -run '^$' -bench 'Dot|Axpy|Vector|Small' -count 6 | tee new.txt
//	benchstat -col /level new.txt
//
// Besides wall-time GFLOP/s and ns/elem, each reports the same figure
// over the process's CPU time (cpu-GFLOP/s, cpu-ns/elem), which on a
// machine shared with other jobs leaves out the time spent waiting for a
// core.

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// vectorSizes are the lengths issue 2 asks for: 16 (dispatch overhead),
// 256 and 4096 (L1), 65536 (L2) and 1<<20 (L3).
var vectorSizes = []int{16, 256, 4096, 65536, 1 << 20}

var (
	sinkF32 float32
	sinkInt int
	sinkU64 uint64
)

func BenchmarkDot(b *testing.B) {
	bySize(b, vectorSizes, func(b *testing.B, n int) {
		x, y := filled(n, 1), filled(n, 2)
		b.SetBytes(int64(8 * n))
		var s float32
		cpu0 := processCPU()
		for b.Loop() {
			s += kernel.Dot(x, y)
		}
		sinkF32 = s
		reportFlops(b, float64(2*n))
		reportCPUFlops(b, float64(2*n), cpu0)
	})
}

func BenchmarkAxpy(b *testing.B) {
	bySize(b, vectorSizes, func(b *testing.B, n int) {
		x, y := filled(n, 1), filled(n, 2)
		b.SetBytes(int64(12 * n)) // read x and y, write y
		cpu0 := processCPU()
		for b.Loop() {
			kernel.Axpy(1e-6, x, y)
		}
		reportFlops(b, float64(2*n))
		reportPerElem(b, n)
		reportCPUFlops(b, float64(2*n), cpu0)
		reportCPUPerElem(b, n, cpu0)
	})
}

// The other vector kernels at n=4096 (L1), as ns/element.
func BenchmarkVector(b *testing.B) {
	const n = 4096
	x, y, dst := filled(n, 1), filled(n, 2), make([]float32, n)
	run := func(name string, bytesPerElem int, fn func()) {
		b.Run(fmt.Sprintf("kernel=%s/n=%d", name, n), func(b *testing.B) {
			eachLevel(b, func(b *testing.B) {
				b.SetBytes(int64(bytesPerElem * n))
				cpu0 := processCPU()
				for b.Loop() {
					fn()
				}
				reportPerElem(b, n)
				reportCPUPerElem(b, n, cpu0)
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

// reportCPUFlops reports GFLOP/s over the CPU time used since cpu0.
func reportCPUFlops(b *testing.B, flopsPerOp, cpu0 float64) {
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(flopsPerOp*float64(b.N)/cpu/1e9, "cpu-GFLOP/s")
	}
}

// reportCPUPerElem reports ns/element over the CPU time used since cpu0.
func reportCPUPerElem(b *testing.B, n int, cpu0 float64) {
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(cpu*1e9/float64(b.N)/float64(n), "cpu-ns/elem")
	}
}

// reportCPUPerOp reports ns per call over the CPU time used since cpu0.
func reportCPUPerOp(b *testing.B, cpu0 float64) {
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkSmall measures each kernel at n=16 against the loop a caller
// would write inline (impl=inline), to bound the cost of the call, the
// checks and the dispatch.
func BenchmarkSmall(b *testing.B) {
	const n = 16
	x, y, dst := filled(n, 1), filled(n, 2), make([]float32, n)
	small := func(name string, inline, kern func()) {
		b.Run("kernel="+name+"/n=16", func(b *testing.B) {
			b.Run("impl=inline", func(b *testing.B) {
				cpu0 := processCPU()
				for b.Loop() {
					inline()
				}
				reportCPUPerOp(b, cpu0)
			})
			for _, l := range kernel.Available() {
				restore, err := kernel.SetLevel(l)
				if err != nil {
					b.Fatal(err)
				}
				b.Run("impl="+l.String(), func(b *testing.B) {
					cpu0 := processCPU()
					for b.Loop() {
						kern()
					}
					reportCPUPerOp(b, cpu0)
				})
				restore()
			}
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

// BenchmarkVectorClock is a clock probe for turning the same run's
// GFLOP/s into FLOP/cycle: a chain of dependent 64-bit multiplies, each
// 3 cycles on Zen 4 and Zen 5 (and on recent Intel cores), reported as
// GHz over wall time and over CPU time.
func BenchmarkVectorClock(b *testing.B) {
	const chain = 1000
	x := uint64(b.N) | 1
	cpu0 := processCPU()
	for b.Loop() {
		for range chain {
			x *= 0x9e3779b97f4a7c15
		}
	}
	sinkU64 = x
	b.ReportMetric(3*chain*float64(b.N)/b.Elapsed().Seconds()/1e9, "GHz")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(3*chain*float64(b.N)/cpu/1e9, "cpu-GHz")
	}
}
