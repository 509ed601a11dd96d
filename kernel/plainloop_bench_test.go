package kernel_test

import (
	"math"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// BenchmarkPlainLoop times each kernel at the generic level (the one that
// wasm, 386, riscv64, -tags purego and unknown CPUs get) against the loop
// a Go programmer would write for it, at n=4096 over inputs in [−8, 8):
// for the activations the math package's function in float64
// (float32(math.Exp(float64(x))) for Exp), for the softmax family the
// max (slices.Max), then the loops of exponentials and sum, and of scaling or log; for the vector
// kernels the one-line loop. Under wasm:
//
//	GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" \
//		-run '^$' -bench PlainLoop -count 6 ./kernel/ | tee wasm.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl wasm.txt
//
// and on amd64 with -tags purego (or at the generic level of any build:
// the benchmark sets it).
func BenchmarkPlainLoop(b *testing.B) {
	const n = 4096
	x, y, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i%1601)/100 - 8
		y[i] = float32(i%7)/4 - 0.75
	}
	restore, err := kernel.SetLevel(kernel.Generic)
	if err != nil {
		b.Fatal(err)
	}
	defer restore()
	for _, c := range plainLoopCases(dst, x, y) {
		b.Run("kernel="+c.name+"/impl=generic", func(b *testing.B) {
			for b.Loop() {
				c.generic()
			}
		})
		b.Run("kernel="+c.name+"/impl=plainloop", func(b *testing.B) {
			for b.Loop() {
				c.plain()
			}
		})
	}
}

// plainLoopCase is one kernel and the loop a user would write for it.
type plainLoopCase struct {
	name           string
	generic, plain func()
}

var plainLoopSink float32

func plainLoopCases(dst, x, y []float32) []plainLoopCase {
	unary := func(name string, k func(dst, src []float32), f func(float64) float64) plainLoopCase {
		return plainLoopCase{name, func() { k(dst, x) }, func() {
			for i, v := range x {
				dst[i] = float32(f(float64(v)))
			}
		}}
	}
	softmaxLoops := func(log bool) func() {
		return func() {
			m := slices.Max(x)
			var s float64
			for i, v := range x {
				e := math.Exp(float64(v - m))
				if !log {
					dst[i] = float32(e)
				}
				s += e
			}
			if log {
				ls := float32(math.Log(s))
				for i, v := range x {
					dst[i] = v - m - ls
				}
				return
			}
			inv := float32(1 / s)
			for i := range dst {
				dst[i] *= inv
			}
		}
	}
	return []plainLoopCase{
		unary("Exp", kernel.Exp, math.Exp),
		unary("Tanh", kernel.Tanh, math.Tanh),
		unary("Sigmoid", kernel.Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }),
		unary("SiLU", kernel.SiLU, func(v float64) float64 { return v / (1 + math.Exp(-v)) }),
		unary("GELU", kernel.GELU, func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }),
		unary("GELUTanh", kernel.GELUTanh, func(v float64) float64 {
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		}),
		unary("ReLU", kernel.ReLU, func(v float64) float64 { return max(v, 0) }),
		{"Softmax", func() { kernel.Softmax(dst, x) }, softmaxLoops(false)},
		{"LogSoftmax", func() { kernel.LogSoftmax(dst, x) }, softmaxLoops(true)},
		{"LogSumExp", func() { plainLoopSink = kernel.LogSumExp(x) }, func() {
			m := slices.Max(x)
			var s float64
			for _, v := range x {
				s += math.Exp(float64(v - m))
			}
			plainLoopSink = m + float32(math.Log(s))
		}},
		{"Dot", func() { plainLoopSink = kernel.Dot(x, y) }, func() {
			var s float32
			for i := range x {
				s += x[i] * y[i]
			}
			plainLoopSink = s
		}},
		{"Sum", func() { plainLoopSink = kernel.Sum(x) }, func() {
			var s float32
			for _, v := range x {
				s += v
			}
			plainLoopSink = s
		}},
		{"Max", func() { plainLoopSink = kernel.Max(x) }, func() {
			m := x[0]
			for _, v := range x {
				m = max(m, v)
			}
			plainLoopSink = m
		}},
		{"Axpy", func() { kernel.Axpy(0.5, x, dst) }, func() {
			for i, v := range x {
				dst[i] += 0.5 * v
			}
		}},
		{"Add", func() { kernel.Add(dst, x, y) }, func() {
			for i := range dst {
				dst[i] = x[i] + y[i]
			}
		}},
		{"Mul", func() { kernel.Mul(dst, x, y) }, func() {
			for i := range dst {
				dst[i] = x[i] * y[i]
			}
		}},
	}
}
