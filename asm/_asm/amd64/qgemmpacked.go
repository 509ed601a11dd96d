package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// QGemm's broadcast microkernels at AVX-512 VNNI (QGemmPacked<mr>x32
// AVX512VNNI): mr rows of x (mr = 8, 4, 2, 1) by 32 columns of w packed
// once (kernel's qPacked: for each group of four columns of x, the four
// bytes of each of the 32 rows of w side by side, 128 bytes). Each step
// loads the 32 rows' four bytes in two zmm registers, broadcasts four
// bytes of each row of x (VPBROADCASTD), biases them to u = x+128
// (VPXORD 0x80) and adds Σ₄ u·w to the row's two accumulators
// (VPDPBUSD): 2·mr multiply-accumulate instructions per step and no
// horizontal sums. At the end each sum less 128·Σ w (bias, the packed
// copy of 128·QMatrix.RowSums) is the exact int32 Σ x·w of QGemm's other
// paths, dequantized as they do (float32(acc)·(sw·sx), one rounding
// each; with add, one more for the addition) and stored under the
// opmasks of the first cols columns.
//
// Vector registers: accumulators Z0..Z(2mr−1) (row r, half h in 2r+h),
// w's two vectors in Z16, Z17, the broadcasts in Z18..Z25, the 0x80 bias
// in Z26; in the epilogue Z27..Z31.
func init() {
	for _, mr := range []int{8, 4, 2, 1} {
		register(file{fmt.Sprintf("qgemmpacked%dx32_avx512vnni_amd64.s", mr), func(g *gen) { g.qgemmPacked(mr) }})
	}
	for _, mr := range []int{2, 1} {
		register(file{fmt.Sprintf("qgemmpacked%dx32_avx2_amd64.s", mr), func(g *gen) { g.qgemmPackedAVX2(mr) }})
	}
}

func (g *gen) qgemmPacked(mr int) {
	p := int8AVX512VNNI
	g.i8Func(fmt.Sprintf("QGemmPacked%dx32AVX512VNNI", mr),
		"func(c []float32, ldc int, x []int8, stride int, sx []float32, wp []int8, sw []float32, bias []int32, cols int, add bool)")
	g.requiresVNNI(p)
	var (
		c, ldc, x0, x4, s, s3 = RDI, R13, R10, R11, R8, R9
		w, steps, t           = RSI, RCX, RAX
	)
	g.Load(g.Param("c").Base(), c)
	g.Load(g.Param("ldc"), ldc)
	g.SHLQ(imm8(2), ldc)
	g.Load(g.Param("x").Base(), x0)
	g.Load(g.Param("stride"), s)
	g.LEAQ(Mem{Base: s, Index: s, Scale: 2}, s3)
	g.LEAQ(Mem{Base: x0, Index: s, Scale: 4}, x4)
	g.Load(g.Param("wp").Base(), w)
	g.Load(g.Param("wp").Len(), steps)
	g.SHRQ(imm8(7), steps)
	g.MOVL(U32(0x80808080), EAX)
	g.VPBROADCASTD(EAX, Z26)
	for i := 0; i < 2*mr; i++ {
		g.VPXORD(Z(i), Z(i), Z(i))
	}
	rows := []Mem{{Base: x0}, {Base: x0, Index: s, Scale: 1}, {Base: x0, Index: s, Scale: 2}, {Base: x0, Index: s3, Scale: 1},
		{Base: x4}, {Base: x4, Index: s, Scale: 1}, {Base: x4, Index: s, Scale: 2}, {Base: x4, Index: s3, Scale: 1}}
	g.TESTQ(steps, steps)
	g.JZ(LabelRef("sums"))
	g.Comment(fmt.Sprintf("Four columns of x, 32 rows of w, %d rows of x per step.", mr))
	g.Label("step")
	g.VMOVDQU32(at(w, 0), Z16)
	g.VMOVDQU32(at(w, 64), Z17)
	for r := 0; r < mr; r++ {
		u := 18 + r%8
		g.VPBROADCASTD(rows[r], Z(u))
		g.VPXORD(Z26, Z(u), Z(u)) // u = x+128
		g.vpdpbusd(p, 2*r, u, 16)
		g.vpdpbusd(p, 2*r+1, u, 17)
	}
	g.ADDQ(imm(128), w)
	g.ADDQ(imm(4), x0)
	g.ADDQ(imm(4), x4)
	g.DECQ(steps)
	g.JNZ(LabelRef("step"))

	g.Label("sums")
	g.Comment("K1, K2: the first cols of the 32 columns.")
	g.Load(g.Param("cols"), RCX)
	g.MOVL(U32(0xffffffff), EAX)
	g.CMPQ(RCX, imm(32))
	g.JAE(LabelRef("masks"))
	g.MOVL(imm(1), EAX)
	g.SHLQ(CL, t)
	g.DECQ(t)
	g.Label("masks")
	g.KMOVW(EAX, K1)
	g.SHRQ(imm8(16), t)
	g.KMOVW(EAX, K2)
	g.Comment("Z27, Z28 = 128·Σ w; Z29, Z30 = sw.")
	g.Load(g.Param("bias").Base(), t)
	g.VMOVDQU32(at(t, 0), Z27)
	g.VMOVDQU32(at(t, 64), Z28)
	g.Load(g.Param("sw").Base(), t)
	g.VMOVUPS(at(t, 0), Z29)
	g.VMOVUPS(at(t, 64), Z30)
	g.Load(g.Param("sx").Base(), RSI)
	g.Comment("Dequantize: float32(acc)·(sw·sx), then add c if add, and store.")
	g.MOVBLZX(g.addr(g.Param("add")), EDX)
	for r := 0; r < mr; r++ {
		g.VBROADCASTSS(at(RSI, 4*r), Z31)
		for h, k := range []OpmaskPhysical{K1, K2} {
			a := Z(2*r + h)
			g.VPSUBD(Z(27+h), a, a)
			g.VCVTDQ2PS(a, a)
			g.VMULPS(Z31, Z(29+h), Z16) // sw·sx
			g.VMULPS(Z16, a, a)
			skip := fmt.Sprintf("store%d_%d", r, h)
			g.TESTL(EDX, EDX)
			g.JZ(LabelRef(skip))
			g.VMOVUPS_Z(at(c, 64*h), k, Z17)
			g.VADDPS(Z17, a, a)
			g.Label(skip)
			g.VMOVUPS(a, k, at(c, 64*h))
		}
		g.ADDQ(ldc, c)
	}
	g.VZEROUPPER()
	g.RET()
}

// QGemm's broadcast microkernels at AVX2 without VNNI (QGemmPacked<mr>x32
// AVX2): len(sx) rows of x (a multiple of mr = 2 or 1), mr at a time, by
// the 32 columns of one block of w packed as for AVX-512 VNNI. Each step
// loads the 32 rows' four bytes in four ymm registers, broadcasts four
// bytes of each row of x and of its magnitudes |x| (VPBROADCASTD; |x|
// from ax, which the call first fills by VPABSB if fill is set, for the
// calls on the other blocks of w), and adds to each of the row's four
// accumulators GemvInt8AVX2's exact sums: VPSIGNB (w·sign x), VPMADDUBSW
// (|x| by it: int16 pair sums of at most 2·128·127, never saturated),
// VPMADDWD by int16 ones (int32): four vector instructions per 32
// multiply-accumulates, as the int8 peak probe's, and no horizontal
// sums. The sums are dequantized as QGemm's other paths do
// (float32(acc)·(sw·sx), one rounding each; with add, one more for the
// addition) and stored as whole vectors: all 32 columns, which the
// caller provides (a partial last block goes through a buffer; AVX2 has
// no masked store that qemu runs). The loop over the rows of x saves a
// call per tile.
//
// Vector registers: accumulators Y0..Y(4mr−1) (row r, vector v in 4r+v),
// w's four vectors in Y8..Y11, the broadcast |x| and x in Y12 and Y13,
// the product in Y14, int16 ones in Y15.
func (g *gen) qgemmPackedAVX2(mr int) {
	g.i8Func(fmt.Sprintf("QGemmPacked%dx32AVX2", mr),
		"func(c []float32, ldc int, x []int8, ax []int8, stride int, sx []float32, wp []int8, sw []float32, fill bool, add bool)")
	var (
		c, ldc, x0, x1, s = RDI, R13, R10, RAX, R8
		a0, a1, rowBytes  = R9, R12, R11
		sx, tiles, w, k   = RBX, RCX, RSI, RDX
	)
	g.Load(g.Param("c").Base(), c)
	g.Load(g.Param("ldc"), ldc)
	g.SHLQ(imm8(2), ldc)
	g.Load(g.Param("x").Base(), x0)
	g.Load(g.Param("ax").Base(), a0)
	g.Load(g.Param("stride"), s)
	g.Load(g.Param("sx").Base(), sx)
	g.Load(g.Param("sx").Len(), tiles)
	if mr == 2 {
		g.SHRQ(imm8(1), tiles)
	}
	g.Load(g.Param("wp").Len(), rowBytes)
	g.SHRQ(imm8(5), rowBytes) // bytes of a row of x per block: 4 per 128 of wp
	g.i8Consts(int8AVX2)      // Y15: int16 ones
	g.TESTQ(tiles, tiles)
	g.JZ(LabelRef("done"))

	g.Label("tile")
	g.LEAQ(Mem{Base: x0, Index: s, Scale: 1}, x1)
	g.LEAQ(Mem{Base: a0, Index: s, Scale: 1}, a1)
	g.CMPB(g.addr(g.Param("fill")), imm8(0))
	g.JEQ(LabelRef("filled"))
	g.Comment(fmt.Sprintf("ax = |x| for the %d rows, 32 bytes at a time (stride is a multiple of 64).", mr))
	g.XORQ(k, k)
	g.JMP(LabelRef("fillcheck"))
	g.Label("fill")
	for r, base := range [][2]GPPhysical{{x0, a0}, {x1, a1}}[:mr] {
		g.VPABSB(Mem{Base: base[0], Index: k, Scale: 1}, Y(r))
		g.VMOVDQU(Y(r), Mem{Base: base[1], Index: k, Scale: 1})
	}
	g.ADDQ(imm(32), k)
	g.Label("fillcheck")
	g.CMPQ(k, s)
	g.JB(LabelRef("fill"))

	g.Label("filled")
	for i := 0; i < 4*mr; i++ {
		g.VPXOR(Y(i), Y(i), Y(i))
	}
	g.Load(g.Param("wp").Base(), w)
	g.XORQ(k, k)
	xs := []Mem{{Base: x0, Index: k, Scale: 1}, {Base: x1, Index: k, Scale: 1}}
	as := []Mem{{Base: a0, Index: k, Scale: 1}, {Base: a1, Index: k, Scale: 1}}
	g.TESTQ(rowBytes, rowBytes)
	g.JZ(LabelRef("sums"))
	g.Comment(fmt.Sprintf("Four columns of x, 32 rows of w, %d rows of x per step.", mr))
	g.Label("step")
	for v := 0; v < 4; v++ {
		g.VMOVDQU(at(w, 32*v), Y(8+v))
	}
	for r := 0; r < mr; r++ {
		g.VPBROADCASTD(xs[r], Y13)
		g.VPBROADCASTD(as[r], Y12)
		for v := 0; v < 4; v++ {
			g.VPSIGNB(Y13, Y(8+v), Y14) // w·sign(x)
			g.VPMADDUBSW(Y14, Y12, Y14) // |x|·w·sign(x) = x·w, pairs in int16
			g.VPMADDWD(Y15, Y14, Y14)   // pairs of pairs in int32
			g.VPADDD(Y14, Y(4*r+v), Y(4*r+v))
		}
	}
	g.ADDQ(imm(128), w)
	g.ADDQ(imm(4), k)
	g.CMPQ(k, rowBytes)
	g.JB(LabelRef("step"))

	g.Label("sums")
	g.Comment("Dequantize: float32(acc)·(sw·sx), then add c if add, and store.")
	g.Load(g.Param("sw").Base(), RSI)
	for r := 0; r < mr; r++ {
		g.VBROADCASTSS(at(sx, 4*r), Y12)
		for v := 0; v < 4; v++ {
			a := Y(4*r + v)
			g.VCVTDQ2PS(a, a)
			g.VMULPS(at(RSI, 32*v), Y12, Y13) // sw·sx
			g.VMULPS(Y13, a, a)
			skip := fmt.Sprintf("store%d_%d", r, v)
			g.CMPB(g.addr(g.Param("add")), imm8(0))
			g.JEQ(LabelRef(skip))
			g.VADDPS(at(c, 32*v), a, a)
			g.Label(skip)
			g.VMOVUPS(a, at(c, 32*v))
		}
		g.ADDQ(ldc, c)
	}
	g.ADDQ(imm(4*mr), sx)
	if mr == 2 {
		g.LEAQ(Mem{Base: x0, Index: s, Scale: 2}, x0)
		g.LEAQ(Mem{Base: a0, Index: s, Scale: 2}, a0)
	} else {
		g.ADDQ(s, x0)
		g.ADDQ(s, a0)
	}
	g.DECQ(tiles)
	g.JNZ(LabelRef("tile"))

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}
