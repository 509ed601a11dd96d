package ref

import "math"

// Gemm computes alpha·op(a)·op(b) + beta·c in float64 for row-major
// float32 operands, where op(x) is x, or xᵀ if the matching trans flag is
// set: op(a) is m×k, stored in a with row stride lda (so a is m×k, or
// k×m if transA); op(b) is k×n in b with stride ldb; c is m×n with stride
// ldc. It writes element (i, j) of the result to dst[i·n+j].
//
// As in BLAS, beta = 0 ignores c (NaN included) and alpha = 0 ignores a
// and b. If abs is not nil it receives |alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij|,
// the scale of a float32 Gemm's rounding error at (i, j).
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, dst, abs []float64) {
	mustLen("Gemm", len(dst), m*n)
	if abs != nil {
		mustLen("Gemm", len(abs), m*n)
	}
	at := func(i, p int) float64 {
		if transA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	bt := func(p, j int) float64 {
		if transB {
			return float64(b[j*ldb+p])
		}
		return float64(b[p*ldb+j])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			if alpha != 0 {
				for p := 0; p < k; p++ {
					x := at(i, p) * bt(p, j)
					s += x
					sa += math.Abs(x)
				}
			}
			r := float64(alpha) * s
			ra := math.Abs(float64(alpha)) * sa
			if beta != 0 {
				bc := float64(beta) * float64(c[i*ldc+j])
				r += bc
				ra += math.Abs(bc)
			}
			dst[i*n+j] = r
			if abs != nil {
				abs[i*n+j] = ra
			}
		}
	}
}
