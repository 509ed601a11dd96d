package kernel_test

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

func ExampleExp() {
	x := []float32{0, 1, -1, 88.72283, 89, float32(math.Inf(-1))}
	kernel.Exp(x, x) // in place
	fmt.Println(x)
	// Output: [1 2.7182817 0.36787945 3.4027985e+38 +Inf 0]
}

func ExampleTanh() {
	x := []float32{0, 0.5, -0.5, 10, float32(math.Inf(-1))}
	dst := make([]float32, len(x))
	kernel.Tanh(dst, x)
	fmt.Println(dst)
	// Output: [0 0.46211717 -0.46211717 1 -1]
}

func ExampleSigmoid() {
	x := []float32{0, 2, -2, -100} // σ(−100) = e^−100 is subnormal in float32
	dst := make([]float32, len(x))
	kernel.Sigmoid(dst, x)
	fmt.Println(dst)
	// Output: [0.5 0.8807971 0.11920292 3.8e-44]
}

func ExampleSoftmax() {
	// Logits with a masked (-Inf) entry: it gets exactly 0.
	logits := []float32{1, 2, float32(math.Inf(-1)), 3}
	p := make([]float32, len(logits))
	kernel.Softmax(p, logits)
	fmt.Printf("%.4f\n", p)
	kernel.LogSoftmax(p, logits)
	fmt.Printf("%.4f\n", p)
	fmt.Printf("%.4f\n", kernel.LogSumExp(logits))
	// Output:
	// [0.0900 0.2447 0.0000 0.6652]
	// [-2.4076 -1.4076 -Inf -0.4076]
	// 3.4076
}
