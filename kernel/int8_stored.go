package kernel

import (
	"fmt"
	"math"
)

// NewQMatrix rebuilds a QMatrix from its stored form, as a model file
// keeps it: the rows×cols int8 values row-major without padding (data,
// QMatrix.Row of each row one after the other) and one float32 scale per
// row. The values are copied into the padded layout and the row sums
// computed, so the result is what QuantizeMatrix returned for the matrix
// that was saved.
//
// data comes from outside, so it returns an error, never panics: if the
// sizes disagree or are negative, cols exceeds MaxQCols, a value is −128
// (the scheme's weights lie in [−127, 127]), or a scale is negative, NaN
// or ±Inf.
func NewQMatrix(rows, cols int, data []int8, scales []float32) (*QMatrix, error) {
	switch {
	case rows < 0 || cols < 0 || cols > MaxQCols:
		return nil, fmt.Errorf("kernel.NewQMatrix: %d×%d: want rows ≥ 0 and 0 ≤ cols ≤ %d (MaxQCols)", rows, cols, MaxQCols)
	case len(scales) != rows || (cols > 0 && len(data)/cols != rows) || len(data) != rows*cols:
		return nil, fmt.Errorf("kernel.NewQMatrix: %d×%d with %d values and %d scales", rows, cols, len(data), len(scales))
	}
	stride := qPadded(cols)
	q := &QMatrix{Rows: rows, Cols: cols, Stride: stride,
		Data: make([]int8, rows*stride), Scales: make([]float32, rows), RowSums: make([]int32, rows)}
	for r := range rows {
		s := scales[r]
		if !(s >= 0) || math.IsInf(float64(s), 1) {
			return nil, fmt.Errorf("kernel.NewQMatrix: row %d has scale %v (want finite and ≥ 0)", r, s)
		}
		q.Scales[r] = s
		var sum int32
		for j, v := range data[r*cols : (r+1)*cols] {
			if v == math.MinInt8 {
				return nil, fmt.Errorf("kernel.NewQMatrix: row %d column %d is −128 (the scheme's weights lie in [−127, 127])", r, j)
			}
			q.Data[r*stride+j] = v
			sum += int32(v)
		}
		q.RowSums[r] = sum
	}
	return q, nil
}
