//go:build !purego && !noasm

package asm

// MulNEON computes dst[i] = a[i] · b[i] for i < len(dst), 32 elements per
// iteration and a scalar tail. len(a) and len(b) must be ≥ len(dst); dst
// may be a or b.
//
//	for i := range dst {
//		dst[i] = a[i] * b[i]
//	}
//
//go:noescape
func MulNEON(dst, a, b []float32)
