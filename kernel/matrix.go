package kernel

import "fmt"

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
// It panics if rows or cols is negative.
func NewMatrix(rows, cols int) Matrix {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernel.NewMatrix: negative size %d×%d", rows, cols))
	}
	return Matrix{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, rows*cols)}
}

// MatrixFrom wraps data as a rows×cols matrix with Stride == cols. It
// panics if len(data) != rows*cols.
func MatrixFrom(rows, cols int, data []float32) Matrix {
	if rows < 0 || cols < 0 || len(data) != rows*cols {
		panic(fmt.Sprintf("kernel.MatrixFrom: %d×%d matrix needs %d elements, len(data)=%d", rows, cols, rows*cols, len(data)))
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

// Valid reports whether m is well formed: non-negative sizes,
// Stride ≥ Cols, and Data long enough to hold every row.
func (m Matrix) Valid() bool {
	if m.Rows < 0 || m.Cols < 0 || m.Stride < m.Cols {
		return false
	}
	if m.Rows == 0 || m.Cols == 0 {
		return true
	}
	return len(m.Data) >= (m.Rows-1)*m.Stride+m.Cols
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
