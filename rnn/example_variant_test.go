package rnn_test

import (
	"errors"
	"fmt"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// A GRU whose reset gate acts before the hidden-side product (ONNX's
// linear_before_reset=0) and an LSTM with peepholes, a coupled forget
// gate and clipped pre-activations: cell variants run every inference
// call, and refuse what they do not support with ErrVariant.
func ExampleConfig_variants() {
	gru, err := rnn.New(rnn.Config{Cell: rnn.GRU, Input: 2, Hidden: 3, ResetBefore: true, Bias: rnn.BiasPair}, 1)
	if err != nil {
		panic(err)
	}
	lstm, err := rnn.New(rnn.Config{Cell: rnn.LSTM, Input: 2, Hidden: 3, Peepholes: true, InputForget: true, Clip: 3}, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("peepholes per cell:", len(lstm.Cells[0].P))
	xs := kernel.NewMatrix(4, 2)
	for i := range xs.Data {
		xs.Data[i] = float32(i%3) - 1
	}
	for _, n := range []*rnn.Net{gru, lstm} {
		y, err := n.Forward(xs)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%v: %d×%d outputs\n", n.Config().Cell, y.Rows, y.Cols)
		st := n.NewState()
		h := make([]float32, 3)
		for t := range xs.Rows {
			if err := st.Step(h, xs.Row(t)); err != nil {
				panic(err)
			}
		}
		fmt.Printf("  Step ends where Forward does: %v\n", max(abs(h[0]-y.At(3, 0)), abs(h[2]-y.At(3, 2))) < 1e-6)
		_, err = n.Quantize()
		fmt.Println("  Quantize:", errors.Is(err, rnn.ErrVariant))
	}
	// Output:
	// peepholes per cell: 9
	// gru: 4×3 outputs
	//   Step ends where Forward does: true
	//   Quantize: true
	// lstm: 4×3 outputs
	//   Step ends where Forward does: true
	//   Quantize: true
}

func abs(x float32) float32 { return max(x, -x) }
