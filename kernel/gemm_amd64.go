//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Gemm's dispatch on amd64, hand-written (the kernel table's Gemm row names
// it): the microkernel and cache blocking of each level. Its registrations
// are generated with the others (dispatch_amd64.go); TestGemmTileIsRegistered
// checks that the registry names the tile used here.

var (
	gemmConfigGeneric = blockFor(gemmGeneric4x4, 4, 4, false)
	gemmConfigAVX2    = blockFor(gemmAVX2x6x16, 6, 16, true)
	// The AVX-512 kernel reads a column by column only (its FMAs
	// broadcast a's elements from memory; see asm/_asm/amd64/gemm.go).
	gemmConfigAVX512 = blockFor(gemmAVX512x14x32, 14, 32, false)
)

// currentGemmConfig returns the microkernel and blocking of the active level.
func currentGemmConfig() gemmConfig {
	switch active {
	case AVX512:
		return gemmConfigAVX512
	case AVX2:
		return gemmConfigAVX2
	}
	return gemmConfigGeneric
}

// gemmMicro runs microkernel id on one tile (see gemmKernelGeneric).
func gemmMicro(id gemmKernelID, k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m, n int) {
	switch id {
	case gemmAVX512x14x32:
		asm.GemmKernel14x32AVX512(k, a, b, c, ldc, alpha, beta, m, n) // lda is 0 (rowsA false)
	case gemmAVX2x6x16:
		if n == 16 {
			asm.GemmKernel6x16AVX2(k, a, lda, b, c, ldc, alpha, beta, m)
			return
		}
		// A tile narrower than 16 columns: the kernel writes all 16 into a
		// buffer on the stack, and the part that exists is combined with
		// c here (see the kernel's note on masked loads under qemu).
		var buf [6 * 16]float32
		asm.GemmKernel6x16AVX2(k, a, lda, b, buf[:], 16, alpha, 0, m)
		for i := 0; i < m; i++ {
			row, s := c[i*ldc:][:n], buf[i*16:][:n]
			if beta == 0 {
				copy(row, s)
				continue
			}
			for j := range row {
				row[j] = s[j] + beta*row[j]
			}
		}
	default:
		gemmKernelGeneric(k, a, b, c, ldc, alpha, beta, m, n)
	}
}

// hasGemvPanels reports whether the active level has GemvPanels in
// assembly.
func hasGemvPanels() bool { return active == AVX2 || active == AVX512 }

// packTransposedAVX512 is packTransposed at AVX-512: the columns p below
// kc rounded down to 16 by PackTransposedAVX512, for 16 columns of dst
// (rows of src) at a time, the last kc mod 16 in Go.
func packTransposedAVX512(dst []float32, w int, src []float32, stride, cols, kc int) {
	full := kc &^ 15
	if full > 0 {
		for j := 0; j < w; j += 16 {
			rows, s := min(16, max(cols-j, 0)), src
			if rows > 0 {
				s = src[j*stride:]
			}
			asm.PackTransposedAVX512(dst[j:], s, w, stride, rows, min(16, w-j), kc)
		}
	}
	if full < kc {
		packTransposedGeneric(dst[full*w:], w, src[full:], stride, cols, kc-full)
	}
}
