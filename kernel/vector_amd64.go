//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for the vector kernels on amd64. Each function switches on the
// package-level level rather than calling through a function value: a
// switch costs a predictable branch, and unlike an indirect call it lets
// escape analysis see that the //go:noescape assembly keeps no pointer, so
// callers' stack buffers stay on the stack.
//
// Registry names say the unroll: "u8" is eight vectors per main-loop
// iteration (eight accumulators for the reductions).

func init() {
	for _, k := range []string{"Dot", "Sum", "Max", "Argmax", "Axpy", "Scale", "Add", "Mul"} {
		register(k, Generic, genericName(k))
	}
	register("Dot", AVX2, "dot_avx2_fma_u8")
	register("Dot", AVX512, "dot_avx512_u8")
	register("Sum", AVX2, "sum_avx2_u8")
	register("Sum", AVX512, "sum_avx512_u8")
	register("Max", AVX2, "max_avx2_u8_unord")
	register("Max", AVX512, "max_avx512_u8_kord")
	register("Argmax", AVX2, "argmax_avx2_2pass_u8")
	register("Argmax", AVX512, "argmax_avx512_2pass_u8")
	register("Axpy", AVX2, "axpy_avx2_fma_u4")
	register("Axpy", AVX512, "axpy_avx512_u4")
	register("Scale", AVX2, "scale_avx2_u4")
	register("Scale", AVX512, "scale_avx512_u4")
	register("Add", AVX2, "add_avx2_u4")
	register("Add", AVX512, "add_avx512_u4")
	register("Mul", AVX2, "mul_avx2_u4")
	register("Mul", AVX512, "mul_avx512_u4")
}

func dot(x, y []float32) float32 {
	switch active {
	case AVX512:
		return asm.DotAVX512(x, y)
	case AVX2:
		return asm.DotAVX2(x, y)
	}
	return dotGeneric(x, y)
}

func sum(x []float32) float32 {
	switch active {
	case AVX512:
		return asm.SumAVX512(x)
	case AVX2:
		return asm.SumAVX2(x)
	}
	return sumGeneric(x)
}

func max32(x []float32) float32 {
	switch active {
	case AVX512:
		return asm.MaxAVX512(x)
	case AVX2:
		return asm.MaxAVX2(x)
	}
	return maxGeneric(x)
}

// argmax is two passes on amd64: the maximum (NaN if there is one), then
// the first element equal to it (or the first NaN).
func argmax(x []float32) int {
	switch active {
	case AVX512:
		return asm.IndexAVX512(x, asm.MaxAVX512(x))
	case AVX2:
		return asm.IndexAVX2(x, asm.MaxAVX2(x))
	}
	return argmaxGeneric(x)
}

func axpy(alpha float32, x, y []float32) {
	switch active {
	case AVX512:
		asm.AxpyAVX512(alpha, x, y)
	case AVX2:
		asm.AxpyAVX2(alpha, x, y)
	default:
		axpyGeneric(alpha, x, y)
	}
}

func scale(alpha float32, x []float32) {
	switch active {
	case AVX512:
		asm.ScaleAVX512(alpha, x)
	case AVX2:
		asm.ScaleAVX2(alpha, x)
	default:
		scaleGeneric(alpha, x)
	}
}

func add(dst, a, b []float32) {
	switch active {
	case AVX512:
		asm.AddAVX512(dst, a, b)
	case AVX2:
		asm.AddAVX2(dst, a, b)
	default:
		addGeneric(dst, a, b)
	}
}

func mul(dst, a, b []float32) {
	switch active {
	case AVX512:
		asm.MulAVX512(dst, a, b)
	case AVX2:
		asm.MulAVX2(dst, a, b)
	default:
		mulGeneric(dst, a, b)
	}
}
