//go:build !purego && !noasm

package asm

// GemmKernel8x12NEON is the NEON Gemm microkernel: the full 8×12 tile of c
// from a packed 8-row micro-panel of a (a[p*8+i]) and a packed 12-column
// micro-panel of b (b[p*12+j]), with 24 accumulator registers and
// by-element FMLAs:
//
//	for i := 0; i < 8; i++ {
//		for j := 0; j < 12; j++ {
//			var s float32
//			for p := 0; p < k; p++ { s += a[p*8+i] * b[p*12+j] }
//			if beta == 0 { c[i*ldc+j] = alpha * s } else { c[i*ldc+j] = alpha*s + beta*c[i*ldc+j] }
//		}
//	}
//
// len(a) ≥ 8·k and len(b) ≥ 12·k; c must hold 7·ldc+12 elements. Partial
// tiles are the caller's business (package kernel runs them through a
// small buffer).
//
//go:noescape
func GemmKernel8x12NEON(k int, a, b, c []float32, ldc int, alpha, beta float32)
