package attn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/attn"
)

// Decoding with int8 projections: the quantized model's Decode matches
// the float model's closely, and allocates nothing per token.
func ExampleMultiHead_Quantize() {
	m, err := attn.NewMultiHead(64, 4, true)
	if err != nil {
		panic(err)
	}
	m.Init(rand.New(rand.NewPCG(1, 2)))
	q, err := m.Quantize()
	if err != nil {
		panic(err)
	}
	cf, _ := attn.NewKVCache(m, 16)
	cq, _ := attn.NewKVCache(q, 16)
	x := make([]float32, 64)
	yf, yq := make([]float32, 64), make([]float32, 64)
	worst := 0.0
	for tok := range 16 {
		for i := range x {
			x[i] = float32(math.Cos(float64(tok*64 + i)))
		}
		_ = m.Decode(yf, x, cf, attn.Options{})
		_ = q.Decode(yq, x, cq, attn.Options{})
		for i := range yf {
			worst = math.Max(worst, math.Abs(float64(yq[i]-yf[i])))
		}
	}
	fmt.Println("quantized:", q.Quantized(), "largest difference below 1e-2:", worst < 1e-2)
	// Output: quantized: true largest difference below 1e-2: true
}
