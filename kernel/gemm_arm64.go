//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Gemm's dispatch on arm64, hand-written (the kernel table's Gemm row names
// it): the microkernel and cache blocking of each level. Its registrations
// are generated with the others (dispatch_arm64.go); TestGemmTileIsRegistered
// checks that the registry names the tile used here.

// gemmNEON8x12 names the NEON microkernel. It is declared here, past the
// last shared ID, because only arm64 builds use it.
const gemmNEON8x12 = gemmAVX512x14x32 + 1

var (
	gemmConfigGeneric = blockFor(gemmGeneric4x4, 4, 4, false)
	gemmConfigNEON    = blockFor(gemmNEON8x12, 8, 12, false)
)

// currentGemmConfig returns the microkernel and blocking of the active level.
func currentGemmConfig() gemmConfig {
	if active == NEON {
		return gemmConfigNEON
	}
	return gemmConfigGeneric
}

// gemmMicro runs microkernel id on one tile (see gemmKernelGeneric).
//
// The NEON kernel reads a packed column by column only (rowsA false), so
// lda is always 0 here.
func gemmMicro(id gemmKernelID, k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m, n int) {
	if id != gemmNEON8x12 {
		gemmKernelGeneric(k, a, b, c, ldc, alpha, beta, m, n)
		return
	}
	if m == 8 && n == 12 {
		asm.GemmKernel8x12NEON(k, a, b, c, ldc, alpha, beta)
		return
	}
	// An edge tile: compute the whole 8×12 tile into a buffer on the stack,
	// then combine the part that exists with c.
	var buf [8 * 12]float32
	asm.GemmKernel8x12NEON(k, a, b, buf[:], 12, alpha, 0)
	for i := 0; i < m; i++ {
		row, s := c[i*ldc:][:n], buf[i*12:][:n]
		if beta == 0 {
			copy(row, s)
			continue
		}
		for j := range row {
			row[j] = s[j] + beta*row[j]
		}
	}
}

// hasGemvPanels reports whether the active level has GemvPanels in
// assembly: not on this architecture.
func hasGemvPanels() bool { return false }
