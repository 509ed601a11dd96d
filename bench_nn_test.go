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
//
// Metrics: us/op, cpu-us/op (process CPU time) and GFLOP/s, counting the
// projections (2·T·d·4d), the feed-forward block (4·T·d·ffn) and the
// attention's two products (4·T²·d; half of it with the causal mask).

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
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
