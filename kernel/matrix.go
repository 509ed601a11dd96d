package kernel

import (
	"fmt"
	"math/bits"
)

// Matrix is a row-major float32 matrix view: element (i, j) is
// Data[i*Stride+j]. Stride may exceed Cols, so a Matrix can be a window
// on a larger one (see Slice); the Stride-Cols padding elements at the
// end of each row are never read or written by any kernel.
//
// A Matrix is a small value that refers to shared data, like a slice.
type Matrix struct {
	Rows, Cols, Stride int
	Data               []float32
}

// NewMatrix returns a zeroed rows×cols matrix with Stride == cols.
// It panics if rows or cols is negative or rows·cols overflows an int.
func NewMatrix(rows, cols int) Matrix {
	n, ok := matrixElems(rows, cols)
	if !ok {
		panic(fmt.Sprintf("kernel.NewMatrix: size %d×%d is negative or overflows int", rows, cols))
	}
	return Matrix{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, n)}
}

// MatrixFrom wraps data as a rows×cols matrix with Stride == cols. It
// panics if rows or cols is negative, rows·cols overflows an int, or
// len(data) != rows·cols.
func MatrixFrom(rows, cols int, data []float32) Matrix {
	if n, ok := matrixElems(rows, cols); !ok || len(data) != n {
		panic(fmt.Sprintf("kernel.MatrixFrom: %d×%d matrix (size negative or overflowing int, or ≠ len(data)), len(data)=%d", rows, cols, len(data)))
	}
	return Matrix{Rows: rows, Cols: cols, Stride: cols, Data: data}
}

// Row returns row i as a slice of length and capacity Cols, so appending
// to it cannot overwrite the next row.
func (m Matrix) Row(i int) []float32 {
	if uint(i) >= uint(m.Rows) {
		panic(fmt.Sprintf("kernel.Matrix.Row: row %d out of range [0,%d)", i, m.Rows))
	}
	o := i * m.Stride
	return m.Data[o : o+m.Cols : o+m.Cols]
}

// At returns element (i, j).
func (m Matrix) At(i, j int) float32 {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(fmt.Sprintf("kernel.Matrix.At: (%d,%d) out of range %d×%d", i, j, m.Rows, m.Cols))
	}
	return m.Data[i*m.Stride+j]
}

// Set sets element (i, j) to v.
func (m Matrix) Set(i, j int, v float32) {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(fmt.Sprintf("kernel.Matrix.Set: (%d,%d) out of range %d×%d", i, j, m.Rows, m.Cols))
	}
	m.Data[i*m.Stride+j] = v
}

// Slice returns the view of rows [r0,r1) and columns [c0,c1), sharing
// m's data.
func (m Matrix) Slice(r0, r1, c0, c1 int) Matrix {
	if r0 < 0 || r1 < r0 || r1 > m.Rows || c0 < 0 || c1 < c0 || c1 > m.Cols {
		panic(fmt.Sprintf("kernel.Matrix.Slice: [%d:%d, %d:%d] out of range %d×%d", r0, r1, c0, c1, m.Rows, m.Cols))
	}
	s := Matrix{Rows: r1 - r0, Cols: c1 - c0, Stride: m.Stride}
	if s.Rows > 0 && s.Cols > 0 {
		start := r0*m.Stride + c0
		s.Data = m.Data[start : start+(s.Rows-1)*m.Stride+s.Cols]
	}
	return s
}

// matrixElems returns rows·cols and true, or 0 and false if rows or cols
// is negative or the product overflows an int.
func matrixElems(rows, cols int) (int, bool) {
	if rows < 0 || cols < 0 {
		return 0, false
	}
	hi, lo := bits.Mul(uint(rows), uint(cols))
	if hi != 0 || lo > uint(maxInt) {
		return 0, false
	}
	return int(lo), true
}

// maxInt is the largest int.
const maxInt = int(^uint(0) >> 1)

// Valid reports whether m is well formed: non-negative sizes,
// Stride ≥ Cols, and Data long enough to hold every row, that is
// (Rows-1)·Stride + Cols ≤ len(Data) for a non-empty matrix, computed
// without overflow (a Stride or Rows so large that the product overflows
// makes the matrix malformed, however short Data is). Every kernel taking
// a Matrix checks Valid before touching memory; the check is a multiply
// and a few compares.
func (m Matrix) Valid() bool {
	return shapeValid(m.Rows, m.Cols, m.Stride, len(m.Data))
}

// shapeValid is Matrix.Valid on the fields (rows, cols, stride and
// len(Data)), for kernels that check a matrix without copying it.
func shapeValid(rows, cols, stride, n int) bool {
	if rows < 0 || cols < 0 || stride < cols {
		return false
	}
	if rows == 0 || cols == 0 {
		return true
	}
	if n < cols {
		return false
	}
	// (rows-1)·stride ≤ n-cols, with the full 2-word product.
	hi, lo := bits.Mul(uint(rows-1), uint(stride))
	return hi == 0 && lo <= uint(n-cols)
}

// span returns the part of Data the matrix covers (nil when empty).
func (m Matrix) span() []float32 {
	if m.Rows == 0 || m.Cols == 0 {
		return nil
	}
	return m.Data[:(m.Rows-1)*m.Stride+m.Cols]
}

// mustValid panics with the calling kernel's name if m is malformed.
func mustValid(fn, name string, m Matrix) {
	if !m.Valid() {
		panic(fmt.Sprintf("kernel.%s: malformed matrix %s: %d×%d stride %d len(data)=%d", fn, name, m.Rows, m.Cols, m.Stride, len(m.Data)))
	}
}
