package kernel

import (
	"fmt"
	"unsafe"
)

// maxChunk bounds the elements one assembly call handles. Assembly
// functions cannot be preempted, so the Go wrappers feed long slices in
// chunks and the goroutine stays responsive to the scheduler and GC.
const maxChunk = 1 << 16

// panicLen reports mismatched lengths: "kernel.Dot: len(x)=5 != len(y)=7".
//
//go:noinline
func panicLen(fn, a string, la int, b string, lb int) {
	panic(fmt.Sprintf("kernel.%s: len(%s)=%d != len(%s)=%d", fn, a, la, b, lb))
}

// panicOverlap reports outputs that overlap inputs they may not.
//
//go:noinline
func panicOverlap(fn, a, b string) {
	panic(fmt.Sprintf("kernel.%s: %s overlaps %s", fn, a, b))
}

// overlaps reports whether a and b share any element. Equal slices
// (same start and length) count as overlapping.
func overlaps(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b))*4 && pb < pa+uintptr(len(a))*4
}

// overlapsSpan reports whether dst overlaps the span of a well-formed
// (shapeValid) rows×cols matrix of the given stride over data: overlaps
// (dst, Matrix{…}.span()) without building the matrix or slicing data.
func overlapsSpan(dst, data []float32, rows, cols, stride int) bool {
	if len(dst) == 0 || rows == 0 || cols == 0 {
		return false
	}
	pd := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	return pd < pa+uintptr((rows-1)*stride+cols)*4 && pa < pd+uintptr(len(dst))*4
}

// partialOverlap reports whether a and b overlap without being the same
// slice. Elementwise kernels allow dst to be exactly an input (in place)
// but not shifted onto one, which would make the result depend on the
// order the elements are visited in.
func partialOverlap(a, b []float32) bool {
	return overlaps(a, b) && unsafe.SliceData(a) != unsafe.SliceData(b)
}
