//go:build !(amd64 || arm64) || purego || noasm

package kernel

// Gemm's dispatch in builds without assembly, hand-written (the kernel
// table's Gemm row names it): the generic microkernel and its blocking.
// Its registration is generated with the others (dispatch_other.go);
// TestGemmTileIsRegistered checks that the registry names the tile used
// here.

var gemmConfigGeneric = blockFor(gemmGeneric4x4, 4, 4, false)

func currentGemmConfig() gemmConfig { return gemmConfigGeneric }

func gemmMicro(id gemmKernelID, k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m, n int) {
	gemmKernelGeneric(k, a, b, c, ldc, alpha, beta, m, n)
}

// hasGemvPanels reports whether the active level has GemvPanels in
// assembly: not on this architecture.
func hasGemvPanels() bool { return false }
