package kernel

import "fmt"

// Gemv computes dst = a·x: dst[i] = Σ_j a[i,j]·x[j].
//
// len(x) must be a.Cols and len(dst) a.Rows, a must be well formed
// (Matrix.Valid), and dst must not overlap x or a's span (padding
// included). It panics otherwise, naming the sizes, before touching
// memory. The padding between rows (Stride-Cols elements) is never read.
//
// Each dst[i] is summed in float32 in an order that depends on the level
// (several partial sums, combined at the end), so levels may differ in
// the last bits; the error is bounded by (Cols+1)·ε·Σ_j |a[i,j]·x[j]|.
// NaN and Inf propagate as in the plain loop. Gemv of a matrix with no
// columns sets dst to zeros.
func Gemv(dst []float32, a Matrix, x []float32) {
	dispatchGemv("Gemv", dst, a, x, false)
}

// GemvAdd computes dst += a·x, so that an RNN step can add W_hh·h to a
// precomputed W_hx·x + b without a temporary. Sizes and overlap rules are
// Gemv's.
func GemvAdd(dst []float32, a Matrix, x []float32) {
	dispatchGemv("GemvAdd", dst, a, x, true)
}

// GemvT computes dst = aᵀ·x: dst[j] = Σ_i a[i,j]·x[i], the product that
// backpropagation through a layer needs. dst's previous contents are
// ignored.
//
// len(x) must be a.Rows and len(dst) a.Cols; the other rules, and the
// error bound (with Rows terms), are Gemv's. The assembly adds eight rows
// of a to dst per pass, so dst is read and written once per eight rows.
func GemvT(dst []float32, a Matrix, x []float32) {
	dispatchGemvT(dst, a, x)
}

// gemvTBlocks adds aᵀ·x to dst for a matrix too large for one assembly
// call: blocks of whole row groups and at most gemvMaxCols columns, so
// that each call stays short (≤ maxChunk elements).
func gemvTBlocks(dst []float32, a Matrix, x []float32) {
	rowsPer := gemvRowsPer(a.Cols)
	for r := 0; r < a.Rows; r += rowsPer {
		r1 := min(r+rowsPer, a.Rows)
		for c := 0; c < a.Cols; c += gemvMaxCols {
			c1 := min(c+gemvMaxCols, a.Cols)
			gemvT(dst[c:c1], a.Slice(r, r1, c, c1), x[r:r1])
		}
	}
}

// gemvMaxCols bounds the columns one assembly call sees. Wider matrices
// are fed in column blocks, Gemv adding each block's partial sums to dst.
const gemvMaxCols = maxChunk / 8

// gemvRowsPer is how many rows one assembly call gets for a matrix of
// cols columns: a multiple of 8 (the row group of the assembly), and at
// most maxChunk elements in all.
func gemvRowsPer(cols int) int {
	return (maxChunk / min(cols, gemvMaxCols)) &^ 7
}

func checkGemv(fn string, dst []float32, a Matrix, x []float32, wantDst, wantX int) {
	mustValid(fn, "a", a)
	xDim, dstDim := "a.Cols", "a.Rows"
	if fn == "GemvT" {
		xDim, dstDim = "a.Rows", "a.Cols"
	}
	if len(x) != wantX {
		panicDim(fn, "x", len(x), xDim, wantX)
	}
	if len(dst) != wantDst {
		panicDim(fn, "dst", len(dst), dstDim, wantDst)
	}
	if overlaps(dst, x) {
		panicOverlap(fn, "dst", "x")
	}
	if overlaps(dst, a.span()) {
		panicOverlap(fn, "dst", "a")
	}
}

// panicDim reports a vector whose length does not match the matrix:
// "kernel.Gemv: len(x)=5 != a.Cols=4".
//
//go:noinline
func panicDim(fn, v string, n int, dim string, want int) {
	panic(fmt.Sprintf("kernel.%s: len(%s)=%d != %s=%d", fn, v, n, dim, want))
}

// gemvChunks runs the dispatched gemv over groups of rows small enough
// that each assembly call stays short, for the matrices dispatchGemv does
// not give to one call: empty ones, and those above maxChunk elements or
// gemvMaxCols columns.
func gemvChunks(dst []float32, a Matrix, x []float32, accumulate bool) {
	if a.Rows == 0 {
		return
	}
	if a.Cols == 0 {
		if !accumulate {
			clear(dst)
		}
		return
	}
	if a.Cols <= gemvMaxCols && a.Rows*a.Cols <= maxChunk {
		gemv(dst, a, x, accumulate) // one call: skip the blocking arithmetic
		return
	}
	rowsPer := gemvRowsPer(a.Cols)
	for r := 0; r < a.Rows; r += rowsPer {
		r1 := min(r+rowsPer, a.Rows)
		for c := 0; c < a.Cols; c += gemvMaxCols {
			c1 := min(c+gemvMaxCols, a.Cols)
			gemv(dst[r:r1], a.Slice(r, r1, c, c1), x[c:c1], accumulate || c > 0)
		}
	}
}

// gemvGeneric is the portable Gemv and GemvAdd:
//
//	for i := range dst { s := Σ_j a[i,j]*x[j]; if accumulate { dst[i] += s } else { dst[i] = s } }
//
// It handles four rows at a time so each load of x feeds four products.
func gemvGeneric(dst []float32, a Matrix, x []float32, accumulate bool) {
	n := a.Cols
	x = x[:n]
	i := 0
	for ; i+4 <= a.Rows; i += 4 {
		r0 := a.Data[i*a.Stride:][:n]
		r1 := a.Data[(i+1)*a.Stride:][:n]
		r2 := a.Data[(i+2)*a.Stride:][:n]
		r3 := a.Data[(i+3)*a.Stride:][:n]
		var s0, s1, s2, s3 float32
		for j, xv := range x {
			s0 += r0[j] * xv
			s1 += r1[j] * xv
			s2 += r2[j] * xv
			s3 += r3[j] * xv
		}
		if accumulate {
			dst[i] += s0
			dst[i+1] += s1
			dst[i+2] += s2
			dst[i+3] += s3
		} else {
			dst[i], dst[i+1], dst[i+2], dst[i+3] = s0, s1, s2, s3
		}
	}
	for ; i < a.Rows; i++ {
		s := dotGeneric(a.Data[i*a.Stride:][:n], x)
		if accumulate {
			dst[i] += s
		} else {
			dst[i] = s
		}
	}
}

// gemvTGeneric is the portable GemvT step; it adds to dst:
//
//	for i := 0; i < a.Rows; i++ { for j := range dst { dst[j] += a[i,j]*x[i] } }
func gemvTGeneric(dst []float32, a Matrix, x []float32) {
	for i := 0; i < a.Rows; i++ {
		axpyGeneric(x[i], a.Data[i*a.Stride:][:a.Cols], dst)
	}
}
