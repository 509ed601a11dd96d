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
	// One row at a time: 4 accumulators, the element of a and the 4 of b
	// fit in amd64's 16 floating-point registers. A whole 4×4 tile of
	// accumulators spills there (Go schedules a step's products before its
	// sums), which measured 2× slower. b's micro-panel (4·k values) stays
	// in L1 across the four passes.
	var s [4][4]float32
	a = a[:4*k]
	b = b[:4*k]
	for h := range 4 {
		var c0, c1, c2, c3 float32
		for p := 0; p+4 <= len(a); p += 4 {
			x := a[p+h]
			bp := b[p : p+4 : p+4]
			c0 += x * bp[0]
			c1 += x * bp[1]
			c2 += x * bp[2]
			c3 += x * bp[3]
		}
		s[h] = [4]float32{c0, c1, c2, c3}
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
