package attn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// The worked example: four keys, one query, raw dot products.
func Example() {
	keys := kernel.MatrixFrom(4, 3, []float32{
		1, 2, 3,
		2, 2, 1,
		0, 1, -1,
		0, 2, -1,
	})
	query := []float32{3, -1, -1}

	scores := make([]float32, 4)
	attn.Scores(scores, query, keys, 1)
	fmt.Println("scores:", scores)

	// Let the values be the keys themselves.
	out := make([]float32, 3)
	i, _ := attn.Hard(out, query, keys, keys, attn.Options{Unscaled: true})
	fmt.Println("hard picks", i, "->", out)

	weights := make([]float32, 4)
	_ = attn.Soft(out, weights, query, keys, keys, attn.Options{Unscaled: true})
	fmt.Printf("soft weights: %.4f\n", weights)
	fmt.Printf("soft output:  %.4f\n", out)
	// Output:
	// scores: [-2 3 0 -1]
	// hard picks 1 -> [2 2 1]
	// soft weights: [0.0063 0.9304 0.0463 0.0170]
	// soft output:  [1.8670 1.9537 0.8858]
}

// Masking a key removes it from the softmax; a lower temperature sharpens
// the weights towards hard attention.
func ExampleSoft() {
	keys := kernel.MatrixFrom(4, 3, []float32{1, 2, 3, 2, 2, 1, 0, 1, -1, 0, 2, -1})
	query := []float32{3, -1, -1}
	out := make([]float32, 3)
	w := make([]float32, 4)

	_ = attn.Soft(out, w, query, keys, keys, attn.Options{Unscaled: true, Keep: []bool{true, false, true, true}})
	fmt.Printf("key 1 masked: %.4f\n", w)

	_ = attn.Soft(out, w, query, keys, keys, attn.Options{Unscaled: true, Temperature: 0.25})
	fmt.Printf("temperature 0.25: %.4f\n", w)
	// Output:
	// key 1 masked: [0.0900 0.0000 0.6652 0.2447]
	// temperature 0.25: [0.0000 1.0000 0.0000 0.0000]
}

// Causal self-attention of a short sequence: the first query can only
// see the first key, so its output is the first value.
func ExampleSelfAttention() {
	x := kernel.MatrixFrom(3, 2, []float32{
		1, 0,
		0, 1,
		1, 1,
	})
	dst := kernel.NewMatrix(3, 2)
	_ = attn.SelfAttention(dst, x, x, x, attn.Options{Causal: true, Unscaled: true})
	for i := 0; i < 3; i++ {
		fmt.Printf("%.4f\n", dst.Row(i))
	}
	// Output:
	// [1.0000 0.0000]
	// [0.2689 0.7311]
	// [0.7881 0.7881]
}

// Decoding token by token against a KV cache gives what a causal Forward
// over the whole sequence gives, without recomputing the past.
func ExampleMultiHead_Decode() {
	m, _ := attn.NewMultiHead(4, 2, true)
	m.Init(rand.New(rand.NewPCG(1, 2)))
	x := kernel.MatrixFrom(3, 4, []float32{1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0})

	full := kernel.NewMatrix(3, 4)
	_ = m.Forward(full, x, attn.Options{Causal: true})

	cache, _ := attn.NewKVCache(m, 16)
	step := make([]float32, 4)
	for t := 0; t < 3; t++ {
		_ = m.Decode(step, x.Row(t), cache, attn.Options{})
		same := true
		for j := range step {
			if d := step[j] - full.At(t, j); d > 1e-6 || d < -1e-6 {
				same = false
			}
		}
		fmt.Println("token", t, "matches Forward:", same, "cached:", cache.Len())
	}
	// Output:
	// token 0 matches Forward: true cached: 1
	// token 1 matches Forward: true cached: 2
	// token 2 matches Forward: true cached: 3
}

// Hard attention passes no gradient to the scores; the straight-through
// estimator passes softmax's.
func ExampleHardBackward() {
	keys := kernel.MatrixFrom(4, 3, []float32{1, 2, 3, 2, 2, 1, 0, 1, -1, 0, 2, -1})
	q := []float32{3, -1, -1}
	out := make([]float32, 3)
	opt := attn.Options{Unscaled: true}
	i, _ := attn.Hard(out, q, keys, keys, opt)

	dOut := []float32{1, 0, 0}
	for _, est := range []attn.Estimator{attn.ZeroGradient, attn.StraightThrough} {
		dq := make([]float32, 3)
		_ = attn.HardBackward(dq, kernel.Matrix{}, kernel.Matrix{}, dOut, i, q, keys, keys, nil, opt, est)
		fmt.Printf("%.4f\n", dq)
	}
	// Output:
	// [0.0000 0.0000 0.0000]
	// [0.2420 0.0865 0.2257]
}
