package kernel_test

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

func Example() {
	x := []float32{1, 2, 3}
	y := []float32{4, 5, 6}
	fmt.Println(kernel.Dot(x, y))

	a := kernel.MatrixFrom(2, 3, []float32{1, 0, 0, 0, 1, 1})
	dst := make([]float32, 2)
	kernel.Gemv(dst, a, x)
	fmt.Println(dst)

	kernel.Axpy(2, x, y) // y += 2·x
	fmt.Println(y)

	kernel.Softmax(dst, dst) // in place
	fmt.Printf("%.4f\n", dst)

	c := kernel.NewMatrix(2, 2)
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, a, a, 0, c) // c = a·aᵀ
	fmt.Println(c.Data)
	// Output:
	// 32
	// [1 5]
	// [6 9 12]
	// [0.0180 0.9820]
	// [1 0 0 2]
}

func ExampleArgmax() {
	scores := []float32{-2, 3, 0, -1}
	fmt.Println(kernel.Argmax(scores), kernel.Max(scores))
	// Output: 1 3
}

func ExampleSetLevel() {
	restore, err := kernel.SetLevel(kernel.Generic)
	if err != nil {
		panic(err)
	}
	defer restore()
	fmt.Println(kernel.Active())
	// Output: generic
}

func ExampleGemm() {
	a := kernel.MatrixFrom(2, 3, []float32{1, 2, 3, 4, 5, 6})
	b := kernel.MatrixFrom(2, 3, []float32{1, 0, 1, 0, 1, 0})
	c := kernel.NewMatrix(2, 2)
	// c = a·bᵀ
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, a, b, 0, c)
	fmt.Println(c.Row(0), c.Row(1))
	// Output: [4 2] [10 5]
}
