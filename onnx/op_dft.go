package onnx

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// DFT (opset 17; opset 20 makes axis an input): the discrete Fourier
// transform of input [..., 1] (real) or [..., 2] (complex: real and
// imaginary parts) along one of its dimensions but the last,
//
//	y[k] = Σ_t x[t]·e^{∓2πi·kt/L},  k = 0 … bins−1,
//
// with the minus sign forward and the plus sign, and a factor 1/L, for
// inverse=1. L is the dft_length input, known while planning, or the
// axis's size: a longer L pads the signal with zeros, a shorter one
// truncates it. bins is L, or ⌊L/2⌋+1 with onesided=1, which takes a real
// input and the forward transform only (a complex input, or the inverse,
// with onesided is refused: the spec's versions disagree on it). The output
// is the input's shape with bins along the axis and 2 in the last
// dimension. axis (default 1 at opset 17, −2 from 20, where it is an
// input known while planning) counts negative values from the end.
//
// The transform is a matrix product: the matrix of cosines and sines is
// computed while planning (in float64, rounded once, charged to the
// element budget) and packed for Gemm; each signal is a row of the left
// operand (gathered into scratch when the axis is not the last signal
// dimension).

func init() {
	register("DFT", 17, buildDFT)
}

// dftWork bounds the multiply-adds of one node per run (rows × inputs per
// row × outputs per row), so that a small model cannot ask for an
// enormous transform.
const dftWork = 1 << 34

// checkDFTWork refuses a product of rows rows of k values by a k×n matrix
// beyond dftWork.
func checkDFTWork(c *nodeCtx, rows, k, n int) error {
	if w := float64(rows) * float64(k) * float64(n); w > dftWork {
		return fmt.Errorf("%w: %s: a product of %d rows of %d values by %d columns, about %.3g multiply-adds per run, more than %d", ErrLimit, c.node.OpType, rows, k, n, w, int64(dftWork))
	}
	return nil
}

// dftMatrix returns the (nIn·cin)×(2·bins) matrix that takes a row of nIn
// samples (cin values each: 1 real, or 2, real and imaginary) to the first
// bins frequencies of their length-point transform (inverse if asked),
// real and imaginary parts interleaved; win, when not nil, scales sample
// t by win[t] first. It is computed in float64, rounded once, and packed
// for the product; its memory is charged to the element budget.
func dftMatrix(c *nodeCtx, nIn, cin, length, bins int, inverse bool, win []float32) (*packedOperand, error) {
	k, n := nIn*cin, 2*bins
	w, err := scratch[float32](c, k*n)
	if err != nil {
		return nil, err
	}
	sign, scale := -1.0, 1.0
	if inverse {
		sign, scale = 1, 1/float64(length)
	}
	for t := range nIn {
		s := scale
		if win != nil {
			s *= float64(win[t])
		}
		for f := range bins {
			// the angle's multiple of 2π/length, reduced exactly
			ph := int64(t) * int64(f) % int64(length)
			th := 2 * math.Pi * float64(ph) / float64(length)
			cos, sin := s*math.Cos(th), sign*s*math.Sin(th)
			// (xr + i·xi)(cos + i·sin)
			row := w[t*cin*n:]
			row[2*f], row[2*f+1] = float32(cos), float32(sin)
			if cin == 2 {
				row = row[n:]
				row[2*f], row[2*f+1] = float32(-sin), float32(cos)
			}
		}
	}
	return packOperand(c, kernel.NoTrans, kernel.MatrixFrom(k, n, w), nil)
}

func buildDFT(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	r := len(x.Dims)
	if r < 2 || (x.Dims[r-1] != 1 && x.Dims[r-1] != 2) {
		return nil, c.shapeErr("DFT of input %v: want [..., n, 1] (real) or [..., n, 2] (complex)", x.Dims)
	}
	cin := x.Dims[r-1]
	axisVal := c.attrInt("axis", 1)
	if c.opset >= 20 {
		axisVal = -2
		if c.input(2) != nil {
			if axisVal, err = knownScalarInt(c, 2, "the axis"); err != nil {
				return nil, err
			}
		}
	}
	axis, err := c.axis(axisVal, r)
	if err != nil {
		return nil, err
	}
	if axis == r-1 {
		return nil, c.shapeErr("DFT along axis %d of input %v, the dimension of real and imaginary parts", axisVal, x.Dims)
	}
	n := x.Dims[axis]
	length := n
	if c.input(1) != nil {
		v, err := knownScalarInt(c, 1, "dft_length")
		if err != nil {
			return nil, err
		}
		if length, err = knownSize(c, v, "dft_length"); err != nil {
			return nil, err
		}
	}
	if length < 1 {
		return nil, c.shapeErr("DFT of length %d (input %v, axis %d)", length, x.Dims, axis)
	}
	inverse := c.attrInt("inverse", 0) != 0
	bins := length
	if c.attrInt("onesided", 0) != 0 {
		if cin == 2 || inverse {
			return nil, c.unsupported("onesided=1 with a complex input or inverse=1 (only the forward transform of a real input)")
		}
		bins = length/2 + 1
	}
	dims := append([]int(nil), x.Dims...)
	dims[axis], dims[r-1] = bins, 2
	y, err := c.output(0, Float, dims)
	if err != nil {
		return nil, err
	}
	outer, inner := numElements(x.Dims[:axis]), numElements(x.Dims[axis+1:r-1])
	nIn := min(n, length)
	rows, k, cols := outer*inner, nIn*cin, 2*bins
	if rows == 0 {
		return func() error { return nil }, nil
	}
	if k == 0 {
		return func() error { clear(y.Float); return nil }, nil
	}
	if err := checkDFTWork(c, rows, k, cols); err != nil {
		return nil, err
	}
	po, err := dftMatrix(c, nIn, cin, length, bins, inverse, nil)
	if err != nil {
		return nil, err
	}
	if inner == 1 {
		// Each signal is contiguous: the rows of the product in place,
		// with the truncated samples skipped by the stride.
		a := kernel.Matrix{Rows: rows, Cols: k, Stride: n * cin, Data: x.Float}
		out := kernel.MatrixFrom(rows, cols, y.Float)
		return func() error {
			po.gemm(kernel.NoTrans, 1, a, 0, out)
			return nil
		}, nil
	}
	in, err := scratch[float32](c, rows*k)
	if err != nil {
		return nil, err
	}
	prod, err := scratch[float32](c, rows*cols)
	if err != nil {
		return nil, err
	}
	a, out := kernel.MatrixFrom(rows, k, in), kernel.MatrixFrom(rows, cols, prod)
	return func() error {
		// gather: signal (o, j) is row o·inner+j
		for o := range outer {
			for t := range nIn {
				src := x.Float[(o*n+t)*inner*cin:]
				for j := range inner {
					copy(in[(o*inner+j)*k+t*cin:][:cin], src[j*cin:][:cin])
				}
			}
		}
		po.gemm(kernel.NoTrans, 1, a, 0, out)
		// scatter: frequency f of signal (o, j) to y[o, f, j, :]
		for o := range outer {
			for f := range bins {
				dst := y.Float[(o*bins+f)*inner*2:]
				for j := range inner {
					src := prod[(o*inner+j)*cols+2*f:]
					dst[2*j], dst[2*j+1] = src[0], src[1]
				}
			}
		}
		return nil
	}, nil
}
