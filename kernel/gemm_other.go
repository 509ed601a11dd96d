//go:build !(amd64 || arm64) || purego || noasm

package kernel

var gemmConfigGeneric = blockFor(gemmGeneric4x4, 4, 4, false)

func currentGemmConfig() gemmConfig { return gemmConfigGeneric }

func gemmMicro(id gemmKernelID, k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m, n int) {
	gemmKernelGeneric(k, a, b, c, ldc, alpha, beta, m, n)
}
