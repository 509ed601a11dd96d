package main

import (
	"fmt"
	"strings"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/simdcore/simdcore/internal/x86enc"
)

// The int8 kernels (see Int8 kernels in package kernel's documentation): DotInt8 and
// GemvInt8 on three paths. Every path computes the exact int32 Σ x·w:
//
//   - AVX2: VPMADDUBSW of |x| (VPABSB: 0..128 as unsigned bytes) and
//     w·sign(x) (VPSIGNB), whose int16 pair sums are at most 2·128·127 =
//     32512 (w in [−127, 127]) and never saturate, then VPMADDWD by int16
//     ones into int32 lanes.
//   - AVX-VNNI and AVX-512 VNNI: VPDPBUSD of u = x XOR 0x80 = x+128
//     (unsigned) and w, which adds Σ x·w + 128·Σ w to the int32 lanes;
//     128·Σ w (the row sums, or a second VPDPBUSD by ones in the dot
//     product) is subtracted at the end. The lanes may wrap; the result,
//     which fits, is exact.
//
// The kernels take whole vectors only (package kernel pads rows and sums
// a dot product's last partial vector), so there is no tail.
type int8Path struct {
	suffix string // of the symbol: AVX2, AVXVNNI, AVX512VNNI
	s      isa
	vnni   bool
}

var (
	int8AVX2       = int8Path{"AVX2", avx2, false}
	int8AVXVNNI    = int8Path{"AVXVNNI", avx2, true}
	int8AVX512VNNI = int8Path{"AVX512VNNI", avx512, true}
)

// The constant registers: int16 ones (AVX2), the 0x80 bias and the 0x01
// bytes (VNNI).
const (
	i8Ones16 = 15
	i8Bias   = 14
	i8Ones8  = 13
	i8Neg127 = 12 // −127 in every byte (DotInt8's clamp of w)
)

func init() {
	for _, p := range []int8Path{int8AVX2, int8AVXVNNI, int8AVX512VNNI} {
		register(
			file{fmt.Sprintf("dotint8_%s_amd64.s", strings.ToLower(p.suffix)), func(g *gen) { g.dotInt8(p) }},
			file{fmt.Sprintf("gemvint8_%s_amd64.s", strings.ToLower(p.suffix)), func(g *gen) { g.gemvInt8(p) }},
		)
	}
}

// vpdpbusd writes acc += Σ₄ u·w (u unsigned, w signed bytes) as the
// bytes x86enc encodes, under the instruction's AT&T text.
func (g *gen) vpdpbusd(p int8Path, acc, u, w int) {
	zmm := p.s.bytes == 64
	bs, err := x86enc.VPDPBUSD(acc, u, w, zmm)
	if err != nil {
		panic(err)
	}
	g.Comment(x86enc.Mark + x86enc.Comment(acc, u, w, zmm))
	for _, b := range bs {
		g.raw("BYTE", hexByte(b))
	}
}

// requiresVNNI notes, on the VNNI paths, the feature that avo's
// "Requires" line cannot see in BYTEs.
func (g *gen) requiresVNNI(p int8Path) {
	switch {
	case p.vnni && p.s.bytes == 64:
		g.Comment("Requires AVX512_VNNI too: the EVEX VPDPBUSD written as BYTEs.")
	case p.vnni:
		g.Comment("Requires AVX_VNNI too: the VEX VPDPBUSD written as BYTEs.")
	}
}

// i8Func starts a NOSPLIT function of Go signature sig.
func (g *gen) i8Func(name, sig string) {
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(sig)
}

// hexByte is an immediate byte printed in hex, as x86enc's test reads it.
type hexByte byte

func (b hexByte) Asm() string { return fmt.Sprintf("$0x%02x", byte(b)) }

// i8Consts sets the path's constant registers; AX is scratch.
func (g *gen) i8Consts(p int8Path) {
	v := p.s.v
	if !p.vnni {
		g.VPCMPEQW(Y15, Y15, Y15)
		g.VPSRLW(imm8(15), Y15, Y15)
		return
	}
	g.MOVL(U32(0x80808080), EAX)
	g.VMOVD(EAX, xreg(i8Bias))
	g.VPBROADCASTD(xreg(i8Bias), v(i8Bias))
	g.MOVL(U32(0x01010101), EAX)
	g.VMOVD(EAX, xreg(i8Ones8))
	g.VPBROADCASTD(xreg(i8Ones8), v(i8Ones8))
}

// i8Zero zeroes vector register i.
func (g *gen) i8Zero(p int8Path, i int) {
	if p.s.bytes == 64 {
		g.VPXORD(p.s.v(i), p.s.v(i), p.s.v(i))
		return
	}
	g.VPXOR(Y(i), Y(i), Y(i))
}

// i8Load loads a vector from m into register i.
func (g *gen) i8Load(p int8Path, m Mem, i int) {
	if p.s.bytes == 64 {
		g.VMOVDQU32(m, p.s.v(i))
		return
	}
	g.VMOVDQU(m, Y(i))
}

// i8X prepares the vector of x at m for the products: u = x XOR 0x80
// into register ux (VNNI), or |x| into register ax and x itself into sx
// (AVX2).
func (g *gen) i8X(p int8Path, m Mem, ux, sx int) {
	if p.vnni {
		if p.s.bytes == 64 {
			g.VPXORD(m, p.s.v(i8Bias), p.s.v(ux))
		} else {
			g.VPXOR(m, Y(i8Bias), Y(ux))
		}
		return
	}
	g.VMOVDQU(m, Y(sx))
	g.VPABSB(Y(sx), Y(ux))
}

// i8Step adds the products of the prepared x (registers ux, sx) and the
// weights at m to the int32 lanes of acc; t is scratch.
func (g *gen) i8Step(p int8Path, m Mem, ux, sx, acc, t int) {
	g.i8Load(p, m, t)
	g.i8Mac(p, ux, sx, acc, t)
}

// i8Mac adds the products of the prepared x (registers ux, sx) and the
// weights in register t (clobbered) to the int32 lanes of acc.
func (g *gen) i8Mac(p int8Path, ux, sx, acc, t int) {
	if p.vnni {
		g.vpdpbusd(p, acc, ux, t)
		return
	}
	g.VPSIGNB(Y(sx), Y(t), Y(t))        // w·sign(x)
	g.VPMADDUBSW(Y(t), Y(ux), Y(t))     // |x|·w·sign(x) = x·w, pairs in int16 (no saturation)
	g.VPMADDWD(Y(i8Ones16), Y(t), Y(t)) // pairs of pairs in int32
	g.VPADDD(Y(t), Y(acc), Y(acc))
}

// Y is AVX2 register i.
func Y(i int) VecPhysical { return avx2.v(i) }

// Z is zmm register i, X its low 128 bits.
func Z(i int) VecPhysical { return avx512.v(i) }
func X(i int) VecPhysical { return xmm(avx2.v(i)) }

// i8Half folds a zmm accumulator i into its ymm half (AVX-512); t is
// scratch.
func (g *gen) i8Half(p int8Path, i, t int) {
	if p.s.bytes == 64 {
		g.VEXTRACTI64X4(imm8(1), p.s.v(i), Y(t))
		g.VPADDD(Y(t), Y(i), Y(i))
	}
}

// i8Sum1 sums the int32 lanes of accumulator 0 into the low lane of X0;
// register 1 is scratch.
func (g *gen) i8Sum1(p int8Path) {
	g.i8Half(p, 0, 1)
	g.VEXTRACTI128(imm8(1), Y0, X1)
	g.VPADDD(X1, X0, X0)
	g.VPSHUFD(imm8(0x4e), X0, X1)
	g.VPADDD(X1, X0, X0)
	g.VPSHUFD(imm8(0xb1), X0, X1)
	g.VPADDD(X1, X0, X0)
}

func (g *gen) dotInt8(p int8Path) {
	g.i8Func("DotInt8"+p.suffix, "func(x, w []int8) int32")
	g.requiresVNNI(p)
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("w").Base(), RDI)
	g.Load(g.Param("x").Len(), RCX)
	g.i8Consts(p)
	g.MOVL(U32(0x81818181), EAX)
	g.VMOVD(EAX, xreg(i8Neg127))
	g.VPBROADCASTD(xreg(i8Neg127), p.s.v(i8Neg127))
	g.i8Zero(p, 0)
	g.i8Zero(p, 1)
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("done"))
	g.Comment("One vector of x and w per iteration; the VNNI paths sum w (by",
		"ones) into accumulator 1 for the bias.")
	g.Label("loop")
	g.i8X(p, at(RSI, 0), 2, 3)
	g.i8Load(p, at(RDI, 0), 4)
	g.Comment("w = max(w, −127): DotInt8 counts a −128 in w as −127 on every path.")
	if p.s.bytes == 64 {
		g.VPMAXSB(p.s.v(i8Neg127), p.s.v(4), p.s.v(4))
	} else {
		g.VPMAXSB(Y(i8Neg127), Y(4), Y(4))
	}
	g.i8Mac(p, 2, 3, 0, 4)
	if p.vnni {
		g.vpdpbusd(p, 1, i8Ones8, 4)
	}
	g.ADDQ(imm(p.s.bytes), RSI)
	g.ADDQ(imm(p.s.bytes), RDI)
	g.SUBQ(imm(p.s.bytes), RCX)
	g.JNZ(LabelRef("loop"))
	g.Label("done")
	if p.vnni {
		g.Comment("Remove the bias: acc −= 128·Σ w.")
		g.VPSLLD(imm8(7), p.s.v(1), p.s.v(1))
		g.VPSUBD(p.s.v(1), p.s.v(0), p.s.v(0))
	}
	g.i8Sum1(p)
	g.VMOVD(X0, EAX)
	g.VZEROUPPER()
	g.MOVL(EAX, g.addr(g.ReturnIndex(0)))
	g.RET()
}

// The registers of GemvInt8.
var (
	i8Acc   = RDI // &acc[r]
	i8Rows  = RBX // rows left
	i8W     = RSI // &w[r*stride]
	i8S     = R8  // stride
	i8S3    = R9  // 3*stride
	i8XBase = R10 // &x[0]
	i8XWalk = R11 // &x[j]
	i8WWalk = RAX // &w[r*stride+j]
	i8Cols  = RCX // len(x)
	i8Left  = RDX // columns left in a row
	i8Sum   = R12 // &wsum[r] (VNNI)
	i8Next  = R13 // &w[(r+4)*stride+j], prefetched
)

// qAlign is the bytes GemvInt8's rows and x come in multiples of
// (package kernel's qAlign): one iteration of its column loop.
const qAlign = 64

func (g *gen) gemvInt8(p int8Path) {
	if p.vnni {
		g.i8Func("GemvInt8"+p.suffix, "func(acc []int32, w []int8, stride int, x []int8, wsum []int32)")
	} else {
		g.i8Func("GemvInt8"+p.suffix, "func(acc []int32, w []int8, stride int, x []int8)")
	}
	g.requiresVNNI(p)
	g.Load(g.Param("acc").Base(), i8Acc)
	g.Load(g.Param("acc").Len(), i8Rows)
	g.Load(g.Param("w").Base(), i8W)
	g.Load(g.Param("stride"), i8S)
	g.Load(g.Param("x").Base(), i8XBase)
	g.Load(g.Param("x").Len(), i8Cols)
	if p.vnni {
		g.Load(g.Param("wsum").Base(), i8Sum)
	}
	g.LEAQ(Mem{Base: i8S, Index: i8S, Scale: 2}, i8S3)
	g.i8Consts(p)
	rowsAt := []Mem{{Base: i8WWalk}, {Base: i8WWalk, Index: i8S, Scale: 1},
		{Base: i8WWalk, Index: i8S, Scale: 2}, {Base: i8WWalk, Index: i8S3, Scale: 1}}

	// walk runs the column loop over rows rows of the block at i8W into
	// accumulators 0..rows-1: 64 bytes of each row per iteration (two
	// vectors on the 32-byte paths, x prepared in registers 4, 5 and 10,
	// 11; scratch 6..9). With prefetch, the loop also prefetches the
	// next block of four rows at the same columns (i8Next): rows of a
	// few KiB are too short for the hardware prefetchers to follow once
	// per block.
	walk := func(rows int, label string, prefetch bool) {
		for i := 0; i < rows; i++ {
			g.i8Zero(p, i)
		}
		g.MOVQ(i8XBase, i8XWalk)
		g.MOVQ(i8W, i8WWalk)
		g.MOVQ(i8Cols, i8Left)
		if prefetch {
			g.LEAQ(Mem{Base: i8W, Index: i8S, Scale: 4}, i8Next)
		}
		g.TESTQ(i8Left, i8Left)
		g.JZ(LabelRef(label + "sum"))
		g.Label(label)
		for v := 0; v < qAlign/p.s.bytes; v++ {
			off := v * p.s.bytes
			ux, sx := 4+6*v, 5+6*v
			g.i8X(p, at(i8XWalk, off), ux, sx)
			for i := 0; i < rows; i++ {
				m := rowsAt[i]
				m.Disp = off
				g.i8Step(p, m, ux, sx, i, 6+i)
			}
		}
		if prefetch {
			for i := 0; i < 4; i++ {
				m := rowsAt[i]
				m.Base = i8Next
				g.PREFETCHT0(m)
			}
			g.ADDQ(imm(qAlign), i8Next)
		}
		g.ADDQ(imm(qAlign), i8XWalk)
		g.ADDQ(imm(qAlign), i8WWalk)
		g.SUBQ(imm(qAlign), i8Left)
		g.JNZ(LabelRef(label))
		g.Label(label + "sum")
	}

	g.Comment("Blocks of four rows: x is read once per block.")
	g.Label("block4")
	g.CMPQ(i8Rows, imm(4))
	g.JB(LabelRef("rows1"))
	walk(4, "cols4", true)
	for i := 0; i < 4; i++ {
		g.i8Half(p, i, 4+i)
	}
	g.Comment("X0 = the four rows' sums: pairs, then pairs of pairs, then the halves.")
	g.VPHADDD(Y1, Y0, Y0)
	g.VPHADDD(Y3, Y2, Y2)
	g.VPHADDD(Y2, Y0, Y0)
	g.VEXTRACTI128(imm8(1), Y0, X1)
	g.VPADDD(X1, X0, X0)
	if p.vnni {
		g.Comment("Remove the bias: acc −= 128·wsum.")
		g.VMOVDQU(at(i8Sum, 0), X1)
		g.VPSLLD(imm8(7), X1, X1)
		g.VPSUBD(X1, X0, X0)
		g.ADDQ(imm(16), i8Sum)
	}
	g.VMOVDQU(X0, at(i8Acc, 0))
	g.ADDQ(imm(16), i8Acc)
	g.LEAQ(Mem{Base: i8W, Index: i8S, Scale: 4}, i8W)
	g.SUBQ(imm(4), i8Rows)
	g.JMP(LabelRef("block4"))

	g.Comment("The last 0..3 rows, one at a time.")
	g.Label("rows1")
	g.TESTQ(i8Rows, i8Rows)
	g.JZ(LabelRef("end"))
	walk(1, "cols1", false)
	g.i8Sum1(p)
	g.VMOVD(X0, EDX)
	if p.vnni {
		g.MOVL(at(i8Sum, 0), R13L)
		g.SHLL(imm8(7), R13L)
		g.SUBL(R13L, EDX)
		g.ADDQ(imm(4), i8Sum)
	}
	g.MOVL(EDX, at(i8Acc, 0))
	g.ADDQ(imm(4), i8Acc)
	g.ADDQ(i8S, i8W)
	g.DECQ(i8Rows)
	g.JMP(LabelRef("rows1"))

	g.Label("end")
	g.VZEROUPPER()
	g.RET()
}

// maxAbsBitsInt8 writes MaxAbsBitsAVX2: the largest |x[i]| as float32
// bits, by an integer maximum of the bits with the sign cleared (which
// orders finite values and Inf as floats, and puts every NaN above Inf);
// 32 elements per iteration in four accumulators. len(x) is a multiple
// of 32.
func (g *gen) maxAbsBitsInt8() {
	g.i8Func("MaxAbsBitsAVX2", "func(x []float32) uint32")
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("x").Len(), RCX)
	g.VPCMPEQD(Y15, Y15, Y15)
	g.VPSRLD(imm8(1), Y15, Y15) // 0x7fffffff: clears the sign
	for i := 0; i < 4; i++ {
		g.i8Zero(int8AVX2, i)
	}
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("done"))
	g.Label("loop")
	for i := 0; i < 4; i++ {
		g.VPAND(at(RSI, 32*i), Y15, Y(4+i))
		g.VPMAXSD(Y(4+i), Y(i), Y(i))
	}
	g.ADDQ(imm(128), RSI)
	g.SUBQ(imm(32), RCX)
	g.JNZ(LabelRef("loop"))
	g.Label("done")
	g.maxAbsReturn(avx2)
}

// quantizeInt8 writes QuantizeInt8AVX2: dst[i] = clamp(roundHalfEven(
// src[i]·inv), −127, 127), the product rounded to float32 (VMULPS, as Go
// rounds it) and then to the nearest integer, ties to even (VCVTPS2DQ
// under the default MXCSR, which Go never changes); VPACKSSDW and
// VPACKSSWB saturate to [−128, 127], VPMAXSB lifts −128 to −127, and
// VPERMD undoes the packs' lane interleaving. 32 elements per iteration;
// len(src) is a multiple of 32 and len(dst) ≥ len(src).
func (g *gen) quantizeInt8() {
	g.i8Func("QuantizeInt8AVX2", "func(dst []int8, src []float32, inv float32)")
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	g.VBROADCASTSS(g.addr(g.Param("inv")), Y15)
	g.MOVL(U32(0x81818181), EAX) // −127 in every byte
	g.VMOVD(EAX, X14)
	g.VPBROADCASTD(X14, Y14)
	g.MOVQ(U64(0x0703060205010400), RAX) // VPERMD's order: 0 4 1 5 2 6 3 7
	g.VMOVQ(RAX, X13)
	g.VPMOVZXBD(X13, Y13)
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef("done"))
	g.Label("loop")
	for i := 0; i < 4; i++ {
		g.VMULPS(at(RSI, 32*i), Y15, Y(i))
		g.VCVTPS2DQ(Y(i), Y(i))
	}
	g.VPACKSSDW(Y1, Y0, Y0)
	g.VPACKSSDW(Y3, Y2, Y2)
	g.VPACKSSWB(Y2, Y0, Y0)
	g.VPERMD(Y0, Y13, Y0)
	g.VPMAXSB(Y14, Y0, Y0)
	g.VMOVDQU(Y0, at(RDI, 0))
	g.ADDQ(imm(128), RSI)
	g.ADDQ(imm(32), RDI)
	g.SUBQ(imm(32), RCX)
	g.JNZ(LabelRef("loop"))
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// maxAbsBitsAVX512 writes MaxAbsBitsAVX512: MaxAbsBitsAVX2's integer
// maximum on zmm, 64 elements per iteration in four accumulators, then 16
// at a time, then the last 0..15 under K1 (masked-off lanes read as 0,
// which never raises the maximum); any len(x).
func (g *gen) maxAbsBitsAVX512() {
	g.i8Func("MaxAbsBitsAVX512", "func(x []float32) uint32")
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("x").Len(), RCX)
	g.VPTERNLOGD(imm8(0xff), Z15, Z15, Z15)
	g.VPSRLD(imm8(1), Z15, Z15) // 0x7fffffff: clears the sign
	for i := 0; i < 4; i++ {
		g.VPXORD(Z(i), Z(i), Z(i))
	}
	g.Comment("64 elements per iteration.")
	g.Label("loop64")
	g.CMPQ(RCX, imm(64))
	g.JB(LabelRef("loop16"))
	for i := 0; i < 4; i++ {
		g.VPANDD(at(RSI, 64*i), Z15, Z(4+i))
		g.VPMAXSD(Z(4+i), Z(i), Z(i))
	}
	g.ADDQ(imm(256), RSI)
	g.SUBQ(imm(64), RCX)
	g.JMP(LabelRef("loop64"))
	g.Comment("16 at a time.")
	g.Label("loop16")
	g.CMPQ(RCX, imm(16))
	g.JB(LabelRef("tail"))
	g.VPANDD(at(RSI, 0), Z15, Z4)
	g.VPMAXSD(Z4, Z0, Z0)
	g.ADDQ(imm(64), RSI)
	g.SUBQ(imm(16), RCX)
	g.JMP(LabelRef("loop16"))
	g.Comment("The last 0..15 under K1 = (1<<N)-1, the other lanes zero.")
	g.tailIfAny("tail", "reduce")
	g.loadMask()
	g.VPANDD_Z(at(RSI, 0), Z15, K1, Z4)
	g.VPMAXSD(Z4, Z0, Z0)
	g.Label("reduce")
	g.maxAbsReturn(avx512)
}

// maxAbsReturn folds the four accumulators of a MaxAbsBits kernel at
// width s (registers 0..3) into one int32 maximum and returns it.
func (g *gen) maxAbsReturn(s isa) {
	v := s.v
	g.VPMAXSD(v(1), v(0), v(0))
	g.VPMAXSD(v(3), v(2), v(2))
	g.VPMAXSD(v(2), v(0), v(0))
	if s.masked {
		g.VEXTRACTI64X4(imm8(1), Z0, Y1)
		g.VPMAXSD(Y1, Y0, Y0)
	}
	g.VEXTRACTI128(imm8(1), Y0, X1)
	g.VPMAXSD(X1, X0, X0)
	g.VPSHUFD(imm8(0x4e), X0, X1)
	g.VPMAXSD(X1, X0, X0)
	g.VPSHUFD(imm8(0xb1), X0, X1)
	g.VPMAXSD(X1, X0, X0)
	g.VMOVD(X0, EAX)
	g.VZEROUPPER()
	g.MOVL(EAX, g.addr(g.ReturnIndex(0)))
	g.RET()
}

// quantizeInt8AVX512 writes QuantizeInt8AVX512: QuantizeInt8AVX2's
// product and rounding (VMULPS, VCVTPS2DQ), then VPMAXSD lifts the int32
// to −127 and VPMOVSDB saturates it to 127 as it narrows, in order (no
// lane interleaving to undo); 64 elements per iteration, then 16, then
// the last 0..15 under K1 (VMOVDQU8 stores only their bytes). Any
// len(src); len(dst) ≥ len(src).
func (g *gen) quantizeInt8AVX512() {
	g.i8Func("QuantizeInt8AVX512", "func(dst []int8, src []float32, inv float32)")
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	g.VBROADCASTSS(g.addr(g.Param("inv")), Z15)
	g.MOVL(I32(-127), EAX)
	g.VPBROADCASTD(EAX, Z14)
	// one quantizes the sixteen floats at off into X(i), src in a
	// register when v is given (the masked tail).
	one := func(i, off int, v Op) {
		if v == nil {
			v = at(RSI, off)
		}
		g.VMULPS(v, Z15, Z(i))
		g.VCVTPS2DQ(Z(i), Z(i))
		g.VPMAXSD(Z14, Z(i), Z(i))
		g.VPMOVSDB(Z(i), X(i))
	}
	g.Comment("64 elements per iteration.")
	g.Label("loop64")
	g.CMPQ(RCX, imm(64))
	g.JB(LabelRef("loop16"))
	for i := 0; i < 4; i++ {
		one(i, 64*i, nil)
		g.VMOVDQU(X(i), at(RDI, 16*i))
	}
	g.ADDQ(imm(256), RSI)
	g.ADDQ(imm(64), RDI)
	g.SUBQ(imm(64), RCX)
	g.JMP(LabelRef("loop64"))
	g.Comment("16 at a time.")
	g.Label("loop16")
	g.CMPQ(RCX, imm(16))
	g.JB(LabelRef("tail"))
	one(0, 0, nil)
	g.VMOVDQU(X0, at(RDI, 0))
	g.ADDQ(imm(64), RSI)
	g.ADDQ(imm(16), RDI)
	g.SUBQ(imm(16), RCX)
	g.JMP(LabelRef("loop16"))
	g.Comment("The last 0..15 under K1 = (1<<N)-1: masked-off lanes are",
		"neither read nor written.")
	g.tailIfAny("tail", "done")
	g.loadMask()
	g.VMOVUPS_Z(at(RSI, 0), K1, Z1)
	one(0, 0, Z1)
	g.VMOVDQU8(X0, K1, at(RDI, 0))
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

func init() {
	register(
		file{"maxabsbits_avx2_amd64.s", func(g *gen) { g.maxAbsBitsInt8() }},
		file{"quantizeint8_avx2_amd64.s", func(g *gen) { g.quantizeInt8() }},
		file{"maxabsbits_avx512_amd64.s", func(g *gen) { g.maxAbsBitsAVX512() }},
		file{"quantizeint8_avx512_amd64.s", func(g *gen) { g.quantizeInt8AVX512() }},
	)
}
