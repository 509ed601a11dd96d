package rnn_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// Weights written in place after a Net has run: WeightsChanged makes the
// next run repack them, so that it computes with the new ones.
func ExampleNet_WeightsChanged() {
	net, _ := rnn.New(rnn.Config{Input: 2, Hidden: 3, Output: 1}, 1)
	xs := []kernel.Matrix{kernel.MatrixFrom(1, 2, []float32{1, 1}), kernel.MatrixFrom(1, 2, []float32{0, 1})}
	before, _ := net.ForwardBatch(xs) // packs the weights

	clear(net.Wy.Data) // a head of zeros: every output is its bias
	net.By[0] = 0.5
	net.WeightsChanged()

	after, _ := net.ForwardBatch(xs)
	fmt.Println(before[0].At(0, 0) != 0.5, after[0].At(0, 0), after[1].At(0, 0))
	// Output: true 0.5 0.5
}
