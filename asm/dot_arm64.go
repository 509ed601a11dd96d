//go:build !purego && !noasm

package asm

// DotNEON returns Σ x[i]·y[i] for i < len(x), with eight 4-lane FMLA
// accumulators over 32 elements per iteration and a scalar tail that
// never reads past len(x). len(y) must be ≥ len(x).
//
//	var s float32
//	for i := range x {
//		s += x[i] * y[i]
//	}
//	return s
//
// The products are fused into the partial sums (one rounding each), and
// the partial sums are added in a fixed tree at the end.
//
//go:noescape
func DotNEON(x, y []float32) float32
