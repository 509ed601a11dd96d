package simdcore_test

// Gated-cell benchmarks, issue-for-issue with the Elman ones in
// bench_rnn_test.go and with bench/peers' torch and ONNX Runtime
// scripts: an LSTM and a GRU of D=Input, H=Hidden, T=100 steps, batch 1
// (Forward) and batch 32 (ForwardBatch), one thread (batch 32 also on two,
// the rows named threads=2, as in bench_rnn_test.go), and the streaming
// State.Step of an LSTM with input and hidden 128 (Silero VAD's size).
//
//	go test -run '^$' -bench 'Gated' -count 6 . | tee gated.txt
//
// The metrics are bench_rnn_test.go's; the bounds, for G gate blocks
// (4 LSTM, 3 GRU), are
//
//	batch 1:  T·(G·H·H·4 bytes / L2 bytes per cycle + 2·D·G·H FLOP / FMA FLOP per cycle)
//	batch B:  2·T·B·(D+H)·G·H FLOP / FMA FLOP per cycle
//	step:     G·H·(D+H)·4 bytes / L2 bytes per cycle
//
// W_hh (and for a step also W_ih) streamed from L2 once per step, the
// batched input projection at the FMA peak, both rates measured on this
// core in this process (internal/machbound, as in bench_rnn_test.go).

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/machbound"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

func gatedNet(b *testing.B, cell rnn.CellType, d, h int) *rnn.Net {
	n, err := rnn.New(rnn.Config{Cell: cell, Input: d, Hidden: h, Bias: rnn.BiasPair}, 1)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func BenchmarkGated(b *testing.B) {
	const T, D, H = 100, 256, 256
	for _, cell := range []rnn.CellType{rnn.LSTM, rnn.GRU} {
		G := map[rnn.CellType]int{rnn.LSTM: 4, rnn.GRU: 3}[cell]
		for _, run := range []struct{ batch, threads int }{{1, 1}, {32, 1}, {32, 2}} {
			batch := run.batch
			b.Run(fmt.Sprintf("%v/D=%d_H=%d_T=%d/batch=%d%s", cell, D, H, T, batch, threadsSuffix(run.threads)), func(b *testing.B) {
				withThreads(b, run.threads)
				n := gatedNet(b, cell, D, H)
				rates := machbound.Get() // measured once per process, before cpu0 and the timed loop
				xs := make([]kernel.Matrix, batch)
				for i := range xs {
					xs[i] = benchutil.Matrix(T, D, uint32(i+1))
				}
				b.ReportAllocs()
				cpu0 := benchtest.StartCPU()
				for b.Loop() {
					var err error
					if batch == 1 {
						_, err = n.Forward(xs[0])
					} else {
						_, err = n.ForwardBatch(xs)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				bound := rnnBound(rates, float64(T*G*H*H*4), float64(T*2*D*G*H))
				if batch > 1 {
					bound = rnnBound(rates, 0, 2*float64(T*batch*(D+H)*G*H))
				}
				reportRNN(b, T, bound, cpu0)
			})
		}
	}
}

func BenchmarkGatedStep(b *testing.B) {
	const D, H = 128, 128
	for _, cell := range []rnn.CellType{rnn.LSTM, rnn.GRU} {
		G := map[rnn.CellType]int{rnn.LSTM: 4, rnn.GRU: 3}[cell]
		b.Run(fmt.Sprintf("%v/D=%d_H=%d", cell, D, H), func(b *testing.B) {
			st := gatedNet(b, cell, D, H).NewState()
			rates := machbound.Get()
			x := benchutil.Filled(D, 3)
			dst := make([]float32, H)
			b.ReportAllocs()
			cpu0 := benchtest.StartCPU()
			for b.Loop() {
				if err := st.Step(dst, x); err != nil {
					b.Fatal(err)
				}
			}
			reportRNN(b, 1, rnnBound(rates, float64(G*H*(D+H)*4), 0), cpu0)
		})
	}
}
