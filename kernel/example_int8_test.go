package kernel_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// QGemvAdd adds an int8 matrix–vector product to dst, the way a
// recurrent step adds W_hh·h to the input projection: the weights are
// quantized once, the activations at each call (into a reused QVector).
func ExampleQGemvAdd() {
	w := kernel.MatrixFrom(2, 3, []float32{
		1, -2, 0.5,
		0.25, 0, -1,
	})
	qw, err := kernel.QuantizeMatrix(w)
	if err != nil {
		panic(err)
	}
	var qh kernel.QVector
	h := []float32{0.5, 1, -1}
	qh.Quantize(h) // per call: scale max|h|/127
	gates := []float32{10, 20}
	kernel.QGemvAdd(gates, qw, &qh)
	fmt.Printf("%.3f\n", gates) // in float32: [8 21.125]
	// Output: [8.004 21.127]
}

// QGemm multiplies a batch of activation rows by the transpose of
// row-major weights, as a layer's input projection over a sequence does.
func ExampleQGemm() {
	w := kernel.MatrixFrom(2, 2, []float32{1, 2, -1, 1})
	qw, _ := kernel.QuantizeMatrix(w)
	x := kernel.MatrixFrom(3, 2, []float32{1, 0, 0, 1, 1, 1})
	var qx kernel.QBatch
	qx.Quantize(x)
	c := kernel.NewMatrix(3, 2)
	kernel.QGemm(c, &qx, qw)
	for i := 0; i < c.Rows; i++ {
		fmt.Printf("%.3f\n", c.Row(i))
	}
	// In float32: [1 -1], [2 1], [3 0]; w's 1 next to 2 is 64/127·2.
	// Output:
	// [1.008 -1.000]
	// [2.000 1.000]
	// [3.008 0.000]
}

// DotInt8 is exact: every int8 path returns the same integer.
func ExampleDotInt8() {
	x := []int8{-128, 127, 5}
	w := []int8{127, -127, 3}
	fmt.Println(kernel.DotInt8(x, w))
	// Output: -32370
}

// SetInt8Path caps the int8 path, as SIMDCORE_INT8 does for a process;
// the generic path is always there.
func ExampleSetInt8Path() {
	restore, err := kernel.SetInt8Path(kernel.Int8Generic)
	if err != nil {
		panic(err)
	}
	defer restore()
	fmt.Println(kernel.ActiveInt8(), "-", kernel.ActiveInt8().Describe())
	// Output: generic - pure Go
}

// Rebuilding a QMatrix from the rows and scales a model file keeps.
func ExampleNewQMatrix() {
	a := kernel.MatrixFrom(2, 3, []float32{1, -0.5, 0.25, 0, 2, -4})
	q, _ := kernel.QuantizeMatrix(a)
	stored := append(append([]int8(nil), q.Row(0)...), q.Row(1)...)
	back, err := kernel.NewQMatrix(2, 3, stored, q.Scales)
	fmt.Println(stored, err, back.RowSums)
	_, err = kernel.NewQMatrix(2, 3, stored[:5], q.Scales)
	fmt.Println(err)
	// Output:
	// [127 -64 32 0 64 -127] <nil> [95 -63]
	// kernel.NewQMatrix: 2×3 with 5 values and 2 scales
}

// QuantizeRemainder adds a second int8 plane to a vector's quantization:
// the product with the weights is then two int8 products, and the
// activations' rounding error drops by about 250×.
func ExampleQVector_QuantizeRemainder() {
	w := kernel.MatrixFrom(1, 4, []float32{1, 1, 1, 1})
	qw, _ := kernel.QuantizeMatrix(w) // exact: every weight is 1·(1/127)·127
	x := []float32{0.3, -0.7, 0.011, 1}
	var hi, lo kernel.QVector
	hi.Quantize(x)
	lo.QuantizeRemainder(x, &hi)
	one, two := []float32{0}, []float32{0}
	kernel.QGemv(one, qw, &hi)
	kernel.QGemv(two, qw, &hi)
	kernel.QGemvAdd(two, qw, &lo)
	fmt.Printf("float 0.611, one plane %.5f, two planes %.5f\n", one[0], two[0])
	// Output: float 0.611, one plane 0.60630, two planes 0.61100
}
