package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// A torch.nn.TransformerDecoder run one target token at a time: the
// encoder's output is projected once into every layer's cross-attention
// cache by SetMemory, a start token goes through Prefill, and each next
// token through Decode; the outputs are Forward's with a causal tgt_mask.
func ExampleDecoder_Decode() {
	dec, err := nn.NewDecoder(nn.Config{DModel: 32, Heads: 4, FF: 64, Activation: nn.GELU, Layers: 2, FinalNorm: true})
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	dec.Init(r)
	random := func(rows int) kernel.Matrix {
		m := kernel.NewMatrix(rows, 32)
		for i := range m.Data {
			m.Data[i] = float32(r.NormFloat64())
		}
		return m
	}
	memory, tgt := random(12), random(6) // 12 encoded source steps, 6 target tokens

	c, err := dec.NewCache(16, 12) // up to 16 target tokens, a memory of up to 12 rows
	if err != nil {
		panic(err)
	}
	if err := dec.SetMemory(c, memory); err != nil {
		panic(err)
	}
	got := kernel.NewMatrix(6, 32)
	if _, err := dec.Prefill(got.Slice(0, 1, 0, 32), tgt.Slice(0, 1, 0, 32), c, nn.Mask{}, nn.Mask{}); err != nil {
		panic(err)
	}
	for i := 1; i < 6; i++ {
		if err := dec.Decode(got.Row(i), tgt.Row(i), c, nn.Mask{}, nn.Mask{}); err != nil {
			panic(err)
		}
	}

	want, err := dec.Forward(kernel.Matrix{}, tgt, memory, nn.Mask{Causal: true}, nn.Mask{})
	if err != nil {
		panic(err)
	}
	worst := 0.0
	for i := range want.Data {
		worst = max(worst, float64(abs(got.Data[i]-want.Data[i])))
	}
	fmt.Printf("%d tokens cached, memory of %d rows, max |decode − forward| < 1e-5: %v\n", c.Len(), c.MemoryLen(), worst < 1e-5)
	// Output: 6 tokens cached, memory of 12 rows, max |decode − forward| < 1e-5: true
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
