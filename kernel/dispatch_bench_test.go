package kernel

import (
	"testing"
	"time"
)

// dispatchBench is one row of the generated dispatchBenches: for a public
// kernel at one level, a loop of calls of the public function and one of
// the assembly it ends in, called directly (its table row's BenchVs).
type dispatchBench struct {
	kernel      string
	level       Level
	public, asm func(o *benchArgs, calls int)
}

// benchArgs are the operands of a dispatch benchmark: n-element vectors,
// an n×n matrix, and the arguments a public kernel passes its assembly;
// for a recurrent cell, its operands by parameter name (the gates, and
// each block of them as the level switch takes it).
type benchArgs struct {
	x, y, dst []float32
	mat       Matrix
	alpha     float32
	acc       bool
	flags     int32
	cell      map[string][]float32
}

var (
	sinkF32 float32
	sinkInt int
)

// BenchmarkDispatch measures, for every public kernel of the table but
// Gemm (whose work at any size is packing and blocking around the
// microkernel), the norms and the int8 kernels (several assembly calls
// each, timed by their own benchmarks) at the active level, n=16 (a 16×16 matrix for the Gemv
// family), the public function against the assembly it ends in, called
// directly: the cost of the checks and the dispatch. call=public and
// call=asm time each alone; compare them with
//
//	go test -run - -bench Dispatch -count 6 ./kernel/ > d.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /call d.txt
//
// call=alternating times the two in alternating blocks of dispatchBlock
// calls, a few microseconds each, and reports each one's ns/call and
// their ratio (public/asm): on a machine whose speed shifts over
// seconds, both sides of the ratio see the same speed.
func BenchmarkDispatch(b *testing.B) {
	const n = 16
	for _, s := range Specs() {
		switch s.Class {
		case ClassGemm, ClassLayerNorm, ClassRMSNorm, ClassQDot, ClassQGemv, ClassQGemm:
			continue // their own benchmarks time them
		}
		var d *dispatchBench
		for i := range dispatchBenches {
			if dispatchBenches[i].kernel == s.Name && dispatchBenches[i].level == Active() {
				d = &dispatchBenches[i]
			}
		}
		if d == nil {
			b.Fatalf("%s: no dispatch benchmark at %v", s.Name, Active())
		}
		for _, call := range []string{"public", "asm"} {
			b.Run("kernel="+s.Name+"/call="+call, func(b *testing.B) {
				o := newBenchArgs(s.Name, n)
				f := d.public
				if call == "asm" {
					f = d.asm
				}
				f(o, 1)
				b.ResetTimer()
				f(o, b.N)
			})
		}
		b.Run("kernel="+s.Name+"/call=alternating", func(b *testing.B) {
			public, asm := alternate(b, newBenchArgs(s.Name, n), d.public, d.asm)
			b.ReportMetric(public, "public-ns/call")
			b.ReportMetric(asm, "asm-ns/call")
			b.ReportMetric(public/asm, "public/asm")
		})
	}
}

// dispatchBlock is the calls of one side in a block of call=alternating.
const dispatchBlock = 256

// alternate runs b.N pairs of blocks of dispatchBlock calls of f and of
// g on o, f first in even pairs and g first in odd ones, and returns
// each one's mean ns per call.
func alternate(b *testing.B, o *benchArgs, f, g func(o *benchArgs, calls int)) (fns, gns float64) {
	f(o, dispatchBlock)
	g(o, dispatchBlock)
	var tf, tg time.Duration
	b.ResetTimer()
	for i := range b.N {
		first, second, t1, t2 := f, g, &tf, &tg
		if i%2 == 1 {
			first, second, t1, t2 = g, f, &tg, &tf
		}
		t0 := time.Now()
		first(o, dispatchBlock)
		mid := time.Now()
		second(o, dispatchBlock)
		*t2 += time.Since(mid)
		*t1 += mid.Sub(t0)
	}
	calls := float64(b.N) * dispatchBlock
	return float64(tf.Nanoseconds()) / calls, float64(tg.Nanoseconds()) / calls
}

func newBenchArgs(kernel string, n int) *benchArgs {
	o := &benchArgs{x: make([]float32, n), y: make([]float32, n), dst: make([]float32, n), alpha: 1}
	for i := range o.x {
		o.x[i], o.y[i] = float32(i%7)-3, float32(i%5)*0.25
	}
	o.mat = MatrixFrom(n, n, make([]float32, n*n))
	for i := range o.mat.Data {
		o.mat.Data[i] = float32(i%9) * 0.125
	}
	switch kernel {
	case "Softmax":
		o.flags = xsAuto | xsNormalize
	case "LogSoftmax":
		o.flags = xsAuto | xsLogSoftmax
	case "LogSumExp":
		o.flags, o.dst = xsAuto, nil
	case "GemvAdd":
		o.acc = true
	case "LSTMCell": // in place: c is cPrev
		// No gate is 0: a unit with g = 0 has c = f·c at every call, which
		// decays into the subnormals (a fixed point at 2^-149 after some
		// 10^5 calls), where Intel's cores take a microcode assist per
		// operation (≈ 800 ns a call at n = 16 on a Sapphire Rapids class
		// Xeon, against ≈ 50 ns; AMD's cores take none). That is a cost of
		// subnormal states, timed apart (BenchmarkLSTMCellSubnormal), not
		// of the call.
		g := make([]float32, 4*n)
		for i := range g {
			g[i] = float32(i%11)*0.5 - 2.25
		}
		o.cell = map[string][]float32{"h": o.dst, "c": o.y, "cPrev": o.y, "gates": g,
			"gi": g[:n], "gf": g[n : 2*n], "gg": g[2*n : 3*n], "gout": g[3*n:]}
	case "GRUCell": // in place: h is hPrev
		xg, hg := make([]float32, 3*n), make([]float32, 3*n)
		for i := range xg {
			xg[i], hg[i] = float32(i%11)*0.5-2.5, float32(i%7)*0.25-0.75
		}
		o.cell = map[string][]float32{"h": o.dst, "hPrev": o.dst, "xg": xg, "hg": hg,
			"xr": xg[:n], "xz": xg[n : 2*n], "xn": xg[2*n:], "hr": hg[:n], "hz": hg[n : 2*n], "hn": hg[2*n:]}
	}
	return o
}
