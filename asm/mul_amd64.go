//go:build !purego && !noasm

package asm

// MulAVX512 computes dst[i] = a[i] · b[i] for i < len(dst), using
// AVX-512F with a K-masked tail. len(a) and len(b) must be ≥ len(dst);
// dst may be a or b (in place), but no other overlap.
//
//	for i := range dst {
//		dst[i] = a[i] * b[i]
//	}
//
//go:noescape
func MulAVX512(dst, a, b []float32)

// MulAVX2 is MulAVX512 for AVX2, with a scalar tail that never touches
// memory past len(dst).
//
//	for i := range dst {
//		dst[i] = a[i] * b[i]
//	}
//
//go:noescape
func MulAVX2(dst, a, b []float32)
