package attn_test

import (
	"fmt"

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
