package kernel_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// One step of two LSTM units, the state updated in place. The gates hold
// the pre-activations [i i f f g g o o] on entry and the activated gates
// on return. (Printed to 5 decimals: levels may differ in the last bits.)
func ExampleLSTMCell() {
	h := make([]float32, 2)
	c := []float32{0.5, -1}
	gates := []float32{2, -2, 1, 3, 0.5, -0.5, 0, 4}
	kernel.LSTMCell(h, c, c, gates)
	fmt.Printf("gates %.5f\nc %.5f\nh %.5f\n", gates, c, h)
	// Output:
	// gates [0.88080 0.11920 0.73106 0.95257 0.46212 -0.46212 0.50000 0.98201]
	// c [0.77256 -1.00766]
	// h [0.32421 -0.75104]
}

// One step of two GRU units: xg and hg hold the input-side and
// hidden-side pre-activations [r r z z n n]; on return xg holds [r z m].
func ExampleGRUCell() {
	hPrev := []float32{0.5, -1}
	h := make([]float32, 2)
	xg := []float32{1, -1, 0, 2, 0.5, -0.5}
	hg := []float32{0, 0.5, 0.25, 0, 1, 2}
	kernel.GRUCell(h, hPrev, xg, hg)
	fmt.Printf("r z m %.5f\nh %.5f\n", xg, h)
	// Output:
	// r z m [0.73106 0.37754 0.56218 0.88080 0.84289 0.24969]
	// h [0.65012 -0.85103]
}
