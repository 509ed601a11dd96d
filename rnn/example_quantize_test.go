package rnn_test

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// Quantizing a trained network: its weight matrices become int8, about a
// quarter of the memory, and every inference call runs on them; training
// calls refuse it.
func ExampleNet_Quantize() {
	net, err := rnn.New(rnn.Config{Cell: rnn.LSTM, Input: 16, Hidden: 64, Output: 4}, 1)
	if err != nil {
		panic(err)
	}
	q, err := net.Quantize()
	if err != nil {
		panic(err)
	}
	xs := kernel.NewMatrix(20, 16)
	for i := range xs.Data {
		xs.Data[i] = float32(math.Sin(float64(i)))
	}
	want, _ := net.Forward(xs)
	got, _ := q.Forward(xs)
	worst := 0.0
	for i := range want.Data {
		worst = math.Max(worst, math.Abs(float64(got.Data[i]-want.Data[i])))
	}
	fmt.Println("quantized:", q.Quantized(), "largest difference below 1e-2:", worst < 1e-2)
	_, err = q.Trace(xs)
	fmt.Println(err)
	// Output:
	// quantized: true largest difference below 1e-2: true
	// rnn: quantized network (int8 weights): training needs the float weights: Trace
}
