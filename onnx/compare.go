package onnx

import (
	"fmt"
	"math"
)

// Diff is the result of comparing a computed tensor with an expected one
// elementwise, as numpy.testing.assert_allclose does: an element matches
// when |got − want| ≤ atol + rtol·|want|, NaN matching NaN and infinities
// matching themselves.
type Diff struct {
	Mismatches int     // elements that do not match
	MaxAbs     float64 // the largest |got − want| over the finite pairs
	Worst      int     // index of the element furthest outside its bound (−1 if all match)
	Err        error   // non-nil when the types or shapes differ
}

// OK reports whether every element matches and the shapes agree.
func (d Diff) OK() bool { return d.Err == nil && d.Mismatches == 0 }

// Compare compares got with want at the given tolerances. The shapes must be
// equal and the types comparable: the same type, or FLOAT against FLOAT16 or
// BFLOAT16 (both held as float32).
func Compare(got, want *Tensor, rtol, atol float64) Diff {
	d := Diff{Worst: -1}
	if !equalDims(got.Dims, want.Dims) {
		d.Err = fmt.Errorf("%w: shape %v, want %v", ErrShape, got.Dims, want.Dims)
		return d
	}
	gs, ws := got.DType.storage(), want.DType.storage()
	if gs != ws || (gs == storeInt && got.DType != want.DType) {
		d.Err = fmt.Errorf("%w: type %v, want %v", ErrShape, got.DType, want.DType)
		return d
	}
	worst := 0.0
	check := func(i int, g, w float64) {
		if math.IsNaN(w) && math.IsNaN(g) || g == w {
			return
		}
		diff := math.Abs(g - w)
		if !math.IsNaN(diff) && !math.IsInf(diff, 0) {
			d.MaxAbs = max(d.MaxAbs, diff)
		}
		bound := atol + rtol*math.Abs(w)
		if diff <= bound {
			return
		}
		d.Mismatches++
		excess := diff - bound
		if math.IsNaN(excess) {
			excess = math.Inf(1)
		}
		if d.Worst < 0 || excess > worst {
			d.Worst, worst = i, excess
		}
	}
	switch gs {
	case storeFloat:
		for i := range want.Float {
			check(i, float64(got.Float[i]), float64(want.Float[i]))
		}
	case storeDouble:
		for i := range want.Double {
			check(i, got.Double[i], want.Double[i])
		}
	case storeInt: // integers and BOOL must be equal
		for i := range want.Int {
			if g, w := got.Int[i], want.Int[i]; g != w {
				diff := math.Abs(float64(g) - float64(w))
				d.MaxAbs = max(d.MaxAbs, diff)
				d.Mismatches++
				if d.Worst < 0 || diff > worst {
					d.Worst, worst = i, diff
				}
			}
		}
	case storeStrings:
		for i := range want.Strings {
			if string(got.Strings[i]) != string(want.Strings[i]) {
				d.Mismatches++
				if d.Worst < 0 {
					d.Worst = i
				}
			}
		}
	}
	return d
}
