package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemv is Gemv(dst, a, stride, x, accumulate): dst[i] = Σ_j a[i*stride+j]·x[j]
// (or dst[i] += ...) for i < len(dst), j < len(x). Each column step loads
// the x vectors once and feeds them to one FMA per row, whose other
// operand comes straight from memory; every row keeps its own
// accumulators (see gemvAccs), which the block's end sums horizontally
// into dst[i..].
type gemv struct{}

func (gemv) name() string { return "Gemv" }
func (gemv) sig() string {
	return "func(dst, a []float32, stride int, x []float32, accumulate bool)"
}
func (gemv) transposed() bool  { return false }
func (gemv) after() string     { return "reduce" }
func (gemv) mask() VecPhysical { return Y15 }

// gemvXT is x's last 8 columns under the AVX2 tail mask, loaded once.
var gemvXT = Y14

// gemvX is the register of the x vector of column step t (0 or 1).
func gemvX(s isa, t int) VecPhysical {
	if s.masked {
		return s.v(16 + t)
	}
	return s.v(8 + t)
}

// Accumulator slots: each row has one accumulator per slot, though slots
// may share registers.
const (
	accTwo0 = iota // first vector of the two-vector step
	accTwo1        // second vector of the two-vector step
	accOne         // the one-vector step
	accTail        // the tail
)

// gemvAccs gives, per slot, the register of row 0 of block b; row i's is
// i registers on. A single row has four independent accumulators. At
// AVX2 (16 registers) eight rows share one per row, four rows have two;
// at AVX-512 every row of 8 or 4 has two (Z0..Z7 and Z8..Z15).
func gemvAccs(s isa, b block) [4]int {
	switch {
	case b.rows == 1:
		return [4]int{0, 1, 2, 3}
	case s.masked:
		return [4]int{0, 8, 0, 8}
	case b.rows == 4:
		return [4]int{0, 4, 0, 4}
	default:
		return [4]int{0, 0, 0, 0}
	}
}

// acc is row i's accumulator in slot.
func (gemv) acc(s isa, b block, slot, i int) VecPhysical {
	return s.v(gemvAccs(s, b)[slot] + i)
}

func (gemv) setup(g *gen, s isa) {
	g.VANDPS(Mem{Base: mvEndOne, Index: mvTail, Scale: 1}, Y15, gemvXT)
}

// mvNextHead is how many bytes of each row of the next eight-row block
// Gemv prefetches at a block's start, at AVX2, when the block's rows are
// short: at most mvShortRow bytes in the two-vector loop.
const (
	mvNextHead = 256
	mvShortRow = 512
)

// enter, at an eight-row block's start at AVX2, prefetches the first
// mvNextHead bytes of each row of the next block if the rows are short
// (past the matrix, a prefetch is a hint that never faults). Rows as
// short as a recurrent step's (128 columns, 512 bytes, the matrices in L3
// when W_ih and W_hh together fill L2) end before the hardware prefetcher
// has ramped up on the next block's eight new streams: on Zen 3 an LSTM
// State.Step at input = hidden = 128 ran ≈ 4 % faster with it (four
// interleaved A/Bs; 256 bytes better than 512). Longer rows do without:
// GemvAdd at 256² ran ≈ 3 % slower with it.
func (gemv) enter(g *gen, s isa, b block) {
	if s.masked || b.rows != 8 {
		return
	}
	long := mvLabel(b, "long")
	g.Comment(fmt.Sprintf("Rows of at most %d bytes in the two-vector loop: prefetch the first", mvShortRow),
		fmt.Sprintf("%d bytes of each row of the next block.", mvNextHead))
	g.MOVQ(mvEndTwo, mvNext)
	g.SUBQ(mvBase, mvNext)
	g.CMPQ(mvNext, imm(mvShortRow))
	g.JA(LabelRef(long))
	g.LEAQ(Mem{Base: mvA, Index: mvS, Scale: 8}, mvNext)
	for i := 0; i < 8; i++ {
		if i == 5 {
			g.LEAQ(Mem{Base: mvNext, Index: mvS, Scale: 4}, mvNext)
			g.ADDQ(mvS, mvNext)
		}
		for off := 0; off < mvNextHead; off += 64 {
			g.PREFETCHT0(mvRowIn(mvNext, mvNext, i, off))
		}
	}
	g.Label(long)
}

func (gemv) start(g *gen, s isa, b block) {
	if b.scalar {
		g.VXORPS(X0, X0, X0)
		return
	}
	var seen [32]bool
	for _, base := range gemvAccs(s, b) {
		if seen[base] {
			continue
		}
		seen[base] = true
		for i := 0; i < b.rows; i++ {
			g.zero(s, s.v(base+i))
		}
	}
}

func (k gemv) step(g *gen, s isa, b block, vecs int) {
	for t := 0; t < vecs; t++ {
		g.VMOVUPS(at(mvWalk, t*s.bytes), gemvX(s, t))
	}
	for t := 0; t < vecs; t++ {
		slot := accOne
		if vecs == 2 {
			slot = accTwo0 + t
		}
		for i := 0; i < b.rows; i++ {
			g.VFMADD231PS(mvRowAt(i, t*s.bytes), gemvX(s, t), k.acc(s, b, slot, i))
		}
	}
}

func (k gemv) tail(g *gen, s isa, b block) {
	if s.masked {
		g.VMOVUPS_Z(at(mvWalk, 0), K1, gemvX(s, 0))
		for i := 0; i < b.rows; i++ {
			g.VFMADD231PS(mvRowAt(i, 0), gemvX(s, 0), K1, k.acc(s, b, accTail, i))
		}
		return
	}
	g.ADDQ(mvTail, mvP)
	if b.rows == 8 {
		g.ADDQ(mvTail, mvQ)
	}
	for i := 0; i < b.rows; i++ {
		g.maskFMA(mvRowAt(i, 0), k.mask(), Y9, gemvXT, k.acc(s, b, accTail, i))
	}
}

// finish sums each row's accumulators and lanes and stores (or adds) the
// sums to dst[i..].
func (k gemv) finish(g *gen, s isa, b block) {
	if !b.scalar {
		g.Comment("Each row's accumulators and lanes summed; dst[i..] stored (or added to).")
	}
	switch {
	case b.scalar:
	case b.rows == 1:
		g.VADDPS(s.v(1), s.v(0), s.v(0))
		g.VADDPS(s.v(3), s.v(2), s.v(2))
		g.VADDPS(s.v(2), s.v(0), s.v(0))
		g.halve(g.VADDPS, s.v(0))
		g.hadd4()
	default:
		if a := gemvAccs(s, b); a[accTwo1] != a[accTwo0] {
			for i := 0; i < b.rows; i++ {
				g.VADDPS(k.acc(s, b, accTwo1, i), k.acc(s, b, accTwo0, i), k.acc(s, b, accTwo0, i))
			}
		}
		if s.masked {
			// 16 lanes to 8.
			for i := 0; i < b.rows; i++ {
				g.VEXTRACTF64X4(imm8(1), s.v(i), avx2.v(8+i))
			}
			for i := 0; i < b.rows; i++ {
				g.VADDPS(avx2.v(8+i), avx2.v(i), avx2.v(i))
			}
		}
		g.hsum8Rows(b.rows)
	}
	var out VecPhysical
	var add, mov func(...Op)
	switch b.rows {
	case 8:
		out, add, mov = Y0, g.VADDPS, g.VMOVUPS
	case 4:
		out, add, mov = X0, g.VADDPS, g.VMOVUPS
	default:
		out, add, mov = X0, g.VADDSS, g.VMOVSS
	}
	store := mvLabel(b, "store")
	g.CMPB(g.addr(g.Param("accumulate")), imm8(0))
	g.JEQ(LabelRef(store))
	add(at(mvRow, 0), out, out)
	g.Label(store)
	mov(out, at(mvRow, 0))
}

// hsum8Rows sums the 8 lanes of each of Y0..Y(rows-1) (rows 8 or 4) into
// lane i of Y0 (8 rows) or X0 (4 rows). Within each 128-bit lane, two
// rounds of pairwise adds give four row sums, one per half of the
// columns; the halves are then added.
func (g *gen) hsum8Rows(rows int) {
	for i := 0; i < rows; i += 2 {
		g.VHADDPS(avx2.v(i+1), avx2.v(i), avx2.v(i)) // rows i, i+1 pairwise
	}
	for i := 0; i < rows; i += 4 {
		g.VHADDPS(avx2.v(i+2), avx2.v(i), avx2.v(i)) // lane k: rows i..i+3, half k
	}
	if rows == 4 {
		g.VEXTRACTF128(imm8(1), Y0, X1)
		g.VADDPS(X1, X0, X0)
		return
	}
	g.VPERM2F128(imm8(0x20), Y4, Y0, Y1) // low lanes:  [0..3 | 4..7] first halves
	g.VPERM2F128(imm8(0x31), Y4, Y0, Y2) // high lanes: [0..3 | 4..7] second halves
	g.VADDPS(Y2, Y1, Y0)
}

func (gemv) element(g *gen) {
	g.VMOVSS(at(mvP, 0), X1)
	g.VMOVSS(at(mvWalk, 0), X2)
	g.VFMADD231SS(X2, X1, X0) // register operands: qemu 7.2 loads 16 bytes for a memory one
}
