//go:build !purego && !noasm

package asm

// GemvNEON computes, for a len(dst)×len(x) row-major matrix whose row i
// starts at a[i*stride]:
//
//	for i := range dst {
//		var s float32
//		for j := range x { s += a[i*stride+j] * x[j] }
//		if accumulate { dst[i] += s } else { dst[i] = s }
//	}
//
// It handles four rows at a time (each load of x feeds four rows) with four
// FMLA accumulators per row over sixteen columns per iteration, then four
// columns, then a scalar tail, so it reads only a[i*stride : i*stride+len(x)]
// of each row and never the padding between rows. The sums are
// accumulated in a different order than the loop above. len(a) must be at
// least (len(dst)-1)*stride+len(x) when len(dst) > 0.
//
//go:noescape
func GemvNEON(dst, a []float32, stride int, x []float32, accumulate bool)

// GemvTNEON adds aᵀ·x to dst for a len(x)×len(dst) row-major matrix whose
// row i starts at a[i*stride]:
//
//	for i := range x {
//		for j := range dst { dst[j] += a[i*stride+j] * x[i] }
//	}
//
// It handles four rows per pass over dst, so dst is loaded and stored once
// per four rows, with by-element FMLAs (x[i+k] as a lane of one register),
// sixteen columns per iteration and a scalar tail that never touches
// memory past a row or dst. Each dst[j] still receives its products one
// at a time, in row order, each fused (one rounding). len(a) must be at
// least (len(x)-1)*stride+len(dst) when len(x) > 0.
//
//go:noescape
func GemvTNEON(dst, a []float32, stride int, x []float32)
