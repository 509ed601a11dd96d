package simdcore_test

// Quantized models against their float originals, one thread, the same
// run (indicative; the bounds of issue 15 are ratios of the two):
//
//	go test -run '^$' -bench 'Quantized' -cpu 1 -count 6 . | tee quantized.txt
//
//   - QuantizedLSTMStep: an LSTM's State.Step at Input = Hidden = 1024
//     (W_ih and W_hh: 32 MiB float32, 8 MiB int8);
//   - QuantizedSeq: Elman, LSTM and GRU Forward over T = 100 steps at
//     D = H = 256, batch 1;
//   - QuantizedDecode: MultiHead.Decode (d_model 512, 8 heads) of one
//     token against 4095 cached ones, over a float32 KV cache (kv=float32)
//     and over an int8 one (kv=int8, attn.NewKVCacheInt8: 4 MiB of keys
//     and values streamed per token instead of 16 MiB).
//
// Each has the sub-benchmarks weights=float32 and weights=int8.

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// eachWeights runs fn on the float network and its quantized copy (and
// on each residual-quantized copy given: "weights=int8x2").
func eachWeights[M any](b *testing.B, float M, quantize func(M) (M, error), fn func(b *testing.B, m M), residual ...M) {
	q, err := quantize(float)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("weights=float32", func(b *testing.B) { fn(b, float) })
	b.Run("weights=int8", func(b *testing.B) { fn(b, q) })
	for _, r := range residual { // attn.MultiHead.QuantizeResidual's two int8 planes
		b.Run("weights=int8x2", func(b *testing.B) { fn(b, r) })
	}
}

func BenchmarkQuantizedLSTMStep(b *testing.B) {
	withThreads(b, 1)
	const H = 1024
	n := gatedNet(b, rnn.LSTM, H, H)
	eachWeights(b, n, (*rnn.Net).Quantize, func(b *testing.B, n *rnn.Net) {
		st := n.NewState()
		x, y := benchutil.Filled(H, 3), make([]float32, H)
		b.ReportAllocs()
		for b.Loop() {
			if err := st.Step(y, x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkQuantizedSeq(b *testing.B) {
	withThreads(b, 1)
	const T, D, H = 100, 256, 256
	for _, cell := range []rnn.CellType{rnn.Elman, rnn.LSTM, rnn.GRU} {
		b.Run(fmt.Sprintf("%v/D=%d_H=%d_T=%d", cell, D, H, T), func(b *testing.B) {
			x := benchutil.Matrix(T, D, 1)
			eachWeights(b, gatedNet(b, cell, D, H), (*rnn.Net).Quantize, func(b *testing.B, n *rnn.Net) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := n.Forward(x); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func BenchmarkQuantizedDecode(b *testing.B) {
	withThreads(b, 1)
	const e, h, n = 512, 8, 4096
	m, err := attn.NewMultiHead(e, h, true)
	if err != nil {
		b.Fatal(err)
	}
	m.Init(rand.New(rand.NewPCG(1, 2)))
	caches := []struct {
		name string
		make func(*attn.MultiHead, int) (*attn.KVCache, error)
	}{{"kv=float32", attn.NewKVCache}, {"kv=int8", attn.NewKVCacheInt8}}
	b.Run(fmt.Sprintf("n=%d/H=%d/dmodel=%d", n, h, e), func(b *testing.B) {
		residual, err := m.QuantizeResidual()
		if err != nil {
			b.Fatal(err)
		}
		eachWeights(b, m, (*attn.MultiHead).Quantize, func(b *testing.B, m *attn.MultiHead) {
			for _, kc := range caches {
				b.Run(kc.name, func(b *testing.B) {
					cache, err := kc.make(m, n)
					if err != nil {
						b.Fatal(err)
					}
					if err := m.Prefill(kernel.NewMatrix(n-1, e), benchutil.Matrix(n-1, e, 7), cache, attn.Options{Causal: true}); err != nil {
						b.Fatal(err)
					}
					tok, dst := benchutil.Filled(e, 8), make([]float32, e)
					b.ReportAllocs()
					for b.Loop() {
						cache.Truncate(n - 1)
						if err := m.Decode(dst, tok, cache, attn.Options{}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}, residual)
	})
}
