package kernel_test

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

func ExampleSiLU() {
	x := []float32{0, 1, -1, 20, -200, float32(math.Inf(1)), float32(math.Inf(-1))}
	kernel.SiLU(x, x) // in place; silu(−Inf) is NaN, as torch gives
	fmt.Println(x)
	// Output: [0 0.7310586 -0.26894143 20 -0 +Inf NaN]
}

func ExampleLayerNorm() {
	x := []float32{1, 2, 3, 4}
	gamma := []float32{1, 1, 2, 2}
	beta := []float32{0, 0, 0.5, 0.5}
	dst := make([]float32, len(x))
	kernel.LayerNorm(dst, x, gamma, beta, kernel.DefaultLayerNormEps)
	fmt.Printf("%.5f\n", dst)
	kernel.LayerNorm(dst, x, nil, nil, 0) // no affine, no eps: mean 0, variance 1
	fmt.Printf("%.5f\n", dst)
	// A row of 1e30s: x² overflows float32, but the moments are summed in
	// float64, so the constant row normalises to β exactly.
	big := []float32{1e30, 1e30, 1e30}
	kernel.LayerNorm(big, big, nil, []float32{7, 8, 9}, kernel.DefaultLayerNormEps)
	fmt.Println(big)
	// Output:
	// [-1.34164 -0.44721 1.39442 3.18327]
	// [-1.34164 -0.44721 0.44721 1.34164]
	// [7 8 9]
}

func ExampleRMSNorm() {
	x := []float32{3, -4, 0, 5e29}
	dst := make([]float32, len(x))
	kernel.RMSNorm(dst[:3], x[:3], nil, 0) // root mean square √(25/3)
	fmt.Printf("%.5f\n", dst[:3])
	kernel.RMSNorm(dst, x, []float32{1, 1, 1, 2}, kernel.DefaultRMSNormEps) // x² of 5e29 overflows float32, not float64
	fmt.Printf("%.5g\n", dst)
	// Output:
	// [1.03923 -1.38564 0.00000]
	// [1.2e-29 -1.6e-29 0 4]
}

func ExampleLayerNormRows() {
	// Two tokens of width 3, normalised over the last dimension as
	// torch.nn.LayerNorm(3) does.
	x := kernel.MatrixFrom(2, 3, []float32{1, 2, 3, 10, 10, 40})
	kernel.LayerNormRows(x, x, nil, nil, kernel.DefaultLayerNormEps)
	fmt.Printf("%.4f\n", x.Data)
	// Output: [-1.2247 0.0000 1.2247 -0.7071 -0.7071 1.4142]
}
