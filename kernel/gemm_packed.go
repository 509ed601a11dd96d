package kernel

import "fmt"

// PackedB is a right-hand operand of Gemm, op(b) of k×n, packed once into
// the micro-panels that the active level's microkernel reads, for
// products that reuse one operand many times: Gemm packs op(b) afresh on
// every call, which for a recurrent step's W_hh (a 256×1024 operand
// multiplied by a few rows, a hundred times per sequence) costs a third
// of the step. Pack it once with Pack and multiply with GemmPacked.
//
// The packing belongs to the level active when Pack ran; GemmPacked
// panics if the level has changed since (SetLevel). The zero value is an
// empty operand ready for Pack, which reuses its memory: repacking an
// operand of the same size allocates nothing. A PackedB holds a copy:
// changes to b after Pack are not seen.
type PackedB struct {
	k, n  int
	cfg   gemmConfig
	level Level
	data  []float32
}

// Rows returns k and Cols n, op(b)'s shape.
func (p *PackedB) Rows() int { return p.k }

// Cols returns n, the columns of op(b).
func (p *PackedB) Cols() int { return p.n }

// Pack packs op(b) (b, or bᵀ with tB = Trans) into p for the active
// level, in the blocks Gemm's serial loop visits: for each nc-wide band
// of columns, for each kc-deep slice of rows, a kc×nc panel in
// micro-panels of nr columns (the last padded with zeros).
func (p *PackedB) Pack(tB Transpose, b Matrix) {
	mustValid("PackedB.Pack", "b", b)
	k, n := b.Rows, b.Cols
	if tB {
		k, n = n, k
	}
	cfg := currentGemmConfig()
	if o := gemmBlockOverride; o != [3]int{} {
		cfg = cfg.withBlocks(o[0], o[1], o[2])
	}
	p.k, p.n, p.cfg, p.level = k, n, cfg, active
	nc, nr := min(cfg.nc, roundUp(max(n, 1), cfg.nr)), cfg.nr
	size := 0
	for jc := 0; jc < n; jc += nc {
		size += k * roundUp(min(nc, n-jc), nr)
	}
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.data = p.data[:size]
	raceRead(b.span())
	p.blocks(func(blk packedBlock) {
		packB(blk.data, b, bool(tB), blk.pc, blk.kcb, blk.jc, blk.ncb, nr)
	})
}

// packedBlock is one block of a PackedB: columns jc..jc+ncb and rows
// pc..pc+kcb of op(b), in micro-panels of nr columns (kcb×nr each, the
// last padded with zeros) in data.
type packedBlock struct {
	jc, ncb, pc, kcb int
	data             []float32
}

// blocks calls fn on p's blocks in memory order, for each nc-wide band of
// columns each kc-deep slice of rows: the one statement of the layout,
// which Pack fills and GemmPacked and GemvPacked read.
func (p *PackedB) blocks(fn func(blk packedBlock)) {
	kc, nc, nr := min(p.cfg.kc, max(p.k, 1)), min(p.cfg.nc, roundUp(max(p.n, 1), p.cfg.nr)), p.cfg.nr
	off := 0
	for jc := 0; jc < p.n; jc += nc {
		ncb := min(nc, p.n-jc)
		for pc := 0; pc < p.k; pc += kc {
			kcb := min(kc, p.k-pc)
			w := kcb * roundUp(ncb, nr)
			fn(packedBlock{jc: jc, ncb: ncb, pc: pc, kcb: kcb, data: p.data[off : off+w]})
			off += w
		}
	}
}

// GemmPacked computes c = alpha·op(a)·B + beta·c with B packed by
// PackedB.Pack: what Gemm(tA, tB, alpha, a, b, beta, c) computes, with
// the same rounding, without packing B. The one exception is a single
// row with alpha 1, beta 0 or 1 and a NoTrans a, which Gemm runs as a
// matrix-vector product (Gemv, GemvAdd or GemvT): GemmPacked computes
// it as it computes every row of a taller product, within the same
// error bound (each row of c is the same bits whatever the number of
// rows). Products large enough for Gemm
// to split are split too, by bands of c's rows across up to Threads()
// goroutines (each band reads all of B; the bits do not depend on the
// split); smaller ones run on the calling goroutine. It allocates
// nothing in steady state. Shapes are checked as Gemm checks them (a
// panic naming the sizes). Several goroutines may multiply by one
// PackedB at once: GemmPacked only reads it.
func GemmPacked(tA Transpose, alpha float32, a Matrix, b *PackedB, beta float32, c Matrix) {
	mustValid("GemmPacked", "a", a)
	mustValid("GemmPacked", "c", c)
	am, ak := a.Rows, a.Cols
	if tA {
		am, ak = ak, am
	}
	if ak != b.k || c.Rows != am || c.Cols != b.n {
		panic(fmt.Sprintf("kernel.GemmPacked: op(a) is %d×%d, B is %d×%d, c is %d×%d", am, ak, b.k, b.n, c.Rows, c.Cols))
	}
	if b.level != active {
		panic(fmt.Sprintf("kernel.GemmPacked: B was packed at level %v, the active level is %v", b.level, active))
	}
	if matricesOverlap(c, a) {
		panicOverlap("GemmPacked", "c", "a")
	}
	m, n, k := am, b.n, ak
	if gemmDegenerate(m, n, k, alpha, beta, c) {
		return
	}
	raceRead(a.span())
	op := gemmOperands{tA: bool(tA), alpha: alpha, beta: beta, a: a, c: c, m: m, n: n, k: k}
	gemmPackedRun(op, b)
}

// gemmPackedRun runs op with B from p: split by rows as gemmRun would
// split it (same threshold), or on the calling goroutine.
func gemmPackedRun(op gemmOperands, p *PackedB) {
	flops := 2 * float64(op.m) * float64(op.n) * float64(op.k)
	nt := min(Threads(), int(flops/gemmSplitFlops(active)))
	tiles := (op.m + p.cfg.mr - 1) / p.cfg.mr
	nt = min(nt, tiles)
	if nt <= 1 {
		var bufs gemmBuffers
		gemmSerialPacked(op, p, &bufs)
		bufs.release()
		return
	}
	runSplit(op, p.cfg, p, nt, false, p.cfg.mr, op.m)
}

// gemmDirectARows is the most rows of op(a) that gemmSerialPacked reads
// in place instead of packing (a NoTrans a, at a level whose microkernel
// reads a row by row: AVX2; the AVX-512 kernel reads a packed column by
// column, which its FMAs' embedded broadcasts need, and packing it costs
// that level about 2% of such a step): for a few rows by a wide B, as
// rnn's batch steps are (32×256 by 256×1024), the copy is a visible part
// of the step, while
// a tall block gains from the contiguous copy (fewer pages and cache sets
// per micro-panel). The microkernel reads the same values either way, so
// the bits do not change. Rows a multiple of 4 KiB apart are copied
// however few they are (gemmRowsAlias).
const gemmDirectARows = 64

// gemmRowsAlias reports whether rows stride elements apart fall in one
// set of the L1 data cache: a multiple of 4 KiB apart, the page size,
// which a set-associative L1 indexed within the page (every x86 and Arm
// core's) divides into sets. An mr-row tile of such rows then competes for
// one set's 8 to 12 ways, and the microkernel's loads miss L1 where a
// copy's rows would not: rnn's ForwardBatch holds a step's rows of h T
// rows apart (102400 bytes for T = 100, H = 256), and copying them made
// its 32×1024×256 step product 5–11% faster, copy included, on a
// Sapphire Rapids class Xeon (BENCHMARKS.md), when its AVX-512 kernel
// still read rows.
func gemmRowsAlias(stride int) bool { return stride > 0 && 4*stride%4096 == 0 }

// gemmSerialPacked is gemmSerial with op(b) taken from p's panels. A
// short NoTrans a (gemmDirectARows) whose rows do not alias in L1
// (gemmRowsAlias) is read in place by the full tiles;
// only the rows of its last, partial tile are copied (the microkernel
// reads all mr rows, the ones past m being zero).
func gemmSerialPacked(op gemmOperands, p *PackedB, bufs *gemmBuffers) {
	cfg := p.cfg
	kc := min(cfg.kc, op.k)
	mc := min(cfg.mc, roundUp(op.m, cfg.mr))
	ap, _ := bufs.pack(mc*kc, 0)
	direct := cfg.rowsA && !op.tA && op.m <= gemmDirectARows && !gemmRowsAlias(op.a.Stride)
	p.blocks(func(blk packedBlock) {
		gemmPanel(op, cfg, ap, blk.data, blk.jc, blk.ncb, blk.pc, blk.kcb, direct)
	})
}
