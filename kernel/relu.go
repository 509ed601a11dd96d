package kernel

// ReLU computes dst[i] = max(src[i], 0) as torch.relu does on float32
// tensors: src[i] itself unless src[i] < 0, so NaN (with its payload) and
// −0 are kept, x < 0 gives +0 and −Inf gives +0. Exact, bit for bit, at
// every level. dst may be src (in place); it panics as Exp does.
//
// Algorithm: AVX2 (also run at the AVX512 level) is VMAXPS with x as
// Intel's second source, which it returns when either operand is NaN or
// both are zeros; NEON is FCMLT #0 then BIC (FMAXNM would turn NaN into 0,
// FMAX −0 into +0).
func ReLU(dst, src []float32) {
	dispatchReLU(dst, src)
}

// reluGeneric is the pure-Go ReLU:
//
//	for i, x := range src { dst[i] = x < 0 ? +0 : x }
func reluGeneric(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		if x < 0 {
			x = 0
		}
		dst[i] = x
	}
}
