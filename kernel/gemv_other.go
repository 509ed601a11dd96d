//go:build !(amd64 || arm64) || purego || noasm

package kernel

func init() {
	register("Gemv", Generic, "gemv_generic_r4")
	register("GemvAdd", Generic, "gemv_generic_r4")
	register("GemvT", Generic, "gemvt_generic")
}

func gemv(dst []float32, a Matrix, x []float32, accumulate bool) {
	gemvGeneric(dst, a, x, accumulate)
}

// gemvT adds aᵀ·x to dst.
func gemvT(dst []float32, a Matrix, x []float32) { gemvTGeneric(dst, a, x) }
