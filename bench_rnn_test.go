package simdcore_test

// RNN benchmarks: an Elman network with tanh, D=Input, H=Hidden, T=100
// steps, batch 1 (Forward) and batch 32 (ForwardBatch), and the
// streaming Step. Everything runs on one thread (kernel.SetThreads(1)) so
// the figures compare with PyTorch's torch.set_num_threads(1)
// (bench/peers/torch_rnn.py), except the rows named threads=2: batch 32
// with kernel.SetThreads(2), ForwardBatch's sequences split across two
// goroutines (compare their us/seq, wall time, with the one-thread row's;
// cpu-us/seq and bound-frac count both threads' CPU time).
//
//	go test -run '^$' -bench 'RNN' -count 6 . | tee rnn.txt
//
// Reported metrics: us/seq (wall time for one sequence, or for the whole
// batch of 32), cpu-us/seq (process CPU time, steadier than wall time on
// a machine shared with other jobs), us/step, and bound-frac: the bound
// divided by the CPU time, where the bound (in cycles, converted with a
// clock probe taken in the same run) is
//
//	batch 1:  T·(4·H² bytes / L2 B/cycle + 2·D·H FLOP / FMA FLOP/cycle)
//
// W_hh streamed from L2 once per step plus the input projection at the
// FMA peak, and for batch B, 2·T·B·(D+H)·H FLOP at the FMA peak. The two
// rates are measured on this core, in this process, at the level the
// kernels run (internal/machbound: L2 read bandwidth and FMA peak, the
// same figures BenchmarkBounds reports); where they are unknown (no
// clock probe in the build) no bound-frac is reported.

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/internal/machbound"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

func rnnNet(b *testing.B, d, h int) *rnn.Net {
	n, err := rnn.New(rnn.Config{Input: d, Hidden: h, Activation: rnn.Tanh}, 1)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// threadsSuffix names a benchmark row run on more than one thread
// ("/threads=2"); one-thread rows keep their names.
func threadsSuffix(threads int) string {
	if threads == 1 {
		return ""
	}
	return fmt.Sprintf("/threads=%d", threads)
}

// rnnBound returns a bound in cycles at rates r: l2Bytes streamed from
// L2 plus flops at the FMA peak (0 if a rate it needs is unknown).
func rnnBound(r machbound.Rates, l2Bytes, flops float64) float64 {
	if (l2Bytes > 0 && r.L2 <= 0) || (flops > 0 && r.FMA <= 0) {
		return 0
	}
	var c float64
	if l2Bytes > 0 {
		c += l2Bytes / r.L2
	}
	if flops > 0 {
		c += flops / r.FMA
	}
	return c
}

// reportRNN reports the metrics for a bound of boundCycles per
// iteration (0: unknown, no bound-frac); cpu0 is read before the loop.
func reportRNN(b *testing.B, t int, boundCycles float64, cpu0 benchtest.CPU) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	cpu := cpu0.Spent().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e6, "us/seq")
	b.ReportMetric(cpu*1e6, "cpu-us/seq")
	b.ReportMetric(sec*1e6/float64(t), "us/step")
	if hz := cpuclock.Hz(); cpu > 0 && hz > 0 && boundCycles > 0 {
		b.ReportMetric(boundCycles/hz/cpu, "bound-frac")
	}
}

func BenchmarkRNN(b *testing.B) {
	const T = 100
	for _, sz := range []struct{ d, h, batch, threads int }{{256, 256, 1, 1}, {256, 256, 32, 1}, {256, 256, 32, 2}, {1024, 1024, 1, 1}} {
		b.Run(fmt.Sprintf("D=%d_H=%d_T=%d/batch=%d%s", sz.d, sz.h, T, sz.batch, threadsSuffix(sz.threads)), func(b *testing.B) {
			withThreads(b, sz.threads)
			n := rnnNet(b, sz.d, sz.h)
			rates := machbound.Get() // measured once per process, before cpu0 and the timed loop
			if sz.batch == 1 {
				x := benchutil.Matrix(T, sz.d, 1)
				b.ReportAllocs()
				cpu0 := benchtest.StartCPU()
				for b.Loop() {
					if _, err := n.Forward(x); err != nil {
						b.Fatal(err)
					}
				}
				reportRNN(b, T, rnnBound(rates, float64(T*4*sz.h*sz.h), float64(T*2*sz.d*sz.h)), cpu0)
				return
			}
			xs := make([]kernel.Matrix, sz.batch)
			for i := range xs {
				xs[i] = benchutil.Matrix(T, sz.d, uint32(i+1))
			}
			b.ReportAllocs()
			cpu0 := benchtest.StartCPU()
			for b.Loop() {
				if _, err := n.ForwardBatch(xs); err != nil {
					b.Fatal(err)
				}
			}
			flops := 2 * float64(T*sz.batch*(sz.d+sz.h)*sz.h)
			reportRNN(b, T, rnnBound(rates, 0, flops), cpu0)
		})
	}
}

// BenchmarkRNNStep is one streaming step (batch 1): two Gemvs (input and
// recurrence) and the activation, no input projection batching.
func BenchmarkRNNStep(b *testing.B) {
	for _, h := range []int{256, 1024} {
		b.Run(fmt.Sprintf("D=%d_H=%d", h, h), func(b *testing.B) {
			n := rnnNet(b, h, h)
			st := n.NewState()
			x := benchutil.Filled(h, 3)
			dst := make([]float32, h)
			b.ReportAllocs()
			for b.Loop() {
				if err := st.Step(dst, x); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6, "us/step")
			b.ReportMetric(2*float64(2*h*h)/(b.Elapsed().Seconds()/float64(b.N))/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkRNNBatchStep is one step of 32 streams (BatchState.Step, one
// thread): per layer the input and hidden products of all streams, on
// the weights the Net packed once, and the cells' pointwise updates; an
// Elman and an LSTM net of D=H=256. The bound is the steps' FLOP at the
// FMA peak.
func BenchmarkRNNBatchStep(b *testing.B) {
	const streams, D, H = 32, 256, 256
	for _, cell := range []rnn.CellType{rnn.Elman, rnn.LSTM} {
		b.Run(fmt.Sprintf("%v/D=%d_H=%d/streams=%d", cell, D, H, streams), func(b *testing.B) {
			withThreads(b, 1)
			n := gatedNet(b, cell, D, H)
			G := map[rnn.CellType]int{rnn.Elman: 1, rnn.LSTM: 4}[cell]
			rates := machbound.Get()
			st := n.NewBatchState(streams)
			x, y := benchutil.Matrix(streams, D, 1), kernel.NewMatrix(streams, H)
			b.ReportAllocs()
			cpu0 := benchtest.StartCPU()
			for b.Loop() {
				if err := st.Step(y, x); err != nil {
					b.Fatal(err)
				}
			}
			reportRNN(b, 1, rnnBound(rates, 0, 2*float64(streams*(D+H)*G*H)), cpu0)
		})
	}
}

// BenchmarkRNNTrain is one BPTT pass (Trace, loss, Backward) over one
// sequence: forward, backward through time, and the weight gradients
// summed over time by Gemm.
func BenchmarkRNNTrain(b *testing.B) {
	withThreads(b, 1)
	const T, D, H, O = 100, 256, 256, 16
	n, err := rnn.New(rnn.Config{Input: D, Hidden: H, Output: O, OutputActivation: rnn.Softmax}, 1)
	if err != nil {
		b.Fatal(err)
	}
	x := benchutil.Matrix(T, D, 1)
	y := kernel.NewMatrix(T, O)
	for t := 0; t < T; t++ {
		y.Set(t, t%O, 1)
	}
	g := n.NewGrad()
	d := kernel.NewMatrix(T, O)
	b.Run(fmt.Sprintf("D=%d_H=%d_T=%d", D, H, T), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr, err := n.Trace(x)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := n.Loss(tr, y, d); err != nil {
				b.Fatal(err)
			}
			if _, err := n.Backward(tr, d, g); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6, "us/seq")
	})
}
