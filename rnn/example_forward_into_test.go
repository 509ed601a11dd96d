package rnn_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// A streaming caller that runs a chunk of steps at a time, without
// allocating: the workspace and the buffers are made once, and the state
// is carried from chunk to chunk in place (final may be init). Two chunks
// of two steps end where ForwardState over all four steps ends.
func ExampleNet_ForwardInto() {
	net, _ := rnn.New(rnn.Config{Cell: rnn.LSTM, Input: 2, Hidden: 3}, 1)
	xs := kernel.MatrixFrom(4, 2, []float32{1, 0, 0, 1, -1, 0, 0, -1})
	whole, _, _ := net.ForwardState(xs, nil)

	ws, _ := net.NewWorkspace(1, 2) // one sequence, chunks of 2 steps
	y, state := kernel.NewMatrix(2, 3), net.NewBatchStates(1)
	for chunk := range 2 {
		_ = net.ForwardInto(ws, y, xs.Slice(2*chunk, 2*chunk+2, 0, 2), state, state)
	}
	fmt.Printf("ForwardState, last step: %.4f\n", whole.Row(3))
	fmt.Printf("ForwardInto,  last step: %.4f\n", y.Row(1))
	fmt.Printf("carried h: %.4f\n", state.H.Row(0))
	// Output:
	// ForwardState, last step: [-0.3512 0.0506 -0.1403]
	// ForwardInto,  last step: [-0.3512 0.0506 -0.1403]
	// carried h: [-0.3512 0.0506 -0.1403]
}
