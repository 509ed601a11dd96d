package kernel

// gemmKernelID names a Gemm microkernel; gemmMicro switches on it.
type gemmKernelID int

const (
	gemmGeneric4x4 gemmKernelID = iota
	gemmAVX2x6x16
	gemmAVX512x14x32
)

// gemmKernelGeneric is the portable 4×4 microkernel. a is a packed
// micro-panel (4 rows, k columns: a[p·4+i]), b a packed micro-panel
// (k rows of 4: b[p·4+j]); it computes the 4×4 tile s = a·b and writes
//
//	c[i·ldc+j] = alpha·s[i][j] + beta·c[i·ldc+j]   for i < m, j < n
//
// where beta = 0 writes alpha·s without reading c.
func gemmKernelGeneric(k int, a, b, c []float32, ldc int, alpha, beta float32, m, n int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:4*k]
	b = b[:4*k]
	for p := 0; p+4 <= len(a); p += 4 {
		ap := a[p : p+4 : p+4]
		bp := b[p : p+4 : p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	s := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc:][:n]
		if beta == 0 {
			for j := range row {
				row[j] = alpha * s[i][j]
			}
		} else {
			for j := range row {
				row[j] = alpha*s[i][j] + beta*row[j]
			}
		}
	}
}
