//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for the vector kernels on arm64. Each function switches on the
// package-level level rather than calling through a function value: a
// switch costs a predictable branch, and unlike an indirect call it lets
// escape analysis see that the //go:noescape assembly keeps no pointer, so
// callers' stack buffers stay on the stack.

func init() {
	for _, k := range []string{"Dot", "Sum", "Max", "Argmax", "Axpy", "Scale", "Add", "Mul"} {
		register(k, Generic, genericName(k))
	}
	register("Dot", NEON, "dot_neon_u32")
	register("Sum", NEON, "sum_neon_u32")
	register("Max", NEON, "max_neon_u32")
	register("Argmax", NEON, "argmax_neon_lanes_u16")
	register("Axpy", NEON, "axpy_neon_u32")
	register("Scale", NEON, "scale_neon_u32")
	register("Add", NEON, "add_neon_u32")
	register("Mul", NEON, "mul_neon_u32")
}

func dot(x, y []float32) float32 {
	if active == NEON {
		return asm.DotNEON(x, y)
	}
	return dotGeneric(x, y)
}

func sum(x []float32) float32 {
	if active == NEON {
		return asm.SumNEON(x)
	}
	return sumGeneric(x)
}

func max32(x []float32) float32 {
	if active == NEON {
		return asm.MaxNEON(x)
	}
	return maxGeneric(x)
}

func argmax(x []float32) int {
	if active == NEON {
		return asm.ArgmaxNEON(x)
	}
	return argmaxGeneric(x)
}

func axpy(alpha float32, x, y []float32) {
	if active == NEON {
		asm.AxpyNEON(alpha, x, y)
		return
	}
	axpyGeneric(alpha, x, y)
}

func scale(alpha float32, x []float32) {
	if active == NEON {
		asm.ScaleNEON(alpha, x)
		return
	}
	scaleGeneric(alpha, x)
}

func add(dst, a, b []float32) {
	if active == NEON {
		asm.AddNEON(dst, a, b)
		return
	}
	addGeneric(dst, a, b)
}

func mul(dst, a, b []float32) {
	if active == NEON {
		asm.MulNEON(dst, a, b)
		return
	}
	mulGeneric(dst, a, b)
}
