//go:build !purego && !noasm

package kernel

// Dispatch for the vector kernels on amd64. Each function switches on the
// package-level level rather than calling through a function value: a
// switch costs a predictable branch, and unlike an indirect call it lets
// escape analysis see that the //go:noescape assembly keeps no pointer, so
// callers' stack buffers stay on the stack.

func init() {
	for _, k := range []string{"Dot", "Sum", "Max", "Argmax", "Axpy", "Scale", "Add", "Mul"} {
		register(k, Generic, genericName(k))
	}
}

func dot(x, y []float32) float32         { return dotGeneric(x, y) }
func sum(x []float32) float32            { return sumGeneric(x) }
func max32(x []float32) float32          { return maxGeneric(x) }
func argmax(x []float32) int             { return argmaxGeneric(x) }
func axpy(alpha float32, x, y []float32) { axpyGeneric(alpha, x, y) }
func scale(alpha float32, x []float32)   { scaleGeneric(alpha, x) }
func add(dst, a, b []float32)            { addGeneric(dst, a, b) }
func mul(dst, a, b []float32)            { mulGeneric(dst, a, b) }
