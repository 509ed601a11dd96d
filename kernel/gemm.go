package kernel

// Transpose says whether Gemm uses a matrix as it is or transposed.
type Transpose bool

const (
	// NoTrans uses the matrix as stored: op(x) = x.
	NoTrans Transpose = false
	// Trans uses its transpose: op(x) = xᵀ.
	Trans Transpose = true
)

// String returns "NoTrans" or "Trans".
func (t Transpose) String() string {
	if t {
		return "Trans"
	}
	return "NoTrans"
}

// Gemm computes c = alpha·op(a)·op(b) + beta·c, where op(x) is x for
// NoTrans and xᵀ for Trans: the single-precision BLAS sgemm on row-major
// matrix views.
//
// op(a) must be m×k, op(b) k×n and c m×n; Gemm panics otherwise, giving
// the shapes. c must not share any element with a or b (an overlap
// panics too); a and b may overlap each other, or be the same matrix.
// Strided views (Stride > Cols, sub-matrices made with Slice) work, and
// the padding between rows is never read or written.
//
// As in BLAS, beta = 0 means that c is only written, so whatever it held
// before (NaN included) does not matter, and alpha = 0 (or k = 0) means
// that a and b are not read and c becomes beta·c.
//
// Each element of c is a sum of k products accumulated in float32, in
// blocks of kc ≥ 64 terms (set from the cache sizes) added into c one
// after the other, so results differ between levels in the last bits; the
// error is at most (k + ⌈k/kc⌉ + 2)·ε·(|alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij|),
// ε = 2⁻²⁴, which the tests check against the float64 reference.
//
// A single-row product (m = 1, a not transposed, alpha = 1, beta 0 or,
// with b transposed, 1) is a matrix-vector product and runs as Gemv,
// GemvAdd or GemvT, whose error bound is within the one above.
//
// Large products are split across up to Threads() goroutines (see
// SetThreads), each computing a band of c's columns (or rows); products
// under about 2²² flops per goroutine run on the calling goroutine.
// Steady-state calls do not allocate: the pack buffers are lent by pools
// that every goroutine shares, which keep, once a product of a shape has
// run, the buffers it needs on each of its threads, whatever runs in
// between (a size that no call uses between two garbage collections is
// given back at the second); the helper goroutines are started on first
// need, then wait on a channel for work for the life of the program.
func Gemm(tA, tB Transpose, alpha float32, a, b Matrix, beta float32, c Matrix) {
	mustValid("Gemm", "a", a)
	mustValid("Gemm", "b", b)
	mustValid("Gemm", "c", c)
	am, ak := a.Rows, a.Cols
	if tA {
		am, ak = ak, am
	}
	bk, bn := b.Rows, b.Cols
	if tB {
		bk, bn = bn, bk
	}
	if ak != bk || c.Rows != am || c.Cols != bn {
		panicGemmShape(tA, tB, a, b, c)
	}
	if matricesOverlap(c, a) {
		panicOverlap("Gemm", "c", "a")
	}
	if matricesOverlap(c, b) {
		panicOverlap("Gemm", "c", "b")
	}
	m, n, k := am, bn, ak
	if gemmDegenerate(m, n, k, alpha, beta, c) {
		return
	}
	if m == 1 && tA == NoTrans && alpha == 1 && gemmAsGemv(a.Row(0), b, tB, beta, c.Row(0)) {
		return
	}
	raceRead(a.span())
	raceRead(b.span())
	gemmRun(gemmOperands{tA: bool(tA), tB: bool(tB), alpha: alpha, beta: beta, a: a, b: b, c: c, m: m, n: n, k: k})
}

// gemmAsGemv computes a single-row product c = x·op(b) + beta·c (alpha = 1)
// with the matrix-vector kernels, which stream b once instead of packing
// it for one row of a: Gemv for op(b) = bᵀ (beta 0), GemvAdd (beta 1),
// GemvT for op(b) = b (beta 0). It reports false, doing nothing, for
// other betas and where c lies within b's span.
func gemmAsGemv(x []float32, b Matrix, tB Transpose, beta float32, c []float32) bool {
	if overlaps(c, b.span()) {
		// c interleaves with b's rows (Gemm checked that they share no
		// element); Gemv's coarser span check would refuse it.
		return false
	}
	switch {
	case tB == Trans && beta == 0:
		Gemv(c, b, x)
	case tB == Trans && beta == 1:
		GemvAdd(c, b, x)
	case tB == NoTrans && beta == 0:
		GemvT(c, b, x)
	default:
		return false
	}
	return true
}

// scaleMatrix sets c = beta·c, writing zeros (not reading c) for beta = 0.
func scaleMatrix(beta float32, c Matrix) {
	for i := 0; i < c.Rows; i++ {
		row := c.Data[i*c.Stride:][:c.Cols]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// 0: use runtime.GOMAXPROCS(0)

// gemmOperands is one (sub-)product c = alpha·op(a)·op(b) + beta·c, where
// op(a) is m×k and op(b) k×n.
type gemmOperands struct {
	tA, tB      bool
	alpha, beta float32
	a, b, c     Matrix
	m, n, k     int
}

// gemmDegenerate handles the products Gemm and GemmPacked compute without a
// microkernel, and reports whether it did: an empty c (nothing to do), and
// k = 0 or alpha = 0, where c = beta·c. Otherwise it only announces the
// write of c to the race detector, as the product is about to do.
func gemmDegenerate(m, n, k int, alpha, beta float32, c Matrix) bool {
	if m == 0 || n == 0 {
		return true
	}
	raceWrite(c.span())
	if k == 0 || alpha == 0 {
		if beta != 1 {
			scaleMatrix(beta, c)
		}
		return true
	}
	return false
}
