package rnn_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// An LSTM run over a sequence in two pieces: the second piece starts
// from the first one's final state (h_n, c_n), as torch's
// lstm(x2, (h_n, c_n)) does, and ends where the whole sequence ends.
func ExampleNet_ForwardState() {
	net, _ := rnn.New(rnn.Config{Cell: rnn.LSTM, Input: 2, Hidden: 3}, 1)
	xs := kernel.MatrixFrom(4, 2, []float32{1, 0, 0, 1, -1, 0, 0, -1})
	whole, _, _ := net.ForwardState(xs, nil)
	_, mid, _ := net.ForwardState(xs.Slice(0, 2, 0, 2), nil)
	rest, end, _ := net.ForwardState(xs.Slice(2, 4, 0, 2), mid)
	fmt.Printf("whole, last step: %.4f\n", whole.Row(3))
	fmt.Printf("rest,  last step: %.4f\n", rest.Row(1))
	fmt.Printf("h_n %.4f, c_n %.4f\n", end.H.Row(0), end.C.Row(0))
	// Output:
	// whole, last step: [-0.3512 0.0506 -0.1403]
	// rest,  last step: [-0.3512 0.0506 -0.1403]
	// h_n [-0.3512 0.0506 -0.1403], c_n [-0.6053 0.1611 -0.2950]
}

// One detector per stream: a GRU stepping three streams together, one
// step of each per call; stream 1 starts a new sequence at step 2 and
// so gives again what it gave at step 0.
func ExampleNet_NewBatchState() {
	net, _ := rnn.New(rnn.Config{Cell: rnn.GRU, Input: 1, Hidden: 4, Output: 1, OutputActivation: rnn.Sigmoid}, 2)
	bs := net.NewBatchState(3)
	x, y := kernel.NewMatrix(3, 1), kernel.NewMatrix(3, 1)
	for step := range 3 {
		if step == 2 {
			_ = bs.ResetStream(1)
		}
		x.Data[0], x.Data[1], x.Data[2] = 1, -1, float32(step)
		_ = bs.Step(y, x)
		fmt.Printf("step %d: %.4f\n", step, y.Data)
	}
	// Output:
	// step 0: [0.4491 0.4961 0.4762]
	// step 1: [0.4404 0.5103 0.4496]
	// step 2: [0.4352 0.4961 0.4089]
}
