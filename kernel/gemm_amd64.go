//go:build !purego && !noasm

package kernel

func init() { register("Gemm", Generic, "gemm_generic_4x4") }

var gemmConfigGeneric = blockFor(gemmGeneric4x4, 4, 4)

func currentGemmConfig() gemmConfig { return gemmConfigGeneric }

func gemmMicro(id gemmKernelID, k int, a, b, c []float32, ldc int, alpha, beta float32, m, n int) {
	gemmKernelGeneric(k, a, b, c, ldc, alpha, beta, m, n)
}
