package attn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/attn"
)

// decodeWorst decodes 16 tokens with a and b over their caches and
// returns the largest difference of their outputs.
func decodeWorst(a, b *attn.MultiHead, ca, cb *attn.KVCache) float64 {
	x := make([]float32, a.DModel)
	ya, yb := make([]float32, a.DModel), make([]float32, a.DModel)
	worst := 0.0
	for tok := range 16 {
		for i := range x {
			x[i] = float32(math.Cos(float64(tok*a.DModel + i)))
		}
		_ = a.Decode(ya, x, ca, attn.Options{})
		_ = b.Decode(yb, x, cb, attn.Options{})
		for i := range ya {
			worst = math.Max(worst, math.Abs(float64(yb[i]-ya[i])))
		}
	}
	return worst
}

// Decoding over an int8 KV cache: a quarter of the float32 cache's bytes,
// and outputs close to decoding over the float32 cache.
func ExampleNewKVCacheInt8() {
	m, err := attn.NewMultiHead(64, 4, true)
	if err != nil {
		panic(err)
	}
	m.Init(rand.New(rand.NewPCG(1, 2)))
	cf, _ := attn.NewKVCache(m, 16)
	c8, _ := attn.NewKVCacheInt8(m, 16)
	worst := decodeWorst(m, m, cf, c8)
	fmt.Println("int8 cache:", c8.Int8(), "largest difference below 1e-2:", worst < 1e-2)
	// Output: int8 cache: true largest difference below 1e-2: true
}

// QuantizeResidual stores a second int8 plane per weight row, the
// rounding error of the first: its outputs are closer to the float
// model's than Quantize's.
func ExampleMultiHead_QuantizeResidual() {
	m, err := attn.NewMultiHead(64, 4, true)
	if err != nil {
		panic(err)
	}
	m.Init(rand.New(rand.NewPCG(1, 2)))
	q, _ := m.Quantize()
	r, _ := m.QuantizeResidual()
	newCache := func(m *attn.MultiHead) *attn.KVCache { c, _ := attn.NewKVCache(m, 16); return c }
	one := decodeWorst(m, q, newCache(m), newCache(q))
	two := decodeWorst(m, r, newCache(m), newCache(r))
	fmt.Println("residual planes:", r.QuantizedResidual(), "closer than one plane:", two < one)
	// Output: residual planes: true closer than one plane: true
}
