package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// A matrix–vector kernel walks a row-major matrix a (row i at
// a[i*stride:], cols columns) in blocks of rows: eight rows at a time,
// then four if at least four are left, then one at a time. Within a
// block it walks the columns two vectors at a time, then one vector, then
// the tail of the last cols%lanes columns, and it never touches a byte
// past a row's last column (the stride padding, or unmapped memory) nor
// past the end of the vectors:
//
//   - at AVX-512 the tail runs under K1 = (1<<(cols%16))-1: masked-off
//     lanes are neither read nor written;
//   - at AVX2 the tail steps back to the row's last 8 columns, which
//     overlap columns already done, and the kernel keeps only the last
//     cols%8 lanes with a mask read from a table (AND on every value read,
//     so an Inf or NaN in the overlap cannot leak in). Rows shorter than
//     8 columns take a scalar loop. VMASKMOVPS is not used: it would not
//     fault on real CPUs, but qemu (which CI uses to test this path)
//     loads the whole vector before masking.
//
// The skeleton (gen.matvec) owns the blocks, the column loops, the tail
// tests and the pointers; a kernel (a rowKernel) says what one block does
// at its start, per column step, in the tail and at its end. Gemv walks
// the columns along x and ends each block with a horizontal sum per row;
// GemvT walks them along dst and has nothing left to do at a block's end.
type rowKernel interface {
	name() string // Gemv: the symbols are GemvAVX2 and GemvAVX512
	sig() string  // the Go signature
	// transposed says the columns run along dst and the rows along x
	// (GemvT); otherwise the rows run along dst and the columns along x.
	transposed() bool
	// after names the label that ends a block, after its tail.
	after() string
	// mask is the AVX2 tail mask register.
	mask() VecPhysical
	// setup runs after the AVX2 tail mask and offset are in place.
	setup(g *gen, s isa)
	// enter runs at a block's start, before its pointers are set.
	enter(g *gen, s isa, b block)
	// start runs after the block's pointers are set.
	start(g *gen, s isa, b block)
	// step processes vecs vectors of columns (2 or 1) of the block's
	// rows at mvWalk and mvP (and mvQ); the skeleton advances them.
	step(g *gen, s isa, b block, vecs int)
	// tail processes the last cols%lanes columns (it is not called when
	// there are none). At AVX2 mvTail holds the (negative) byte offset
	// from the current column back to the row's last 8 columns.
	tail(g *gen, s isa, b block)
	// finish ends the block, after the tail.
	finish(g *gen, s isa, b block)
	// element processes one element of one row in the AVX2 scalar loop
	// (at mvP and mvWalk).
	element(g *gen)
}

// block is one row block: its number of rows (8, 4 or 1), or the AVX2
// scalar loop over one row of fewer than 8 columns.
type block struct {
	rows   int
	scalar bool
}

// The registers every matrix–vector kernel uses.
var (
	mvRow    = RDI // &dst[i] (Gemv) or &x[i] (GemvT): advances 4 bytes per row
	mvRows   = RBX // rows left
	mvA      = RSI // &a[i*stride], the first row of the block
	mvS      = R8  // stride in bytes
	mvS3     = R9  // 3*stride in bytes
	mvBase   = R10 // &x[0] (Gemv) or &dst[0] (GemvT): the columns' vector
	mvWalk   = R11 // &base[j] while walking the columns
	mvP      = RAX // &a[i*stride+j]: rows i..i+4 are (P), (P)(S*1), (P)(S*2), (P)(S3*1), (P)(S*4)
	mvQ      = RDX // &a[(i+5)*stride+j]: rows i+5..i+7 are (Q), (Q)(S*1), (Q)(S*2)
	mvEndTwo = R12 // &base[cols &^ (2*lanes-1)]: end of the two-vector loop
	mvEndOne = R13 // &base[cols &^ (lanes-1)]: end of the one-vector step
	mvTail   = RCX // cols; at AVX2 then (cols%8-8)*4, or 0 when there is no tail
	mvLeft   = R13 // AVX2 scalar loop: columns left in the row
	mvNext   = R14 // Gemv at AVX2: the next block's short rows, prefetched at a block's start
)

// mvPrefetch is how far ahead (bytes) the eight-row main loop prefetches
// each row at AVX-512 (512 measured best of 512/768/1024/2048 at 1024²
// and 4096²). A prefetch is only a cache hint: it never faults and loads
// no value, so prefetching past a row into its padding or past the matrix
// is safe.
//
// The AVX2 kernels do not prefetch in the column loop (Gemv prefetches
// the head of the next block's short rows at a block's start:
// gemv.enter): on Zen 3, with the column loop's prefetches removed,
// GemvAdd ran ≈ 15 % faster at 256² (the matrix in L2, a recurrent
// step's W_hh) and as fast at 1024² and 4096², GemvT ≈ 30 % faster at
// 256², ≈ 10 % at 1024² and as fast at 4096². The prefetches share the
// load ports with the FMAs' loads, and past the middle of a row they
// fetch lines that the block's next row streams in anyway; the hardware
// prefetcher follows the eight row streams alone. AVX-512 keeps them:
// no CPU here runs it to measure.
const mvPrefetch = 512

// mvRowAt is row i of the block (0..7) at byte offset off from the
// current column.
func mvRowAt(i, off int) Mem { return mvRowIn(mvP, mvQ, i, off) }

// mvRowIn is row i (0..7) of the eight rows that start at p, with q at
// their row 5, at byte offset off.
func mvRowIn(p, q GPPhysical, i, off int) Mem {
	switch i {
	case 0:
		return Mem{Base: p, Disp: off}
	case 1, 2, 4:
		return Mem{Base: p, Index: mvS, Scale: uint8(i), Disp: off}
	case 3:
		return Mem{Base: p, Index: mvS3, Scale: 1, Disp: off}
	case 5:
		return Mem{Base: q, Disp: off}
	default:
		return Mem{Base: q, Index: mvS, Scale: uint8(i - 5), Disp: off}
	}
}

// mvLabel is the label of block b's part named what: "rows8", "r8tail".
func mvLabel(b block, what string) string {
	switch {
	case b.scalar && what == "rows":
		return "small"
	case b.scalar:
		return "s" + what
	case what == "rows":
		return fmt.Sprintf("rows%d", b.rows)
	}
	return fmt.Sprintf("r%d%s", b.rows, what)
}

// zero clears the vector register v.
func (g *gen) zero(s isa, v VecPhysical) {
	if s.masked {
		g.VPXORD(v, v, v)
	} else {
		g.VXORPS(v, v, v)
	}
}

// mvAdvance advances the row pointers (mvP, and mvQ in an eight-row
// block) and mvWalk by n bytes.
func (g *gen) mvAdvance(b block, n Op) {
	g.ADDQ(n, mvP)
	if b.rows == 8 {
		g.ADDQ(n, mvQ)
	}
	g.ADDQ(n, mvWalk)
}

// maskFMA adds xv times the row at address row, ANDed with mask, into
// acc, through the scratch register t (the AVX2 tail).
func (g *gen) maskFMA(row Mem, mask, t, xv, acc VecPhysical) {
	g.VANDPS(row, mask, t)
	g.VFMADD231PS(t, xv, acc)
}

// matvec emits k's kernel for s.
func (g *gen) matvec(k rowKernel, s isa) {
	g.Function(k.name() + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(k.sig())
	dst, x := []Register{mvRow, mvRows}, []Register{mvBase, mvTail}
	if k.transposed() {
		dst, x = x, dst
	}
	g.Load(g.Param("dst").Base(), dst[0])
	g.Load(g.Param("dst").Len(), dst[1])
	g.Load(g.Param("a").Base(), mvA)
	g.Load(g.Param("stride"), mvS)
	g.SHLQ(imm8(2), mvS)
	g.LEAQ(Mem{Base: mvS, Index: mvS, Scale: 2}, mvS3)
	g.Load(g.Param("x").Base(), x[0])
	g.Load(g.Param("x").Len(), x[1])

	lanes := s.lanes()
	if !s.masked {
		g.CMPQ(mvTail, imm(lanes))
		g.JB(LabelRef("small"))
	}
	g.Comment("Column bounds as pointers along the columns' vector.")
	for _, end := range []struct {
		r     GPPhysical
		lanes int
	}{{mvEndTwo, 2 * lanes}, {mvEndOne, lanes}} {
		g.MOVQ(mvTail, end.r)
		g.ANDQ(imm(-end.lanes), end.r)
		g.LEAQ(Mem{Base: mvBase, Index: end.r, Scale: 4}, end.r)
	}
	if s.masked {
		g.Comment("K1 = (1 << (cols%16)) - 1 selects the tail columns; zero when",
			"there is no tail.")
		g.ANDQ(imm(lanes-1), mvTail)
		g.loadMask()
	} else {
		g.Comment("The tail mask = the last cols%8 lanes, from the table at 4*(cols%8);",
			"CX = (cols%8-8)*4, or 0 when there is no tail.")
		g.ANDQ(imm(lanes-1), mvTail)
		g.JZ(LabelRef("rows8"))
		g.LEAQ(g.tailTable(k.name()), mvP)
		g.VMOVUPS(Mem{Base: mvP, Index: mvTail, Scale: 4}, k.mask())
		g.SUBQ(imm(lanes), mvTail)
		g.SHLQ(imm8(2), mvTail)
		k.setup(g, s)
	}

	for _, b := range []block{{rows: 8}, {rows: 4}, {rows: 1}} {
		g.matvecBlock(k, s, b)
	}
	if !s.masked {
		g.Comment("Fewer than 8 columns (cols is in CX): one row at a time, one",
			"scalar FMA per element.")
		g.matvecBlock(k, s, block{rows: 1, scalar: true})
	}
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// matvecBlock emits the loop of block b: test the rows left, set the
// pointers, walk the columns, the tail, and advance to the next rows.
func (g *gen) matvecBlock(k rowKernel, s isa, b block) {
	lanes := s.lanes()
	switch {
	case b.rows == 8:
		g.Comment("Eight rows at a time.")
	case b.rows == 4:
		g.Comment("Four rows, if at least four of the last rows%8 are left.")
	case !b.scalar:
		g.Comment("The last rows%4 rows, one at a time.")
	}
	g.Label(mvLabel(b, "rows"))
	switch {
	case b.scalar:
		g.TESTQ(mvRows, mvRows)
		g.JZ(LabelRef("done"))
	case b.rows == 8:
		g.CMPQ(mvRows, imm(8))
		g.JB(LabelRef("rows4"))
	case b.rows == 4:
		g.CMPQ(mvRows, imm(4))
		g.JB(LabelRef("rows1"))
	default:
		g.TESTQ(mvRows, mvRows)
		g.JZ(LabelRef("done"))
	}
	k.enter(g, s, b)
	g.MOVQ(mvA, mvP)
	if b.rows == 8 {
		g.LEAQ(Mem{Base: mvA, Index: mvS, Scale: 4}, mvQ)
		g.ADDQ(mvS, mvQ) // Q = row i+5
	}
	g.MOVQ(mvBase, mvWalk)
	after := mvLabel(b, k.after())
	if b.scalar {
		g.MOVQ(mvTail, mvLeft)
		k.start(g, s, b)
		g.TESTQ(mvLeft, mvLeft)
		g.JZ(LabelRef(after))
		g.Label("scol")
		k.element(g)
		g.mvAdvance(b, imm(4))
		g.DECQ(mvLeft)
		g.JNZ(LabelRef("scol"))
	} else {
		two, one := mvLabel(b, fmt.Sprintf("col%d", 2*lanes)), mvLabel(b, fmt.Sprintf("col%d", lanes))
		tail := mvLabel(b, "tail")
		k.start(g, s, b)
		g.CMPQ(mvWalk, mvEndTwo)
		g.JAE(LabelRef(one))

		g.Label(two)
		if b.rows == 8 && s.masked {
			g.Comment(fmt.Sprintf("Prefetch each row %d bytes ahead: with eight streams at once the", mvPrefetch),
				"hardware prefetcher alone leaves DRAM and L3 bandwidth unused.")
			for i := 0; i < 8; i++ {
				g.PREFETCHT0(mvRowAt(i, mvPrefetch))
			}
		}
		k.step(g, s, b, 2)
		g.mvAdvance(b, imm(2*s.bytes))
		g.CMPQ(mvWalk, mvEndTwo)
		g.JB(LabelRef(two))

		g.Label(one)
		g.CMPQ(mvWalk, mvEndOne)
		g.JAE(LabelRef(tail))
		k.step(g, s, b, 1)
		g.mvAdvance(b, imm(s.bytes))

		g.Label(tail)
		g.Comment(fmt.Sprintf("The last cols%%%d columns, if any.", lanes))
		if s.masked {
			g.KORTESTW(K1, K1)
		} else {
			g.TESTQ(mvTail, mvTail)
		}
		g.JZ(LabelRef(after))
		k.tail(g, s, b)
	}

	g.Label(after)
	k.finish(g, s, b)
	g.ADDQ(imm(4*b.rows), mvRow)
	switch b.rows {
	case 8:
		g.LEAQ(Mem{Base: mvA, Index: mvS, Scale: 8}, mvA)
		g.SUBQ(imm(8), mvRows)
		g.JMP(LabelRef("rows8"))
	case 4:
		g.LEAQ(Mem{Base: mvA, Index: mvS, Scale: 4}, mvA)
		g.SUBQ(imm(4), mvRows)
	default:
		g.ADDQ(mvS, mvA)
		g.DECQ(mvRows)
		g.JMP(LabelRef(mvLabel(b, "rows")))
	}
}
