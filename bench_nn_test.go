package simdcore_test

// Transformer layer benchmarks (package nn), Gemm on one thread
// (kernel.SetThreads(1)), to compare with PyTorch's
// torch.set_num_threads(1) (bench/peers/torch_transformer.py):
//
//	go test -run '^$' -bench 'TransformerEncoderLayer' -count 6 . | tee nn.txt
//
//   - TransformerEncoderLayer: one torch.nn.TransformerEncoderLayer
//     (d_model 256, 4 heads, dim_feedforward 1024, relu, post-norm) on a
//     T=128 sequence, batch 1: without a mask and with the causal one.
//   - TransformerLMDecode: one token of a tlm.LM (4 pre-norm layers,
//     d_model 256, 4 heads, ffn 1024, a vocabulary of 256) after 1024
//     cached tokens, as State.Step computes it: the embedding and its
//     position, Encoder.Decode, the head and the softmax; the cache is
//     truncated back to 1024 tokens between calls.
//
// Metrics: us/op, cpu-us/op (process CPU time) and GFLOP/s, counting the
// projections (2·T·d·4d), the feed-forward block (4·T·d·ffn) and the
// attention's two products (4·T²·d; half of it with the causal mask);
// for a decoded token, per layer 2·d·4d + 4·d·ffn + 4·(n+1)·d, and the
// head's 2·d·vocab.

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/tlm"
)

func BenchmarkTransformerEncoderLayer(b *testing.B) {
	const T, d, h, ffn = 128, 256, 4, 1024
	l, err := nn.NewEncoderLayer(nn.Config{DModel: d, Heads: h, FF: ffn})
	if err != nil {
		b.Fatal(err)
	}
	l.Init(rand.New(rand.NewPCG(1, 2)))
	x := benchutil.Matrix(T, d, 3)
	dst := kernel.NewMatrix(T, d)
	withThreads(b, 1)
	for _, causal := range []bool{false, true} {
		flops := 2.0*T*d*4*d + 4.0*T*d*ffn + 4.0*T*T*d
		if causal {
			flops -= 2.0 * T * T * d
		}
		b.Run(fmt.Sprintf("T=%d/dmodel=%d/H=%d/ffn=%d/causal=%v", T, d, h, ffn, causal), func(b *testing.B) {
			eachLevel(b, func(b *testing.B) {
				b.ReportAllocs()
				m := nn.Mask{Causal: causal}
				cpu0 := benchtest.StartCPU()
				for b.Loop() {
					if _, err := l.Forward(dst, x, m); err != nil {
						b.Fatal(err)
					}
				}
				reportUS(b, cpu0)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		})
	}
}

func BenchmarkTransformerLMDecode(b *testing.B) {
	const layers, d, h, ffn, vocab, past = 4, 256, 4, 1024, 256, 1024
	m, err := tlm.New(tlm.Config{Vocab: vocab, DModel: d, Heads: h, FF: ffn, Layers: layers, MaxLen: past + 1}, 1)
	if err != nil {
		b.Fatal(err)
	}
	toks := make([]int, past)
	for i := range toks {
		toks[i] = (i * 7) % vocab
	}
	flops := layers*(2.0*d*4*d+4.0*d*ffn+4.0*(past+1)*d) + 2.0*d*vocab
	withThreads(b, 1)
	b.Run(fmt.Sprintf("layers=%d/dmodel=%d/H=%d/ffn=%d/vocab=%d/cache=%d", layers, d, h, ffn, vocab, past), func(b *testing.B) {
		eachLevel(b, func(b *testing.B) {
			b.ReportAllocs()
			c, err := m.Encoder.NewCache(past + 1)
			if err != nil {
				b.Fatal(err)
			}
			x := kernel.NewMatrix(past, d)
			for t, tok := range toks {
				copy(x.Row(t), m.Embed.Row(tok))
			}
			if err := m.Pos.Add(x, 0); err != nil {
				b.Fatal(err)
			}
			if _, err := m.Encoder.Prefill(kernel.Matrix{}, x, c); err != nil {
				b.Fatal(err)
			}
			row, hid, logits, probs := make([]float32, d), make([]float32, d), make([]float32, vocab), make([]float32, vocab)
			cpu0 := benchtest.StartCPU()
			for b.Loop() {
				copy(row, m.Embed.Row(3))
				if err := m.Pos.AddRow(row, past); err != nil {
					b.Fatal(err)
				}
				if err := m.Encoder.Decode(hid, row, c); err != nil {
					b.Fatal(err)
				}
				if _, err := m.Head.Forward(kernel.MatrixFrom(1, vocab, logits), kernel.MatrixFrom(1, d, hid)); err != nil {
					b.Fatal(err)
				}
				kernel.Softmax(probs, logits)
				c.Truncate(past)
			}
			reportUS(b, cpu0)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	})
}
