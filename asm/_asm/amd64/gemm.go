package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// A gemmTile is a Gemm microkernel: c[0:m, 0:cols] = alpha·(a·b) +
// beta·c over a rows×cols register tile, two vectors per row of c.
//
// a is a packed micro-panel of op(a): rows rows, k columns, stored column
// by column (a[p·rows+i]); at AVX2 also row by row with row stride lda
// (a[i·lda+p]) if lda > 0, which is how rows of a NoTrans a pack by plain
// copying (the AVX-512 kernel has no lda: see below); b is a packed
// micro-panel of op(b): k rows of cols (b[p·cols+j]). Each rank-1 update
// loads row p of b (two vectors), broadcasts element i of column p of a
// (at AVX2 into one of two registers in turn, so consecutive rows do not
// share one) and adds the products into row i's two accumulators; four
// updates run per iteration, then one at a time. Row i < m of c then gets
// alpha·s + beta·c (beta = ±0: alpha·s, c not read).
//
// At AVX-512 the element of a is not broadcast into a register: each FMA
// broadcasts it from memory (an embedded broadcast, VFMADD231PS.BCST),
// one fused uop where the broadcast and the FMA are two. That needs a
// column-by-column a: the rows of a row-by-row one are addressed through
// an index register (LDA), and an FMA's indexed memory operand is split
// into two uops again, with a second load; so the AVX-512 kernel reads a
// column by column only (package kernel packs a NoTrans a by transposing
// it, PackTransposedAVX512). Fewer uops per FMA matter when the core
// issues fewer of them: on a shared Xeon guest, in phases where a loop of
// FMAs alone still reached the peak while this kernel did not, the
// broadcast form ran at about 0.75 of the peak and the embedded one at
// 0.82–0.9 (BENCHMARKS.md); in the other phases both reached it. The
// products and sums are the same either way, so are the bits.
//
// At AVX-512 the columns written are the first n, through opmasks K1
// (first vector) and K2 (second), so neither loads nor stores touch c
// past column n or row m. Edge tiles short enough (m ≤ 4 or m ≤ 8 at
// AVX-512, m ≤ 4 at AVX2) run loops over the first rows only (the others
// stay zero and are not stored), so a batch of 32 rows costs 32 rows'
// updates at AVX-512 (two 14-row tiles and a 4-row one), not 36, and at
// AVX2 (five 6-row tiles and two rows) 34, not 36. Each row's sum is the
// same sequence of FMAs in every loop, so the bits do not change. At AVX2
// the tile is always 16 columns wide: narrower tiles go through a buffer
// in the caller (package kernel), not VMASKMOVPS, which qemu's AVX2
// emulation (where the AVX2 path is tested on AVX-512 machines) loads
// whole, faulting on a guard page a real CPU's masked load would not touch.
type gemmTile struct {
	rows int
	// rowA is row i of a stored row by row: a base register (gemmRowBases)
	// plus LDA (R11, in bytes) times a scale, at byte offset off. nil: the
	// kernel reads a column by column only, and has no lda.
	rowA func(i, off int) Mem
	// bases are the row-by-row base pointers after AX (rows 3, 6, ...).
	bases []GPPhysical
	// shorts, largest first: an edge tile with m ≤ shorts[j].rows (and
	// above the next one's rows) takes loops over its first rows only.
	shorts []gemmShort
}

// gemmShort is an edge tile's loop over rows 0..rows-1 of a gemmTile,
// row by row reached from the first bases row bases (a tile with rowA).
// label is its entry
// and pre the prefix of its loops' labels (with an "r" before each, the
// row-by-row loop's).
type gemmShort struct {
	rows, bases int
	label, pre  string
}

var (
	gemm6x16 = gemmTile{
		rows: 6, bases: []GPPhysical{RSI}, shorts: []gemmShort{{4, 2, "half", "h"}},
		rowA: func(i, off int) Mem {
			base := []GPPhysical{RAX, RSI}[i/3]
			return gemmLDA(base, i%3, off)
		},
	}
	gemm14x32 = gemmTile{
		rows: 14, shorts: []gemmShort{{8, 0, "half", "h"}, {4, 0, "quarter", "q"}},
	}
)

// gemmLDA is the address base + scale·LDA + off.
func gemmLDA(base GPPhysical, scale, off int) Mem {
	if scale == 0 {
		return Mem{Base: base, Disp: off}
	}
	return Mem{Base: base, Index: R11, Scale: uint8(scale), Disp: off}
}

// gemm emits the microkernel of tile t for s.
func (g *gen) gemm(t gemmTile, s isa) {
	cols := 2 * s.lanes()
	name := fmt.Sprintf("GemmKernel%dx%d%s", t.rows, cols, s.suffix)
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	rows := t.rowA != nil
	sig := "func(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m int"
	if !rows {
		sig = "func(k int, a, b, c []float32, ldc int, alpha, beta float32, m int"
	}
	if s.masked {
		sig += ", n int"
	}
	g.SignatureExpr(sig + ")")
	g.Load(g.Param("k"), RCX)
	g.Load(g.Param("a").Base(), RAX)
	if rows {
		g.Load(g.Param("lda"), R11)
	}
	g.Load(g.Param("b").Base(), RBX)
	g.Load(g.Param("c").Base(), RDI)
	g.Load(g.Param("ldc"), R8)
	g.SHLQ(imm8(2), R8) // row stride of c in bytes
	g.Load(g.Param("m"), R9)
	if s.masked {
		g.Load(g.Param("n"), R10)
	}

	rowBytes := 2 * s.bytes
	g.Comment("Prefetch the m rows of the c tile while the k loop runs: for large",
		"products c lives in L3 or memory, and the loads and stores at the end",
		"would otherwise wait on it. The last line is the one an unaligned row",
		"touches past its first.")
	g.MOVQ(RDI, RDX)
	g.MOVQ(R9, R12)
	g.Label("prefetchc")
	for off := 0; off < rowBytes; off += 64 {
		g.PREFETCHT0(at(RDX, off))
	}
	g.PREFETCHT0(at(RDX, rowBytes-1))
	g.ADDQ(R8, RDX)
	g.DECQ(R12)
	g.JNZ(LabelRef("prefetchc"))

	g.Comment(fmt.Sprintf("Zero the %d accumulators.", 2*t.rows))
	for i := 0; i < 2*t.rows; i++ {
		g.zero(s, s.v(i))
	}
	if rows {
		g.TESTQ(R11, R11)
		g.JNZ(LabelRef("rows"))
	}
	g.gemmShortJumps(t, "")

	colA := func(i, off int) Mem { return at(RAX, off+4*i) }
	g.Comment("a column by column: four rank-1 updates per iteration.")
	g.gemmLoops(t, s, "", t.rows, colA, 4*t.rows, nil, true)
	for j, sh := range t.shorts {
		g.Comment(fmt.Sprintf("m ≤ %d (an edge tile), a column by column: rows 0..%d only, the", sh.rows, sh.rows-1),
			fmt.Sprintf("column stride stays %d elements.", t.rows))
		g.Label(sh.label)
		g.gemmLoops(t, s, sh.pre, sh.rows, colA, 4*t.rows, nil, rows || j < len(t.shorts)-1)
	}
	if rows {
		g.gemmRows(t, s)
	}

	g.gemmStore(t, s)
}

// gemmRows emits the loops of tile t over a stored row by row.
func (g *gen) gemmRows(t gemmTile, s isa) {
	g.Comment("a row by row: a base pointer every third row, each 16 bytes (4",
		"columns) further per iteration; the rows between through LDA.")
	g.Label("rows")
	g.SHLQ(imm8(2), R11)
	prev := RAX
	for _, b := range t.bases {
		g.LEAQ(Mem{Base: prev, Index: R11, Scale: 2}, b)
		g.ADDQ(R11, b)
		prev = b
	}
	rowBases := append([]GPPhysical{RAX}, t.bases...)
	g.gemmShortJumps(t, "r")
	g.gemmLoops(t, s, "r", t.rows, t.rowA, 4, rowBases, len(t.shorts) > 0)
	for j, sh := range t.shorts {
		g.Comment(fmt.Sprintf("m ≤ %d, a row by row: rows 0..%d only.", sh.rows, sh.rows-1))
		g.Label("r" + sh.label)
		g.gemmLoops(t, s, "r"+sh.pre, sh.rows, t.rowA, 4, rowBases[:sh.bases], j < len(t.shorts)-1)
	}
}

// gemmStore emits the end of tile t's kernel: c = alpha·s + beta·c.
func (g *gen) gemmStore(t gemmTile, s isa) {

	g.Label("store")
	if s.masked {
		g.Comment("Column masks: K1 = the first min(n,16) bits, K2 = the first",
			"max(n-16,0) bits (1<<count - 1, shift count in CL).")
		g.MOVQ(R10, RCX)
		g.CMPQ(RCX, imm(16))
		g.JLE(LabelRef("mask1"))
		g.MOVQ(imm(16), RCX)
		g.Label("mask1")
		g.gemmMask(K1)
		g.MOVQ(R10, RCX)
		g.SUBQ(imm(16), RCX)
		g.JGE(LabelRef("mask2"))
		g.XORQ(RCX, RCX)
		g.Label("mask2")
		g.gemmMask(K2)
	}
	alpha, beta := s.v(14), s.v(15)
	if s.masked {
		alpha, beta = s.v(30), s.v(31)
	}
	g.Comment("Broadcast alpha and beta; beta = ±0 takes the path that never reads c.")
	g.VBROADCASTSS(g.addr(g.Param("alpha")), alpha)
	g.VBROADCASTSS(g.addr(g.Param("beta")), beta)
	g.MOVL(g.addr(g.Param("beta")), EDX)
	g.ANDL(U32(0x7fffffff), EDX)
	if !s.masked {
		g.TESTL(EDX, EDX)
	}
	g.JZ(LabelRef("storezero"))
	next := func() {
		g.ADDQ(R8, RDI)
		g.DECQ(R9)
		g.JZ(LabelRef("done"))
	}
	c1 := at(RDI, s.bytes)
	for i := 0; i < t.rows; i++ {
		c0v, c1v := s.v(2*i), s.v(2*i+1)
		if s.masked {
			// c·beta + alpha·s, under the column masks.
			b0, b1 := s.v(28), s.v(29)
			g.VMOVUPS_Z(at(RDI, 0), K1, b0)
			g.VMOVUPS_Z(c1, K2, b1)
			g.VMULPS(beta, b0, b0)
			g.VMULPS(beta, b1, b1)
			g.VFMADD231PS(alpha, c0v, b0)
			g.VFMADD231PS(alpha, c1v, b1)
			g.VMOVUPS(b0, K1, at(RDI, 0))
			g.VMOVUPS(b1, K2, c1)
		} else {
			// alpha·s + beta·c.
			g.VMULPS(alpha, c0v, c0v)
			g.VMULPS(alpha, c1v, c1v)
			g.VFMADD231PS(at(RDI, 0), beta, c0v)
			g.VFMADD231PS(c1, beta, c1v)
			g.VMOVUPS(c0v, at(RDI, 0))
			g.VMOVUPS(c1v, c1)
		}
		next()
	}
	g.JMP(LabelRef("done"))

	g.Label("storezero")
	for i := 0; i < t.rows; i++ {
		c0v, c1v := s.v(2*i), s.v(2*i+1)
		g.VMULPS(alpha, c0v, c0v)
		g.VMULPS(alpha, c1v, c1v)
		if s.masked {
			g.VMOVUPS(c0v, K1, at(RDI, 0))
			g.VMOVUPS(c1v, K2, c1)
		} else {
			g.VMOVUPS(c0v, at(RDI, 0))
			g.VMOVUPS(c1v, c1)
		}
		next()
	}
	if !s.masked {
		g.JMP(LabelRef("done")) // a jump to the next instruction, kept for identical code
	}
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// gemmShortJumps sends an edge tile to the loop of the fewest rows that
// covers its m (R9): the smallest short first, labels prefixed by pre.
func (g *gen) gemmShortJumps(t gemmTile, pre string) {
	for j := len(t.shorts) - 1; j >= 0; j-- {
		sh := t.shorts[j]
		g.CMPQ(R9, imm(sh.rows))
		g.JLE(LabelRef(pre + sh.label))
	}
}

// gemmMask sets k = (1<<CL) - 1 through DX.
func (g *gen) gemmMask(k Op) {
	g.MOVL(imm(1), EDX)
	g.SHLL(CL, EDX)
	g.DECL(EDX)
	g.KMOVW(EDX, k)
}

// gemmLoops emits the k loops over rows rows of the tile: four rank-1
// updates per iteration, then one at a time, labels prefixed by pre. a is
// the address of row i's element of the current column at byte offset
// off; the column advances by astep bytes, on AX alone (column by column)
// or on every base in bases (row by row). jumpStore ends the last loop
// with a jump to the store (the last loop before it falls through).
func (g *gen) gemmLoops(t gemmTile, s isa, pre string, rows int, a func(i, off int) Mem, astep int, bases []GPPhysical, jumpStore bool) {
	// a column by column: one base, AX, and at AVX-512 embedded
	// broadcasts (see gemmTile).
	embedded := bases == nil && s.masked
	if bases == nil {
		bases = []GPPhysical{RAX}
	}
	b0, b1, bc := s.v(12), s.v(13), []VecPhysical{s.v(14), s.v(15)}
	if s.masked {
		b0, b1, bc = s.v(28), s.v(29), []VecPhysical{s.v(30), s.v(31)}
	}
	bstep := 2 * s.bytes // one row of b
	kstep := func(p int) {
		g.VMOVUPS(at(RBX, p*bstep), b0)
		g.VMOVUPS(at(RBX, p*bstep+s.bytes), b1)
		for i := 0; i < rows; i++ {
			if embedded {
				// The element is broadcast by each FMA from memory (one
				// fused uop each).
				g.VFMADD231PS_BCST(a(i, p*astep), b0, s.v(2*i))
				g.VFMADD231PS_BCST(a(i, p*astep), b1, s.v(2*i+1))
				continue
			}
			x := bc[i%2]
			g.VBROADCASTSS(a(i, p*astep), x)
			g.VFMADD231PS(b0, x, s.v(2*i))
			g.VFMADD231PS(b1, x, s.v(2*i+1))
		}
	}
	advance := func(n int) {
		for _, b := range bases {
			g.ADDQ(imm(n*astep), b)
		}
		g.ADDQ(imm(n*bstep), RBX)
	}
	loop4, tail, loop1 := pre+"loop4", pre+"tail", pre+"loop1"
	g.CMPQ(RCX, imm(4))
	g.JLT(LabelRef(tail))
	g.Label(loop4)
	for p := 0; p < 4; p++ {
		kstep(p)
	}
	advance(4)
	g.SUBQ(imm(4), RCX)
	g.CMPQ(RCX, imm(4))
	g.JGE(LabelRef(loop4))

	g.Comment("The last k mod 4 rank-1 updates, one at a time.")
	g.Label(tail)
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("store"))
	g.Label(loop1)
	kstep(0)
	advance(1)
	g.DECQ(RCX)
	g.JNZ(LabelRef(loop1))
	if jumpStore {
		g.JMP(LabelRef("store"))
	}
}
