package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// PackTransposed (Gemm's packing of a NoTrans a and a Trans b at
// AVX-512): dst[p·w + j] = src[j·stride + p] for the rows j < rows and
// zero for rows ≤ j < lanes ≤ 16, for the columns p < kc rounded down to
// 16, in blocks of 16 columns. Each block loads its rows' 16 columns (the
// registers of the rows past rows are zeroed), transposes the 16×16
// block in registers in four stages of lane shuffles (VUNPCKLPS/HPS,
// VUNPCKLPD/HPD, then two of VSHUFF32X4, 64 in all), and stores column p
// of the block as row p of dst through the opmask K1 of the first lanes
// lanes: it reads and writes no other element. A plain move of every
// value, so every bit (NaN payloads included) is kept.
//
// Registers: the rows in Z0..Z15, the first stage's results in
// Z16..Z31, the second's in Z0..Z15, the third's and fourth's in
// Z16..Z23.
func init() {
	register(file{"packtransposed_avx512_amd64.s", func(g *gen) { g.packTransposed() }})
}

func (g *gen) packTransposed() {
	s := avx512
	v := s.v
	g.Function("PackTransposedAVX512")
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, src []float32, w, stride, rows, lanes, kc int)")
	var (
		dst, src, w, stride, rows, blocks, row = RDI, RSI, R8, R9, R10, RCX, R11
		col, w4, w12                           = R12, RAX, RDX
	)
	g.Load(g.Param("rows"), rows)
	g.Load(g.Param("lanes"), RCX)
	g.Comment("K1 = the first lanes lanes: (1<<lanes) - 1.")
	g.MOVL(imm(1), EAX)
	g.SHLL(CL, EAX)
	g.DECL(EAX)
	g.KMOVW(EAX, K1)
	g.Load(g.Param("dst").Base(), dst)
	g.Load(g.Param("src").Base(), src)
	g.Load(g.Param("w"), w)
	g.SHLQ(imm8(2), w) // bytes
	g.Load(g.Param("stride"), stride)
	g.SHLQ(imm8(2), stride) // bytes
	g.MOVQ(w, w4)
	g.SHLQ(imm8(2), w4)
	g.LEAQ(Mem{Base: w4, Index: w4, Scale: 2}, w12)
	g.Load(g.Param("kc"), blocks)
	g.SHRQ(imm8(4), blocks)
	g.JZ(LabelRef("done"))

	g.Label("block")
	g.Comment("Rows 0..rows-1 of the block's 16 columns; the rest zero.")
	g.MOVQ(src, row)
	for r := 0; r < 16; r++ {
		g.CMPQ(rows, imm(r))
		g.JEQ(LabelRef(zeroLabel(r)))
		if r > 0 {
			g.ADDQ(stride, row)
		}
		g.VMOVUPS(at(row, 0), v(r))
	}
	g.JMP(LabelRef("transpose"))
	for r := 0; r < 16; r++ {
		g.Label(zeroLabel(r))
		g.zero(s, v(r))
	}

	g.Label("transpose")
	g.Comment("Stage 1: rows 2i and 2i+1 interleaved by elements, in each 128-bit lane.")
	for i := 0; i < 8; i++ {
		g.VUNPCKLPS(v(2*i+1), v(2*i), v(16+2*i))
		g.VUNPCKHPS(v(2*i+1), v(2*i), v(16+2*i+1))
	}
	g.Comment("Stage 2: by pairs of elements; register 4i+x then holds rows",
		"4i..4i+3 of column 4L+x in lane L.")
	for i := 0; i < 4; i++ {
		t := 16 + 4*i
		g.VUNPCKLPD(v(t+2), v(t), v(4*i))
		g.VUNPCKHPD(v(t+2), v(t), v(4*i+1))
		g.VUNPCKLPD(v(t+3), v(t+1), v(4*i+2))
		g.VUNPCKHPD(v(t+3), v(t+1), v(4*i+3))
	}
	g.Comment("Stages 3 and 4, for each x: the 4×4 transpose of the lanes of",
		"registers x, 4+x, 8+x, 12+x gives columns x, 4+x, 8+x, 12+x whole,",
		"stored at dst + (4L+x)·w.")
	g.MOVQ(dst, col)
	for x := 0; x < 4; x++ {
		a, b, c, d := v(x), v(4+x), v(8+x), v(12+x)
		p, q, r, t := v(16), v(17), v(18), v(19)
		g.VSHUFF32X4(imm8(0x44), b, a, p)
		g.VSHUFF32X4(imm8(0xee), b, a, q)
		g.VSHUFF32X4(imm8(0x44), d, c, r)
		g.VSHUFF32X4(imm8(0xee), d, c, t)
		o := []VecPhysical{v(20), v(21), v(22), v(23)}
		g.VSHUFF32X4(imm8(0x88), r, p, o[0])
		g.VSHUFF32X4(imm8(0xdd), r, p, o[1])
		g.VSHUFF32X4(imm8(0x88), t, q, o[2])
		g.VSHUFF32X4(imm8(0xdd), t, q, o[3])
		g.VMOVUPS(o[0], K1, at(col, 0))
		g.VMOVUPS(o[1], K1, Mem{Base: col, Index: w4, Scale: 1})
		g.VMOVUPS(o[2], K1, Mem{Base: col, Index: w4, Scale: 2})
		g.VMOVUPS(o[3], K1, Mem{Base: col, Index: w12, Scale: 1})
		if x < 3 {
			g.ADDQ(w, col)
		}
	}
	g.LEAQ(Mem{Base: dst, Index: w4, Scale: 4}, dst) // 16 rows of dst
	g.ADDQ(imm(64), src)
	g.DECQ(blocks)
	g.JNZ(LabelRef("block"))

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

func zeroLabel(r int) string { return fmt.Sprintf("zero%d", r) }
