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
	gemmConfigAVX512  = blockFor(gemmAVX512x14x32, 14, 32, true)
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
		asm.GemmKernel14x32AVX512(k, a, lda, b, c, ldc, alpha, beta, m, n)
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
