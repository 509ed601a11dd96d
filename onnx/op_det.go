package onnx

import (
	"fmt"
	"math"
)

// Det(X): the determinant of each square matrix in the last two axes of
// X [..., M, M] (FLOAT), an output of shape [...]. It is computed in
// float64 by LU decomposition with partial pivoting and rounded once; a
// singular matrix gives 0. The work, M³ per matrix, is bounded
// (maxDetWork, ErrLimit beyond).

func init() {
	register("Det", 11, buildDet)
}

// maxDetWork bounds the multiply-adds of one Det node.
const maxDetWork int64 = 1 << 32

func buildDet(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	if r < 2 || x.Dims[r-1] != x.Dims[r-2] {
		return nil, c.shapeErr("Det of input shape %v, want [..., M, M]", x.Dims)
	}
	m := x.Dims[r-1]
	y, err := c.output(0, Float, x.Dims[:r-2])
	if err != nil {
		return nil, err
	}
	batch := y.Len()
	if m > 0 && int64(batch) > maxDetWork/int64(m)/int64(m)/int64(m) {
		return nil, fmt.Errorf("%w: Det of shape %v exceeds %d multiply-adds", ErrLimit, x.Dims, maxDetWork)
	}
	a, err := scratch[float64](c, m*m)
	if err != nil {
		return nil, err
	}
	return func() error {
		for b := range batch {
			src := x.Float[b*m*m : (b+1)*m*m]
			for i, v := range src {
				a[i] = float64(v)
			}
			y.Float[b] = float32(luDet(a, m))
		}
		return nil
	}, nil
}

// luDet returns the determinant of the m×m row-major matrix a, which it
// overwrites with its LU decomposition (partial pivoting).
func luDet(a []float64, m int) float64 {
	det := 1.0
	for k := range m {
		p := k
		for i := k + 1; i < m; i++ {
			if math.Abs(a[i*m+k]) > math.Abs(a[p*m+k]) {
				p = i
			}
		}
		piv := a[p*m+k]
		if piv == 0 {
			return 0
		}
		if p != k {
			for j := range m {
				a[k*m+j], a[p*m+j] = a[p*m+j], a[k*m+j]
			}
			det = -det
		}
		det *= piv
		for i := k + 1; i < m; i++ {
			f := a[i*m+k] / piv
			if f == 0 {
				continue
			}
			for j := k + 1; j < m; j++ {
				a[i*m+j] -= f * a[k*m+j]
			}
		}
	}
	return det
}
