package main

import (
	"fmt"
	"strings"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// QGemm's register-blocked microkernel (QGemmInt8<path>): tiles of two
// rows of x by four rows of w, so that each weight vector loaded serves
// both activation rows and each activation vector all four weight rows.
// One call takes one quad of w's rows and walks every pair of x's rows
// over it, the whole row length (the common stride) per tile; then it
// dequantizes the tile's eight int32 sums as package kernel's dequant
// does (float32(acc)·(sw·sx), one rounding each; with add, one more for
// the addition) and writes them to c. The products are those of the
// gemv kernels (int8.go), so every sum is the same exact int32.
//
// Vector registers: accumulators 0..7 (x row r, w row k in r·4+k),
// w's four vectors in 8..11, x's vector in 12; AVX2: |x| in 13, the
// product in 14, int16 ones in 15; VNNI: the 0x80 bias in 14, and
// 128·wsum in 15 for the whole call.
func init() {
	for _, p := range []int8Path{int8AVX2, int8AVXVNNI, int8AVX512VNNI} {
		register(file{fmt.Sprintf("qgemmint8_%s_amd64.s", strings.ToLower(p.suffix)), func(g *gen) { g.qgemmInt8(p) }})
	}
}

// The general registers of QGemmInt8.
var (
	qgC     = RDI // &c[2i*ldc]
	qgLdc   = R13 // ldc in bytes
	qgX     = R10 // &x[2i*stride]
	qgSx    = R12 // &sx[2i]
	qgPairs = RBX // pairs of x rows left
	qgW     = RSI // &w[0]
	qgS     = R8  // stride
	qgS3    = R9  // 3*stride
	qgXWalk = R11 // &x[2i*stride+j]
	qgWWalk = RAX // &w[j]
	qgLeft  = RDX // bytes of the rows left
	// AVX2: |x|, kept in ax for all of the block's quads.
	qgAx     = R14 // &ax[2i*stride]
	qgAxWalk = RCX // &ax[2i*stride+j]
)

func (g *gen) qgemmInt8(p int8Path) {
	sig := "func(c []float32, ldc int, x []int8, sx []float32, w []int8, stride int, sw []float32, ax []int8, fill bool, add bool)"
	if p.vnni {
		sig = "func(c []float32, ldc int, x []int8, sx []float32, w []int8, stride int, sw []float32, wsum []int32, add bool)"
	}
	g.i8Func("QGemmInt8"+p.suffix, sig)
	g.requiresVNNI(p)
	g.Load(g.Param("c").Base(), qgC)
	g.Load(g.Param("ldc"), qgLdc)
	g.SHLQ(imm8(2), qgLdc)
	g.Load(g.Param("x").Base(), qgX)
	g.Load(g.Param("sx").Base(), qgSx)
	g.Load(g.Param("sx").Len(), qgPairs)
	g.SHRQ(imm8(1), qgPairs)
	g.Load(g.Param("w").Base(), qgW)
	g.Load(g.Param("stride"), qgS)
	g.LEAQ(Mem{Base: qgS, Index: qgS, Scale: 2}, qgS3)
	g.i8Consts(p)
	if !p.vnni {
		g.Comment("ax holds |x| (VPABSB: 0..128 as unsigned bytes), the same for every",
			"quad of w's rows: written by the call whose fill is set, read by all.")
		g.Load(g.Param("ax").Base(), qgAx)
		g.CMPB(g.addr(g.Param("fill")), imm8(0))
		g.JE(LabelRef("pair"))
		g.MOVQ(qgX, qgXWalk)
		g.MOVQ(qgAx, qgWWalk)
		g.Load(g.Param("x").Len(), qgLeft)
		g.TESTQ(qgLeft, qgLeft)
		g.JZ(LabelRef("pair"))
		g.Label("abs")
		g.VPABSB(at(qgXWalk, 0), Y12)
		g.VMOVDQU(Y12, at(qgWWalk, 0))
		g.ADDQ(imm(32), qgXWalk)
		g.ADDQ(imm(32), qgWWalk)
		g.SUBQ(imm(32), qgLeft)
		g.JNZ(LabelRef("abs"))
	}
	if p.vnni {
		g.Comment("X15 = 128·wsum, removed from every tile's sums (the bias of x+128).")
		g.Load(g.Param("wsum").Base(), qgWWalk)
		g.VMOVDQU(at(qgWWalk, 0), X15)
		g.VPSLLD(imm8(7), X15, X15)
	}
	wRows := []Mem{{Base: qgWWalk}, {Base: qgWWalk, Index: qgS, Scale: 1},
		{Base: qgWWalk, Index: qgS, Scale: 2}, {Base: qgWWalk, Index: qgS3, Scale: 1}}
	xRows := []Mem{{Base: qgXWalk}, {Base: qgXWalk, Index: qgS, Scale: 1}}

	g.Label("pair")
	g.TESTQ(qgPairs, qgPairs)
	g.JZ(LabelRef("end"))
	for i := 0; i < 8; i++ {
		g.i8Zero(p, i)
	}
	g.MOVQ(qgX, qgXWalk)
	g.MOVQ(qgW, qgWWalk)
	g.MOVQ(qgS, qgLeft)
	if !p.vnni {
		g.MOVQ(qgAx, qgAxWalk)
	}
	g.TESTQ(qgLeft, qgLeft)
	g.JZ(LabelRef("sum"))
	// Two vectors of each row per iteration at AVX2 (the stride is a
	// multiple of 64 bytes), one at AVX-512.
	unroll := 64 / p.s.bytes
	g.Comment(fmt.Sprintf("%d vector(s) of each of the tile's six rows per iteration.", unroll))
	g.Label("cols")
	for u := 0; u < unroll; u++ {
		off := u * p.s.bytes
		for k, m := range wRows {
			m.Disp = off
			g.i8Load(p, m, 8+k)
		}
		for r, m := range xRows {
			m.Disp = off
			if p.vnni {
				g.i8X(p, m, 12, 0)
				for k := 0; k < 4; k++ {
					g.vpdpbusd(p, 4*r+k, 12, 8+k)
				}
				continue
			}
			g.VMOVDQU(m, Y12)
			a := Mem{Base: qgAxWalk, Disp: off}
			if r == 1 {
				a = Mem{Base: qgAxWalk, Index: qgS, Scale: 1, Disp: off}
			}
			g.VMOVDQU(a, Y13)
			for k := 0; k < 4; k++ {
				g.VPSIGNB(Y12, Y(8+k), Y14)       // w·sign(x)
				g.VPMADDUBSW(Y14, Y13, Y14)       // |x|·w·sign(x) = x·w, pairs in int16 (no saturation)
				g.VPMADDWD(Y(i8Ones16), Y14, Y14) // pairs of pairs in int32
				g.VPADDD(Y14, Y(4*r+k), Y(4*r+k))
			}
		}
	}
	g.ADDQ(imm(64), qgXWalk)
	g.ADDQ(imm(64), qgWWalk)
	if !p.vnni {
		g.ADDQ(imm(64), qgAxWalk)
	}
	g.SUBQ(imm(64), qgLeft)
	g.JNZ(LabelRef("cols"))

	g.Label("sum")
	for i := 0; i < 8; i++ {
		g.i8Half(p, i, 8+i%4)
	}
	g.Comment("X0, X4 = the sums of x's rows 0 and 1 with w's four rows (as GemvInt8 adds them).")
	for _, b := range []int{0, 4} {
		g.VPHADDD(Y(b+1), Y(b), Y(b))
		g.VPHADDD(Y(b+3), Y(b+2), Y(b+2))
		g.VPHADDD(Y(b+2), Y(b), Y(b))
		g.VEXTRACTI128(imm8(1), Y(b), xreg(b+1))
		g.VPADDD(xreg(b+1), xreg(b), xreg(b))
		if p.vnni {
			g.VPSUBD(X15, xreg(b), xreg(b))
		}
	}
	g.Comment("Dequantize: float32(acc)·(sw·sx), then add c if add, and store.")
	g.Load(g.Param("sw").Base(), qgLeft) // the row loop is done: RDX is free
	g.VMOVUPS(at(qgLeft, 0), X8)
	for r, b := range []int{0, 4} {
		dst := Mem{Base: qgC}
		if r == 1 {
			dst = Mem{Base: qgC, Index: qgLdc, Scale: 1}
		}
		g.VBROADCASTSS(at(qgSx, 4*r), X9)
		g.VMULPS(X9, X8, X9) // sw·sx
		g.VCVTDQ2PS(xreg(b), xreg(b))
		g.VMULPS(X9, xreg(b), xreg(b))
		store := fmt.Sprintf("store%d", r)
		g.CMPB(g.addr(g.Param("add")), imm8(0))
		g.JE(LabelRef(store))
		g.VADDPS(dst, xreg(b), xreg(b))
		g.Label(store)
		g.VMOVUPS(xreg(b), dst)
	}
	g.LEAQ(Mem{Base: qgX, Index: qgS, Scale: 2}, qgX)
	if !p.vnni {
		g.LEAQ(Mem{Base: qgAx, Index: qgS, Scale: 2}, qgAx)
	}
	g.ADDQ(imm(8), qgSx)
	g.LEAQ(Mem{Base: qgC, Index: qgLdc, Scale: 2}, qgC)
	g.DECQ(qgPairs)
	g.JMP(LabelRef("pair"))

	g.Label("end")
	g.VZEROUPPER()
	g.RET()
}
