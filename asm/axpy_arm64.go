//go:build !purego && !noasm

package asm

// AxpyNEON computes y[i] += alpha·x[i] for i < len(x), with FMLA (one
// rounding), 32 elements per iteration and a scalar FMADD tail. len(y)
// must be ≥ len(x); y may be x.
//
//	for i := range x {
//		y[i] = math.FMA(alpha, x[i], y[i])
//	}
//
//go:noescape
func AxpyNEON(alpha float32, x, y []float32)
