package kernel

// SetGemmBlocks overrides the cache blocks of the active level's Gemm
// (0 keeps a size), so tests can cross every block boundary with small
// matrices. mc and nc are rounded up to whole register tiles. It returns
// a function that restores the computed blocks.
func SetGemmBlocks(mc, kc, nc int) (restore func()) {
	gemmBlockOverride = [3]int{mc, kc, nc}
	return func() { gemmBlockOverride = [3]int{} }
}

// GemmTile returns the register tile (mr×nr) of the active level's Gemm.
func GemmTile() (mr, nr int) {
	c := currentGemmConfig()
	return c.mr, c.nr
}

// SetGemmSplitFlops sets the work per goroutine above which Gemm splits a
// product across threads, so tests can exercise the threaded path with
// modest shapes. It returns a function that restores the default.
func SetGemmSplitFlops(flops float64) (restore func()) {
	old := gemmMinFlopsPerThread
	gemmMinFlopsPerThread = flops
	return func() { gemmMinFlopsPerThread = old }
}

// SIMDSteps holds, for each activation whose generic level evaluates in
// float64, the scalar form of the float32 steps that the SIMD levels
// take (the reference loops of their assembly), for tests that hold the
// SIMD levels to those steps.
var SIMDSteps = map[string]func(float32) float32{
	"Exp": exp32, "Tanh": tanh32, "Sigmoid": sigmoid32,
	"GELU": gelu32, "GELUTanh": geluTanh32, "SiLU": silu32,
}

// The internal passes Gemm's packing, the int8 quantizers and the norms
// call, at the active level, and the int8 helpers' generic forms: for
// tests that run them on guarded memory or compare levels' bits.
var (
	PackTransposed      = packTransposed
	MaxAbsBits          = maxAbsBits
	MaxAbsBitsGeneric   = maxAbsBitsGeneric
	QuantizeInt8        = quantizeInt8
	QuantizeInt8Generic = quantizeInt8Generic
	NormSum             = normSum
	NormSumSqDev        = normSumSqDev
)
