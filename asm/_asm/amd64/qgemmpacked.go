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
