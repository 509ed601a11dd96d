package nn_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// A Linear packs Wᵀ on its first product of several rows and keeps it;
// after changing W in place, WeightsChanged makes the next Forward see
// the new weights.
func ExampleLinear_WeightsChanged() {
	l, _ := nn.NewLinear(2, 1, false)
	copy(l.W.Data, []float32{1, 1})
	x := kernel.MatrixFrom(2, 2, []float32{1, 2, 3, 4})
	y, _ := l.Forward(kernel.Matrix{}, x)
	fmt.Println(y.Data)
	l.W.Data[1] = 10 // an optimiser step would do this
	l.WeightsChanged()
	y, _ = l.Forward(kernel.Matrix{}, x)
	fmt.Println(y.Data)
	// Output:
	// [3 7]
	// [21 43]
}
