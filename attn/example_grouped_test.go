package attn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// A decoder's cross-attention: queries from the decoder's sequence, keys
// and values from an encoder memory of another width (torch's kdim, vdim),
// with the memory's padding masked.
func ExampleMultiHead_Cross() {
	m, _ := attn.NewMultiHeadConfig(attn.MultiHeadConfig{DModel: 8, Heads: 2, KDim: 6, VDim: 6, Bias: true})
	m.Init(rand.New(rand.NewPCG(1, 2)))
	r := rand.New(rand.NewPCG(3, 4))
	fill := func(rows, cols int) kernel.Matrix {
		a := kernel.NewMatrix(rows, cols)
		for i := range a.Data {
			a.Data[i] = float32(r.NormFloat64())
		}
		return a
	}
	x, memory := fill(3, 8), fill(5, 6)
	y := kernel.NewMatrix(3, 8)
	notPad := []bool{true, true, true, false, false} // the last two are padding
	err := m.Cross(y, x, memory, memory, attn.Options{KeepKeys: notPad})
	fmt.Println(err, "; Wk is", m.Wk().Rows, "×", m.Wk().Cols)

	// Padding keys change nothing, whatever they hold.
	memory.Row(4)[0] = 1000
	y2 := kernel.NewMatrix(3, 8)
	_ = m.Cross(y2, x, memory, memory, attn.Options{KeepKeys: notPad})
	fmt.Println("padding ignored:", fmt.Sprint(y.Data) == fmt.Sprint(y2.Data))
	// Output:
	// <nil> ; Wk is 8 × 6
	// padding ignored: true
}

// Grouped-query attention with rotary embeddings, as in LLaMA: 4 query
// heads share 2 key/value heads, so the cache holds half of what
// multi-head attention would; each decoded token is rotated to its
// position in the cache.
func ExampleNewRotary() {
	m, _ := attn.NewMultiHeadConfig(attn.MultiHeadConfig{DModel: 16, Heads: 4, KVHeads: 2})
	m.Init(rand.New(rand.NewPCG(5, 6)))
	m.Rotary, _ = attn.NewRotary(m.DHead(), 10000, false) // rotate-half, all of each head
	x := kernel.NewMatrix(6, 16)
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	full := kernel.NewMatrix(6, 16)
	_ = m.Forward(full, x, attn.Options{Causal: true})

	cache, _ := attn.NewKVCache(m, 6)
	step := make([]float32, 16)
	worst := float32(0)
	for t := range 6 {
		_ = m.Decode(step, x.Row(t), cache, attn.Options{})
		for j, v := range step {
			worst = max(worst, v-full.At(t, j), full.At(t, j)-v)
		}
	}
	fmt.Println("cached heads:", cache.Heads(), "of", m.Heads, "; decode matches Forward:", worst < 1e-5)
	// Output:
	// cached heads: 2 of 4 ; decode matches Forward: true
}

// The sinusoidal table of "Attention is all you need", added to a
// sequence's embeddings from position 0, then to one more token.
func ExampleSinusoidal() {
	pe, _ := attn.Sinusoidal(100, 4)
	x := kernel.NewMatrix(2, 4) // zero embeddings show the table
	_ = pe.Add(x, 0)
	next := make([]float32, 4)
	_ = pe.AddRow(next, 2)
	fmt.Printf("%.4f\n%.4f\n%.4f\n", x.Row(0), x.Row(1), next)
	// Output:
	// [0.0000 1.0000 0.0000 1.0000]
	// [0.8415 0.5403 0.0100 0.9999]
	// [0.9093 -0.4161 0.0200 0.9998]
}
