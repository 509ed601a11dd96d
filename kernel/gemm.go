package kernel

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

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
// Steady-state calls do not allocate: pack buffers come from a sync.Pool
// (helpers keep their own), and the helper goroutines are started on first
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
	if m == 0 || n == 0 {
		return
	}
	raceWrite(c.span())
	if k == 0 || alpha == 0 {
		if beta != 1 {
			scaleMatrix(beta, c)
		}
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

// panicGemmShape reports mismatched Gemm operands:
// "kernel.Gemm: op(a) is 2×3 (a 2×3 NoTrans), op(b) is 4×5 (b 5×4 Trans), c is 2×5: want op(a) m×k, op(b) k×n, c m×n".
//
//go:noinline
func panicGemmShape(tA, tB Transpose, a, b, c Matrix) {
	am, ak := a.Rows, a.Cols
	if tA {
		am, ak = ak, am
	}
	bk, bn := b.Rows, b.Cols
	if tB {
		bk, bn = bn, bk
	}
	panic(fmt.Sprintf("kernel.Gemm: op(a) is %d×%d (a %d×%d %v), op(b) is %d×%d (b %d×%d %v), c is %d×%d: want op(a) m×k, op(b) k×n, c m×n",
		am, ak, a.Rows, a.Cols, tA, bk, bn, b.Rows, b.Cols, tB, c.Rows, c.Cols))
}

// matricesOverlap reports whether two valid matrix views share an
// element. Views that interleave (say, the left and right halves of one
// matrix) do not overlap, though their spans do.
func matricesOverlap(x, y Matrix) bool {
	xs, ys := x.span(), y.span()
	if !overlaps(xs, ys) {
		return false
	}
	// The spans intersect. Row r of y covers the addresses
	// [y0 + r·ys, y0 + r·ys + y.Cols) (in elements), increasing in r, so
	// for each row of x only the last row of y that starts before the end
	// of x's row can reach into it.
	x0 := int(uintptr(unsafe.Pointer(unsafe.SliceData(xs))) / 4)
	y0 := int(uintptr(unsafe.Pointer(unsafe.SliceData(ys))) / 4)
	if uintptr(unsafe.Pointer(unsafe.SliceData(xs)))%4 != uintptr(unsafe.Pointer(unsafe.SliceData(ys)))%4 {
		return true // misaligned views of the same memory: be conservative
	}
	for i := 0; i < x.Rows; i++ {
		lo := x0 + i*x.Stride // x's row i is [lo, lo+x.Cols)
		hi := lo + x.Cols
		if hi <= y0 {
			continue
		}
		r := (hi - 1 - y0) / y.Stride
		if y.Rows == 1 {
			r = 0
		}
		r = min(r, y.Rows-1)
		if y0+r*y.Stride+y.Cols > lo {
			return true
		}
	}
	return false
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

// ---- threads ----

var gemmThreadsSet atomic.Int64 // 0: use runtime.GOMAXPROCS(0)

// SetThreads sets how many goroutines Gemm may split one large product
// across. n ≤ 0 restores the default, runtime.GOMAXPROCS(0) at the time
// of each call. Products too small to gain from it run on the calling
// goroutine whatever the setting.
func SetThreads(n int) {
	if n < 0 {
		n = 0
	}
	gemmThreadsSet.Store(int64(n))
}

// Threads returns how many goroutines Gemm may use, as set by SetThreads
// (by default runtime.GOMAXPROCS(0)).
func Threads() int {
	if n := gemmThreadsSet.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// gemmOperands is one (sub-)product c = alpha·op(a)·op(b) + beta·c, where
// op(a) is m×k and op(b) k×n.
type gemmOperands struct {
	tA, tB      bool
	alpha, beta float32
	a, b, c     Matrix
	m, n, k     int
}

// gemmSplitFlops returns the least work (2·m·n·k flops) per goroutine
// worth handing to a helper at level l: below it, waking a helper costs
// more than it saves, and the faster the level, the more work it takes to
// hide that. Measured on a quiet 2-core Zen 5 (2026-11-26; BenchmarkGemmSplit
// and square products up to 768³): with two threads AVX-512 loses 12–44%
// at 256³ and gains 22% at 384³ and 35% at 512³; AVX2 breaks even at 256³
// and gains 29% at 384³. So AVX-512 splits from 2²⁵ flops per thread
// (about 323³ in all), AVX2 and NEON from 2²⁴ (256³), and the slower
// generic code from 2²².
func gemmSplitFlops(l Level) float64 {
	if gemmMinFlopsPerThread > 0 {
		return gemmMinFlopsPerThread
	}
	switch l {
	case AVX512:
		return 1 << 25
	case AVX2, NEON:
		return 1 << 24
	}
	return 1 << 22
}

// gemmMinFlopsPerThread overrides gemmSplitFlops when positive, so tests
// can exercise the threaded path with small products and benchmarks can
// find the break-even point.
var gemmMinFlopsPerThread float64

// gemmTask is one worker's share of a threaded product.
type gemmTask struct {
	op   gemmOperands
	cfg  gemmConfig
	done *sync.WaitGroup
}

var (
	gemmWorkMu sync.Mutex
	// gemmWork[i] is where helper i waits for work. Each helper has its
	// own channel, so the t-th share of a split product always goes to the
	// same helper, whose pack buffers are then already the right size:
	// after the first call of a shape, no call allocates.
	gemmWork    []chan gemmTask
	gemmWGPool  = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
	gemmBufPool = sync.Pool{New: func() any { return new(gemmBuffers) }}
)

// gemmWorker is a helper goroutine: it keeps its own pack buffers and
// runs tasks until the program ends.
func gemmWorker(work <-chan gemmTask) {
	var bufs gemmBuffers
	for t := range work {
		gemmSerial(t.op, t.cfg, &bufs)
		t.done.Done()
	}
}

// ensureGemmWorkers starts helpers until there are at least n, and
// returns their channels.
func ensureGemmWorkers(n int) []chan gemmTask {
	gemmWorkMu.Lock()
	defer gemmWorkMu.Unlock()
	for len(gemmWork) < n {
		ch := make(chan gemmTask)
		go gemmWorker(ch)
		gemmWork = append(gemmWork, ch)
	}
	return gemmWork
}

// gemmRun picks the blocking for the active level, splits the product
// across goroutines if it is large enough, and runs it.
func gemmRun(op gemmOperands) {
	cfg := currentGemmConfig()
	if o := gemmBlockOverride; o != [3]int{} {
		cfg = cfg.withBlocks(o[0], o[1], o[2])
	}
	flops := 2 * float64(op.m) * float64(op.n) * float64(op.k)
	nt := min(Threads(), int(flops/gemmSplitFlops(active)))
	// Split the larger of m and n into whole register tiles.
	splitN := op.n >= op.m
	tile, extent := cfg.mr, op.m
	if splitN {
		tile, extent = cfg.nr, op.n
	}
	nt = min(nt, (extent+tile-1)/tile)
	if nt <= 1 {
		bufs := gemmBufPool.Get().(*gemmBuffers)
		gemmSerial(op, cfg, bufs)
		gemmBufPool.Put(bufs)
		return
	}
	work := ensureGemmWorkers(nt - 1)
	wg := gemmWGPool.Get().(*sync.WaitGroup)
	tiles := (extent + tile - 1) / tile
	var mine gemmOperands
	for t := 0; t < nt; t++ {
		lo := min(extent, tiles*t/nt*tile)
		hi := min(extent, tiles*(t+1)/nt*tile)
		part := op.slice(splitN, lo, hi)
		if t == 0 {
			mine = part
			continue
		}
		wg.Add(1)
		work[t-1] <- gemmTask{op: part, cfg: cfg, done: wg}
	}
	bufs := gemmBufPool.Get().(*gemmBuffers)
	gemmSerial(mine, cfg, bufs)
	gemmBufPool.Put(bufs)
	wg.Wait()
	gemmWGPool.Put(wg)
}

// slice returns the part of op that computes columns [lo,hi) of c (if
// cols) or rows [lo,hi).
func (op gemmOperands) slice(cols bool, lo, hi int) gemmOperands {
	s := op
	if cols {
		s.n = hi - lo
		s.c = op.c.Slice(0, op.m, lo, hi)
		if op.tB {
			s.b = op.b.Slice(lo, hi, 0, op.k)
		} else {
			s.b = op.b.Slice(0, op.k, lo, hi)
		}
		return s
	}
	s.m = hi - lo
	s.c = op.c.Slice(lo, hi, 0, op.n)
	if op.tA {
		s.a = op.a.Slice(0, op.k, lo, hi)
	} else {
		s.a = op.a.Slice(lo, hi, 0, op.k)
	}
	return s
}

// ---- blocking ----

// gemmConfig is a level's register tile (mr×nr, the microkernel's shape)
// and cache blocks: an mc×kc block of op(a) is packed to stay in L2, a
// kc×nc panel of op(b) to stay in L3, and a kc×nr micro-panel of it in L1.
type gemmConfig struct {
	kernel     gemmKernelID
	mr, nr     int
	mc, kc, nc int
	// rowsA: the microkernel also reads a micro-panel of a stored row by
	// row (lda > 0), so a NoTrans a packs by copying rows instead of
	// transposing them.
	rowsA bool
}

// Cache sizes in bytes, read with cpuid at start-up; where cpuid does not
// know them, typical sizes of a current x86 or Arm core.
var gemmL1, gemmL2, gemmL3 = cacheSizes()

func cacheSizes() (l1, l2, l3 int) {
	c := cpuid.CPU.Cache
	l1, l2, l3 = c.L1D, c.L2, c.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 512 << 10
	}
	if l3 <= 0 {
		l3 = 8 << 20
	}
	return l1, l2, l3
}

// blockFor derives the cache blocks for an mr×nr microkernel from the
// cache sizes, as BLIS's analytical model does: a kc×nr micro-panel of b
// takes at most half of L1 (the other half streams a's micro-panels and
// c), an mc×kc block of a half of L2, and a kc×nc panel of b a quarter of
// L3 (which the cores share).
func blockFor(id gemmKernelID, mr, nr int, rowsA bool) gemmConfig {
	kc := clampInt(gemmL1/2/(4*nr)/8*8, 64, 512)
	mc := clampInt(gemmL2/2/(4*kc)/mr*mr, mr, 4096/mr*mr)
	nc := clampInt(gemmL3/4/(4*kc)/nr*nr, nr, 8192/nr*nr)
	return gemmConfig{kernel: id, mr: mr, nr: nr, mc: mc, kc: kc, nc: nc, rowsA: rowsA}
}

// gemmBlockOverride, when not zero, replaces mc, kc and nc (tests only).
var gemmBlockOverride [3]int

// withBlocks returns cfg with the non-zero sizes replaced, mc and nc
// rounded up to whole tiles.
func (cfg gemmConfig) withBlocks(mc, kc, nc int) gemmConfig {
	if mc > 0 {
		cfg.mc = roundUp(mc, cfg.mr)
	}
	if kc > 0 {
		cfg.kc = kc
	}
	if nc > 0 {
		cfg.nc = roundUp(nc, cfg.nr)
	}
	return cfg
}

func clampInt(x, lo, hi int) int { return max(lo, min(hi, x)) }

// gemmBuffers are one goroutine's pack buffers, grown on demand and kept.
type gemmBuffers struct {
	a, b []float32
}

// grow returns buf with length n, reusing it if it is big enough. The
// result starts on a 64-byte boundary.
func growAligned(buf *[]float32, n int) []float32 {
	if cap(*buf) < n+16 {
		*buf = make([]float32, n+16)
	}
	s := (*buf)[:cap(*buf)]
	off := int((64 - uintptr(unsafe.Pointer(unsafe.SliceData(s)))%64) % 64 / 4)
	return s[off : off+n]
}

// gemmSerial computes op on the calling goroutine, GotoBLAS style:
//
//	for each kc×nc panel of op(b): pack it into micro-panels of nr columns
//	  for each mc×kc block of op(a): pack it into micro-panels of mr rows
//	    for each nr-wide micro-panel of b, each mr-tall micro-panel of a:
//	      the microkernel updates an mr×nr tile of c (masked at the edges)
//
// The first kc step applies beta; the later ones accumulate (beta = 1).
func gemmSerial(op gemmOperands, cfg gemmConfig, bufs *gemmBuffers) {
	mr, nr := cfg.mr, cfg.nr
	kc := min(cfg.kc, op.k)
	mc := min(cfg.mc, roundUp(op.m, mr))
	nc := min(cfg.nc, roundUp(op.n, nr))
	ap := growAligned(&bufs.a, mc*kc)
	bp := growAligned(&bufs.b, kc*nc)
	c := op.c
	for jc := 0; jc < op.n; jc += nc {
		ncb := min(nc, op.n-jc)
		for pc := 0; pc < op.k; pc += kc {
			kcb := min(kc, op.k-pc)
			beta := op.beta
			if pc > 0 {
				beta = 1
			}
			packB(bp, op.b, op.tB, pc, kcb, jc, ncb, nr)
			for ic := 0; ic < op.m; ic += mc {
				mcb := min(mc, op.m-ic)
				lda := 0
				if cfg.rowsA && !op.tA {
					lda = kcb
					packARows(ap, op.a, ic, mcb, pc, kcb, mr)
				} else {
					packA(ap, op.a, op.tA, ic, mcb, pc, kcb, mr)
				}
				for jr := 0; jr < ncb; jr += nr {
					nrb := min(nr, ncb-jr)
					bpanel := bp[jr*kcb : (jr+nr)*kcb]
					for ir := 0; ir < mcb; ir += mr {
						mrb := min(mr, mcb-ir)
						off := (ic+ir)*c.Stride + jc + jr
						ctile := c.Data[off : off+(mrb-1)*c.Stride+nrb]
						gemmMicro(cfg.kernel, kcb, ap[ir*kcb:(ir+mr)*kcb], lda, bpanel, ctile, c.Stride, op.alpha, beta, mrb, nrb)
					}
				}
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packA copies the block rows [i0,i0+mc) × columns [p0,p0+kc) of op(a)
// into dst as micro-panels of mr rows: panel q holds rows i0+q·mr ...
// column by column (dst[q·mr·kc + p·mr + i] = op(a)[i0+q·mr+i, p0+p]), and
// the rows past the end of the block are zero.
func packA(dst []float32, a Matrix, trans bool, i0, mc, p0, kc, mr int) {
	for q := 0; q < mc; q += mr {
		rows := min(mr, mc-q)
		panel := dst[q*kc : (q+mr)*kc]
		if !trans {
			// op(a)[i, p] = a.Data[i·stride + p]: a transpose.
			packTransposed(panel, mr, a.Data[(i0+q)*a.Stride+p0:], a.Stride, rows, kc)
		} else {
			// op(a)[i, p] = a.Data[p·stride + i]: each column of op(a) is a
			// contiguous run of a's row.
			for p := 0; p < kc; p++ {
				copyRun(panel[p*mr:], a.Data[(p0+p)*a.Stride+i0+q:], rows)
			}
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packARows copies the block rows [i0,i0+mc) × columns [p0,p0+kc) of a
// NoTrans a into dst as micro-panels of mr rows stored row by row:
// dst[q·kc + i·kc + p] = a[i0+q+i, p0+p], rows past the block zero.
func packARows(dst []float32, a Matrix, i0, mc, p0, kc, mr int) {
	for i := 0; i < roundUp(mc, mr); i++ {
		row := dst[i*kc : (i+1)*kc]
		if i < mc {
			copy(row, a.Data[(i0+i)*a.Stride+p0:][:kc])
		} else {
			clear(row)
		}
	}
}

// packB copies rows [p0,p0+kc) × columns [j0,j0+nc) of op(b) into dst as
// micro-panels of nr columns: dst[q·kc + p·nr + j] = op(b)[p0+p, j0+q+j],
// zero past the last column.
func packB(dst []float32, b Matrix, trans bool, p0, kc, j0, nc, nr int) {
	for q := 0; q < nc; q += nr {
		cols := min(nr, nc-q)
		panel := dst[q*kc : (q+nr)*kc]
		if !trans {
			// op(b)[p, j] = b.Data[p·stride + j]: rows copy straight in.
			for p := 0; p < kc; p++ {
				copy(panel[p*nr:p*nr+cols], b.Data[(p0+p)*b.Stride+j0+q:][:cols])
			}
		} else {
			// op(b)[p, j] = b.Data[j·stride + p]: a transpose.
			packTransposed(panel, nr, b.Data[(j0+q)*b.Stride+p0:], b.Stride, cols, kc)
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// packTransposed writes dst[p·w + j] = src[j·stride + p] for j < cols and
// p < kc: cols runs of kc contiguous values become kc rows of width w.
// It moves 4×4 blocks at a time, so each bounds check covers 4 values.
func packTransposed(dst []float32, w int, src []float32, stride, cols, kc int) {
	j := 0
	for ; j+4 <= cols; j += 4 {
		r0 := src[j*stride:][:kc]
		r1 := src[(j+1)*stride:][:kc]
		r2 := src[(j+2)*stride:][:kc]
		r3 := src[(j+3)*stride:][:kc]
		p := 0
		for ; p+4 <= kc; p += 4 {
			x0 := r0[p : p+4 : p+4]
			x1 := r1[p : p+4 : p+4]
			x2 := r2[p : p+4 : p+4]
			x3 := r3[p : p+4 : p+4]
			o := dst[p*w+j:]
			o0 := o[:4:4]
			o1 := o[w : w+4 : w+4]
			o2 := o[2*w : 2*w+4 : 2*w+4]
			o3 := o[3*w : 3*w+4 : 3*w+4]
			o0[0], o0[1], o0[2], o0[3] = x0[0], x1[0], x2[0], x3[0]
			o1[0], o1[1], o1[2], o1[3] = x0[1], x1[1], x2[1], x3[1]
			o2[0], o2[1], o2[2], o2[3] = x0[2], x1[2], x2[2], x3[2]
			o3[0], o3[1], o3[2], o3[3] = x0[3], x1[3], x2[3], x3[3]
		}
		for ; p < kc; p++ {
			o := dst[p*w+j : p*w+j+4 : p*w+j+4]
			o[0], o[1], o[2], o[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; j < cols; j++ {
		r := src[j*stride:][:kc]
		for p, v := range r {
			dst[p*w+j] = v
		}
	}
}

// copyRun copies n values from src to dst. The tile widths get
// fixed-size array copies, which compile to a few vector moves where
// copy would call memmove for a few dozen bytes.
func copyRun(dst, src []float32, n int) {
	switch n {
	case 4:
		*(*[4]float32)(dst) = *(*[4]float32)(src)
	case 6:
		*(*[6]float32)(dst) = *(*[6]float32)(src)
	case 8:
		*(*[8]float32)(dst) = *(*[8]float32)(src)
	case 14:
		*(*[14]float32)(dst) = *(*[14]float32)(src)
	default:
		copy(dst[:n], src[:n])
	}
}
