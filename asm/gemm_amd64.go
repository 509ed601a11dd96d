//go:build !purego && !noasm

package asm

// GemmKernel14x32AVX512 is the AVX-512 Gemm microkernel: a 14×32 tile of
// c from a packed 14-row micro-panel of a and a packed 32-column
// micro-panel of b (b[p*32+j]), written to the first m ≤ 14 rows and
// n ≤ 32 columns of c (row stride ldc) through masks. a is stored column
// by column (A(i,p) = a[p*14+i]) if lda == 0, else row by row
// (A(i,p) = a[i*lda+p]):
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			var s float32
//			for p := 0; p < k; p++ { s += A(i,p) * b[p*32+j] }
//			if beta == 0 { c[i*ldc+j] = alpha * s } else { c[i*ldc+j] = alpha*s + beta*c[i*ldc+j] }
//		}
//	}
//
// a must hold all 14 rows (len(a) ≥ 14·k, or 13·lda+k), len(b) ≥ 32·k; c must hold (m-1)·ldc+n elements.
// It requires AVX512F.
//
//go:noescape
func GemmKernel14x32AVX512(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m, n int)

// GemmKernel6x16AVX2 is the AVX2 Gemm microkernel: GemmKernel14x32AVX512
// for a 6×16 tile (A(i,p) = a[p*6+i] if lda == 0, else a[i*lda+p];
// b[p*16+j]; m ≤ 6) that always writes all 16 columns of its m rows:
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < 16; j++ {
//			var s float32
//			for p := 0; p < k; p++ { s += A(i,p) * b[p*16+j] }
//			if beta == 0 { c[i*ldc+j] = alpha * s } else { c[i*ldc+j] = alpha*s + beta*c[i*ldc+j] }
//		}
//	}
//
// It requires AVX2 and FMA3.
//
//go:noescape
func GemmKernel6x16AVX2(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m int)
