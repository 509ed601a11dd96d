//go:build !purego && !noasm

package asm

// GemvAVX512 computes, for a len(dst)×len(x) row-major matrix whose row i
// starts at a[i*stride]:
//
//	for i := range dst {
//		var s float32
//		for j := range x { s += a[i*stride+j] * x[j] }
//		if accumulate { dst[i] += s } else { dst[i] = s }
//	}
//
// It handles eight rows at a time (each load of x feeds eight FMAs) with
// two accumulators per row, then a group of four and single rows for the
// remainder, and masks the column tail, so it reads only
// a[i*stride : i*stride+len(x)] of each row and never the padding between
// rows. The sums are accumulated in a different order than the loop above.
// It requires AVX-512 F (and AVX for the final reduction); len(a) must be at
// least (len(dst)-1)*stride+len(x) when len(dst) > 0.
//
//go:noescape
func GemvAVX512(dst, a []float32, stride int, x []float32, accumulate bool)

// GemvAVX2 computes what GemvAVX512 does, with AVX2 and FMA3: eight rows
// at a time with one accumulator per row (then four, then one), and a
// column tail that reloads the row's last 8 columns under an AND mask, so
// it never reads past the end of a row (rows under 8 columns go scalar).
//
//go:noescape
func GemvAVX2(dst, a []float32, stride int, x []float32, accumulate bool)

// GemvTAVX512 adds aᵀ·x to dst for a len(x)×len(dst) row-major matrix
// whose row i starts at a[i*stride]:
//
//	for i := range x {
//		for j := range dst { dst[j] += a[i*stride+j] * x[i] }
//	}
//
// It handles eight rows per pass over dst, so dst is loaded and stored
// once per eight rows, and masks the column tail, so it reads only
// a[i*stride : i*stride+len(dst)] of each row. Each pass adds its eight
// products to dst in a different order than the loop above. It requires
// AVX-512 F; len(a) must be at least (len(x)-1)*stride+len(dst) when
// len(x) > 0.
//
//go:noescape
func GemvTAVX512(dst, a []float32, stride int, x []float32)

// GemvTAVX2 computes what GemvTAVX512 does, with AVX2 and FMA3 and a
// column tail that redoes the last 8 columns under a mask and blends, so
// it never touches memory past a row or dst (under 8 columns: scalar).
//
//go:noescape
func GemvTAVX2(dst, a []float32, stride int, x []float32)
