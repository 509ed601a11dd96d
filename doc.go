// Package simdcore makes recurrent-network and attention passes fast on
// CPUs, from Go.
//
// The work is done by the packages below this one:
//
//   - kernel: float32 kernels (Dot, Axpy, Gemv, Gemm, Exp, Tanh, Softmax, …)
//     in hand-written AVX2+FMA and AVX-512 assembly on amd64 and NEON on
//     arm64, chosen at start-up from what the CPU offers, with a pure-Go
//     fallback everywhere;
//   - kernel/ref: the float64 reference implementations every level is
//     tested against.
//
// The active level can be capped with the SIMDCORE_LEVEL environment
// variable (generic, avx2, avx512 or neon), or from code with
// kernel.SetLevel. Building with the purego tag removes all assembly.
//
// A dot product and a matrix-vector product:
//
//	x := []float32{1, 2, 3}
//	y := []float32{4, 5, 6}
//	fmt.Println(kernel.Dot(x, y)) // 32
//
//	a := kernel.MatrixFrom(2, 3, []float32{1, 0, 0, 0, 1, 1})
//	dst := make([]float32, 2)
//	kernel.Gemv(dst, a, x)
//	fmt.Println(dst) // [1 5]
package simdcore
