package simdcore_test

// Attention benchmarks (package attn), with Gemm on one thread
// (kernel.SetThreads(1)) unless the name says threads=2, so the figures
// compare with PyTorch's torch.set_num_threads(1)
// (bench/peers/torch_attn.py):
//
//	go test -run '^$' -bench 'Attn' -count 6 . | tee attn.txt
//
//   - AttnQuery: one query against n=1024 keys and values of width 64
//     (attn.Soft).
//   - AttnSelf: single-head SelfAttention, T×64, full and causal.
//   - AttnDecode: one token through a d_model=512, H=8 MultiHead against
//     a KVCache holding n-1 tokens (so n keys after the append); with
//     threads=2 the heads are split over two goroutines (flash-decoding).
//   - AttnDecodeGrouped: the same with 8 query heads over 2 key/value
//     heads and rotary embeddings.
//   - AttnPrefill: MultiHead.Forward of T tokens, causal, with the
//     projections (d_model=512, H=8).
//
// Metrics: us/op, and cpu-us/op (process CPU time), steadier on a shared
// machine. AttnPrefill adds fma-frac: its FLOP (the four projections,
// 8·T·d², and the causal attention's two products, 2·T²·d) at the FMA
// peak measured in the same process (internal/machbound), over the
// process CPU time, so with threads=2 a fraction per core.

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/internal/machbound"
	"github.com/simdcore/simdcore/kernel"
)

// reportFMAFrac reports fma-frac: flops per iteration at the FMA peak of
// rates over the process CPU time since cpu0 (nothing where the peak or
// the clock is unknown).
func reportFMAFrac(b *testing.B, rates machbound.Rates, flops float64, cpu0 benchtest.CPU) {
	cpu := cpu0.Spent().Seconds() / float64(b.N)
	if hz := cpuclock.Hz(); rates.FMA > 0 && hz > 0 && cpu > 0 {
		b.ReportMetric(flops/rates.FMA/hz/cpu, "fma-frac")
	}
}

// reportUS reports us/op over wall time and cpu-us/op over the process's
// CPU time since cpu0.
func reportUS(b *testing.B, cpu0 benchtest.CPU) {
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6, "us/op")
	b.ReportMetric(cpu0.Spent().Seconds()/float64(b.N)*1e6, "cpu-us/op")
}

func BenchmarkAttnQuery(b *testing.B) {
	n, d := 1024, 64
	keys := benchutil.Matrix(n, d, 1)
	values := benchutil.Matrix(n, d, 2)
	q := benchutil.Filled(d, 3)
	w := make([]float32, n)
	dst := make([]float32, d)
	b.Run(fmt.Sprintf("n=%d/d=%d", n, d), func(b *testing.B) {
		eachLevel(b, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := benchtest.StartCPU()
			for b.Loop() {
				if err := attn.Soft(dst, w, q, keys, values, attn.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			reportUS(b, cpu0)
			// Reads keys and values once: 2·n·d·4 bytes.
			b.SetBytes(int64(2 * n * d * 4))
		})
	})
	// The floor: only the two streaming passes (Gemv over the keys, GemvT
	// over the values) that Soft makes, without the softmax.
	b.Run(fmt.Sprintf("n=%d/d=%d/part=gemv+gemvT", n, d), func(b *testing.B) {
		eachLevel(b, func(b *testing.B) {
			cpu0 := benchtest.StartCPU()
			for b.Loop() {
				kernel.Gemv(w, keys, q)
				kernel.GemvT(dst, values, w)
			}
			reportUS(b, cpu0)
			b.SetBytes(int64(2 * n * d * 4))
		})
	})
}

func BenchmarkAttnSelf(b *testing.B) {
	withThreads(b, 1)
	for _, T := range []int{256, 1024} {
		d := 64
		q := benchutil.Matrix(T, d, 4)
		k := benchutil.Matrix(T, d, 5)
		v := benchutil.Matrix(T, d, 6)
		dst := kernel.NewMatrix(T, d)
		for _, causal := range []bool{false, true} {
			b.Run(fmt.Sprintf("T=%d/d=%d/causal=%v", T, d, causal), func(b *testing.B) {
				eachLevel(b, func(b *testing.B) {
					cpu0 := benchtest.StartCPU()
					for b.Loop() {
						if err := attn.SelfAttention(dst, q, k, v, attn.Options{Causal: causal}); err != nil {
							b.Fatal(err)
						}
					}
					reportUS(b, cpu0)
				})
			})
		}
	}
}

func attnModel(b *testing.B, e, h int) *attn.MultiHead {
	m, err := attn.NewMultiHead(e, h, true)
	if err != nil {
		b.Fatal(err)
	}
	m.Init(rand.New(rand.NewPCG(1, 2)))
	return m
}

func BenchmarkAttnDecode(b *testing.B) {
	e, h := 512, 8
	benchDecode(b, attnModel(b, e, h), fmt.Sprintf("H=%d/dmodel=%d", h, e))
}

// BenchmarkAttnDecodeGrouped is AttnDecode with grouped-query heads (8
// query heads over 2 key/value heads) and rotary embeddings, as in LLaMA.
func BenchmarkAttnDecodeGrouped(b *testing.B) {
	e, h, kv := 512, 8, 2
	m, err := attn.NewMultiHeadConfig(attn.MultiHeadConfig{DModel: e, Heads: h, KVHeads: kv})
	if err != nil {
		b.Fatal(err)
	}
	m.Init(rand.New(rand.NewPCG(1, 2)))
	if m.Rotary, err = attn.NewRotary(e/h, 10000, false); err != nil {
		b.Fatal(err)
	}
	benchDecode(b, m, fmt.Sprintf("H=%d/KV=%d/dmodel=%d/rope", h, kv, e))
}

// benchDecode times m.Decode of one token against n-1 cached tokens.
func benchDecode(b *testing.B, m *attn.MultiHead, name string) {
	e := m.DModel
	for _, n := range []int{1024, 4096} {
		cache, err := attn.NewKVCache(m, n)
		if err != nil {
			b.Fatal(err)
		}
		// Fill n-1 tokens by a causal prefill.
		x := benchutil.Matrix(n-1, e, 7)
		if err := m.Prefill(kernel.NewMatrix(n-1, e), x, cache, attn.Options{Causal: true}); err != nil {
			b.Fatal(err)
		}
		tok := benchutil.Filled(e, 8)
		dst := make([]float32, e)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("n=%d/%s/threads=%d", n, name, threads), func(b *testing.B) {
				withThreads(b, threads)
				eachLevel(b, func(b *testing.B) {
					b.ReportAllocs()
					cpu0 := benchtest.StartCPU()
					for b.Loop() {
						cache.Truncate(n - 1)
						if err := m.Decode(dst, tok, cache, attn.Options{}); err != nil {
							b.Fatal(err)
						}
					}
					reportUS(b, cpu0)
				})
			})
		}
	}
}

func BenchmarkAttnPrefill(b *testing.B) {
	e, h := 512, 8
	m := attnModel(b, e, h)
	for _, T := range []int{256, 1024} {
		x := benchutil.Matrix(T, e, 9)
		dst := kernel.NewMatrix(T, e)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("T=%d/H=%d/dmodel=%d/causal/threads=%d", T, h, e, threads), func(b *testing.B) {
				withThreads(b, threads)
				eachLevel(b, func(b *testing.B) {
					rates := machbound.Get() // measured once per process and level, before cpu0
					cpu0 := benchtest.StartCPU()
					for b.Loop() {
						if err := m.Forward(dst, x, attn.Options{Causal: true}); err != nil {
							b.Fatal(err)
						}
					}
					reportUS(b, cpu0)
					reportFMAFrac(b, rates, 8.0*float64(T)*float64(e*e)+2.0*float64(T*T)*float64(e), cpu0)
				})
			})
		}
	}
}
