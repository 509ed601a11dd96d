package peers

// Exp, Tanh, Sigmoid and Softmax against the peers, in one run:
//
//	cd bench/peers
//	go test -run '^$' -bench 'Exp|Tanh|Sigmoid|Softmax' -count 6 | tee act.txt
//	benchstat -col /impl act.txt
//
// impl=pure is the loop a Go user would write, through float64 and the
// standard library (float32(math.Exp(float64(x)))); impl=math32 is a loop
// of chewxy/math32's float32 functions; impl=vek is viterin/vek's vek32:
// its Exp (AVX2, accurate to about 1e-3 relative), and tanh, sigmoid and
// softmax composed from vek32 passes (vek has none of them);
// impl=simdcore-<level> is the kernel at each level this CPU can run.
// Inputs are uniform in [-8, 8), so every code path runs and nothing
// saturates.
//
// Besides ns/elem (the mean) each reports best-ns/elem, the fastest of
// batches of about 64K elements: on a machine shared with other jobs the
// mean includes time spent preempted, the minimum hardly ever does; and
// cpu-ns/elem over CPU time and, with a clock probe, elem/cycle and
// best-elem/cycle (benchtest.Elementwise). Softmax is compared at the
// sizes of its table row.

import (
	"math"
	"testing"

	"github.com/chewxy/math32"
	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/viterin/vek/vek32"
)

// activationPeers returns the peers of one elementwise function, over
// op.X into op.Dst: pure and m32 are the per-element functions, vek the
// vek32 composition (into dst).
func activationPeers(op *benchutil.Op, pure, m32 func(float32) float32, vek func(dst, src []float32)) []impl {
	src, dst := op.X, op.Dst
	loop := func(f func(float32) float32) func() {
		return func() {
			for i, v := range src {
				dst[i] = f(v)
			}
		}
	}
	return []impl{
		{"pure", loop(pure)},
		{"math32", loop(m32)},
		{"vek", func() { vek(dst, src) }},
	}
}

func expPeers(op *benchutil.Op) []impl {
	return activationPeers(op,
		func(v float32) float32 { return float32(math.Exp(float64(v))) },
		math32.Exp,
		func(dst, src []float32) { vek32.Exp_Into(dst, src) })
}

func tanhPeers(op *benchutil.Op) []impl {
	return activationPeers(op,
		func(v float32) float32 { return float32(math.Tanh(float64(v))) },
		math32.Tanh,
		// tanh x = 1 − 2/(e^(2x)+1), six vek32 passes.
		func(dst, src []float32) {
			vek32.MulNumber_Into(dst, src, 2)
			vek32.Exp_Inplace(dst)
			vek32.AddNumber_Inplace(dst, 1)
			vek32.Inv_Inplace(dst)
			vek32.MulNumber_Inplace(dst, -2)
			vek32.AddNumber_Inplace(dst, 1)
		})
}

func sigmoidPeers(op *benchutil.Op) []impl {
	return activationPeers(op,
		func(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) },
		func(v float32) float32 { return 1 / (1 + math32.Exp(-v)) },
		// σ(x) = 1/(1+e^−x), four vek32 passes.
		func(dst, src []float32) {
			vek32.Neg_Into(dst, src)
			vek32.Exp_Inplace(dst)
			vek32.AddNumber_Inplace(dst, 1)
			vek32.Inv_Inplace(dst)
		})
}

// softmaxPeers returns the peers of one softmax over a row: pure and
// math32 are the three loops (max, exp and sum, scale) a Go user would
// write, vek is the same from vek32 passes.
func softmaxPeers(op *benchutil.Op) []impl {
	src, dst := op.X, op.Dst
	loops := func(exp func(float32) float32) func() {
		return func() {
			m := src[0]
			for _, v := range src {
				m = max(m, v)
			}
			var s float32
			for i, v := range src {
				dst[i] = exp(v - m)
				s += dst[i]
			}
			inv := 1 / s
			for i := range dst {
				dst[i] *= inv
			}
		}
	}
	return []impl{
		{"pure", loops(func(v float32) float32 { return float32(math.Exp(float64(v))) })},
		{"math32", loops(math32.Exp)},
		{"vek", func() {
			vek32.SubNumber_Into(dst, src, vek32.Max(src))
			vek32.Exp_Inplace(dst)
			vek32.MulNumber_Inplace(dst, 1/vek32.Sum(dst))
		}},
	}
}

func BenchmarkExp(b *testing.B)     { benchPeers(b, "Exp") }
func BenchmarkTanh(b *testing.B)    { benchPeers(b, "Tanh") }
func BenchmarkSigmoid(b *testing.B) { benchPeers(b, "Sigmoid") }
func BenchmarkSoftmax(b *testing.B) { benchPeers(b, "Softmax") }
