package kernel_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// A Conv1d of one channel into two filters of three taps, stride 2, with
// one zero of padding on each side (torch.nn.Conv1d(1, 2, 3, stride=2,
// padding=1)): filter 0 sums three neighbours, filter 1 takes a
// difference, plus a bias of 10 and 0.
func ExampleConv() {
	s := kernel.ConvShape{Channels: 1, Filters: 2, Groups: 1, In: []int{6}, Kernel: []int{3},
		Stride: []int{2}, PadBegin: []int{1}, PadEnd: []int{1}}
	x := []float32{1, 2, 3, 4, 5, 6}
	w := []float32{1, 1, 1, -1, 0, 1}
	bias := []float32{10, 0}
	y := make([]float32, s.Filters*s.Out()[0])
	kernel.Conv(y, x, w, bias, make([]float32, s.ColSize()), s)
	fmt.Println(s.Out(), y)
	// Output:
	// [3] [13 19 25 2 2 2]
}

// The same convolution with its filters packed once, as a network's layer
// runs it chunk after chunk: Pack prepares the weights, and each Conv
// reuses them with a scratch buffer of ColSize elements.
func ExamplePackedConv() {
	s := kernel.ConvShape{Channels: 1, Filters: 2, Groups: 1, In: []int{6}, Kernel: []int{3},
		Stride: []int{2}, PadBegin: []int{1}, PadEnd: []int{1}}
	var p kernel.PackedConv
	p.Pack(s, []float32{1, 1, 1, -1, 0, 1}, []float32{10, 0})
	col := make([]float32, p.ColSize())
	y := make([]float32, s.Filters*s.Out()[0])
	for _, x := range [][]float32{{1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1}} {
		p.Conv(y, x, col)
		fmt.Println(y)
	}
	// Output:
	// [13 19 25 2 2 2]
	// [21 22 16 5 -2 -2]
}
