package main

import "fmt"

// The int8 kernels on NEON (see Int8 kernels in package kernel's documentation):
// DotInt8 and GemvInt8, each with the dot-product extension (SDOT: four
// s8×s8 products per int32 lane) and without it (SMULL and SMLAL2: two
// products per int16 lane, at most 2·128·127 < 2^15 with w in
// [−127, 127]; SADALP adds the pairs to int32 lanes). Both give the exact
// int32 Σ x·w. The kernels take whole vectors of 16 bytes only (package
// kernel pads quantized rows to 64 and sums a dot product's last partial
// vector), so there is no tail.
type int8NEON struct {
	suffix string // NEONDot or NEON
	// mac adds the products of the bytes in x and w to the int32 lanes of
	// acc (tmp is scratch), as Arm instruction templates.
	mac func(acc, x, w, tmp int) []string
}

var (
	int8Dot = int8NEON{"NEONDot", func(acc, x, w, _ int) []string {
		return []string{fmt.Sprintf("sdot v%d.4s, v%d.16b, v%d.16b", acc, x, w)}
	}}
	int8Plain = int8NEON{"NEON", func(acc, x, w, tmp int) []string {
		return []string{
			fmt.Sprintf("smull v%d.8h, v%d.8b, v%d.8b", tmp, x, w),
			fmt.Sprintf("smlal2 v%d.8h, v%d.16b, v%d.16b", tmp, x, w),
			fmt.Sprintf("sadalp v%d.4s, v%d.8h", acc, tmp),
		}
	}}
)

func init() {
	for _, p := range []int8NEON{int8Dot, int8Plain} {
		register(
			output{symbol: "DotInt8" + p.suffix, file: "dotint8_" + lowerSuffix(p) + "_arm64.s",
				emit: func(t *text, _ constTable) { dotInt8(t, p) }},
			output{symbol: "GemvInt8" + p.suffix, file: "gemvint8_" + lowerSuffix(p) + "_arm64.s",
				emit: func(t *text, _ constTable) { gemvInt8(t, p) }},
		)
	}
}

func lowerSuffix(p int8NEON) string {
	if p.suffix == "NEONDot" {
		return "neondot"
	}
	return "neon"
}

func (p int8NEON) requires() string {
	if p.suffix == "NEONDot" {
		return "ARMv8.2-A with the dot-product extension (ASIMDDP)"
	}
	return "ARMv8-A Advanced SIMD only (every arm64 CPU)"
}

// macs writes mac for each (acc, w, tmp) triple with x in V0.
func macs(t *text, p int8NEON, rows int) {
	for i := 0; i < rows; i++ {
		for _, ins := range p.mac(16+i, 0, 1+i, 5+i) {
			t.ins(ins, nil)
		}
	}
}

// int8Preamble writes what the int8 kernels' files start with.
func int8Preamble(t *text, symbol, requires string) {
	t.w("")
	t.w(`#include "textflag.h"`)
	t.w("")
	t.f("// %s requires %s.", symbol, requires)
}

func dotInt8(t *text, p int8NEON) {
	int8Preamble(t, "DotInt8"+p.suffix, p.requires())
	t.w("")
	t.f("// func DotInt8%s(x, w []int8) int32", p.suffix)
	t.f("TEXT ·DotInt8%s(SB), NOSPLIT, $0-52", p.suffix)
	t.w("\tMOVD x_base+0(FP), R0")
	t.w("\tMOVD w_base+24(FP), R1")
	t.w("\tMOVD x_len+8(FP), R2")
	t.w("\tVEOR V16.B16, V16.B16, V16.B16")
	t.w("\tMOVW $0x81, R3")
	t.w("\tVDUP R3, V31.B16 // −127 in every byte")
	t.w("\tCBZ  R2, done")
	t.w("")
	t.w("\t// 16 bytes of x and w per iteration (len(x) is a multiple of 16);")
	t.w("\t// w = max(w, −127): DotInt8 counts a −128 in w as −127 on every path.")
	t.w("loop:")
	t.w("\tVLD1.P 16(R0), [V0.B16]")
	t.w("\tVLD1.P 16(R1), [V1.B16]")
	t.ins("smax v1.16b, v1.16b, v31.16b", nil)
	macs(t, p, 1)
	t.w("\tSUBS   $16, R2")
	t.w("\tBNE    loop")
	t.w("")
	t.w("done:")
	t.ins("addv s0, v16.4s", nil)
	t.w("\tFMOVS F0, R3")
	t.w("\tMOVW  R3, ret+48(FP)")
	t.w("\tRET")
}

func gemvInt8(t *text, p int8NEON) {
	int8Preamble(t, "GemvInt8"+p.suffix, p.requires())
	t.w("//")
	t.w("// Registers: R0 &acc[r], R1 rows left, R2 &w[r*stride], R3 stride,")
	t.w("// R4 &x[0], R5 len(x); R6..R9 the block's rows, R10 &x[j], R11 columns")
	t.w("// left; V0 x, V1..V4 the rows' bytes, V16..V19 the rows' int32 lanes.")
	t.w("")
	t.f("// func GemvInt8%s(acc []int32, w []int8, stride int, x []int8)", p.suffix)
	t.f("TEXT ·GemvInt8%s(SB), NOSPLIT, $0-80", p.suffix)
	t.w("\tMOVD acc_base+0(FP), R0")
	t.w("\tMOVD acc_len+8(FP), R1")
	t.w("\tMOVD w_base+24(FP), R2")
	t.w("\tMOVD stride+48(FP), R3")
	t.w("\tMOVD x_base+56(FP), R4")
	t.w("\tMOVD x_len+64(FP), R5")
	t.w("")
	t.w("\t// Blocks of four rows: x is read once per block.")
	t.w("block4:")
	t.w("\tCMP  $4, R1")
	t.w("\tBLT  rows1")
	t.w("\tMOVD R2, R6")
	t.w("\tADD  R3, R6, R7")
	t.w("\tADD  R3, R7, R8")
	t.w("\tADD  R3, R8, R9")
	walk(t, p, 4, "cols4", []string{"R6", "R7", "R8", "R9"})
	t.w("\t// V16 = the four rows' sums: pairs, then pairs of pairs.")
	t.ins("addp v16.4s, v16.4s, v17.4s", nil)
	t.ins("addp v18.4s, v18.4s, v19.4s", nil)
	t.ins("addp v16.4s, v16.4s, v18.4s", nil)
	t.w("\tVST1.P [V16.S4], 16(R0)")
	t.w("\tADD    R3<<2, R2")
	t.w("\tSUB    $4, R1")
	t.w("\tB      block4")
	t.w("")
	t.w("\t// The last 0..3 rows, one at a time.")
	t.w("rows1:")
	t.w("\tCBZ  R1, end")
	t.w("\tMOVD R2, R6")
	walk(t, p, 1, "cols1", []string{"R6"})
	t.ins("addv s0, v16.4s", nil)
	t.w("\tFMOVS  F0, R12")
	t.w("\tMOVW.P R12, 4(R0)")
	t.w("\tADD    R3, R2")
	t.w("\tSUB    $1, R1")
	t.w("\tB      rows1")
	t.w("")
	t.w("end:")
	t.w("\tRET")
}

// walk writes the column loop over the rows at ptrs into V16.. (x from
// R4, len(x) in R5).
func walk(t *text, p int8NEON, rows int, label string, ptrs []string) {
	t.w("\tMOVD R4, R10")
	t.w("\tMOVD R5, R11")
	for i := 0; i < rows; i++ {
		t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16", 16+i, 16+i, 16+i)
	}
	t.f("\tCBZ  R11, %ssum", label)
	t.w("")
	t.f("%s:", label)
	t.w("\tVLD1.P 16(R10), [V0.B16]")
	for i, r := range ptrs {
		t.f("\tVLD1.P 16(%s), [V%d.B16]", r, 1+i)
	}
	macs(t, p, rows)
	t.w("\tSUBS   $16, R11")
	t.f("\tBNE    %s", label)
	t.w("")
	t.f("%ssum:", label)
}

// fourVectors are the register sets of the quantizer passes' four
// vectors per iteration: x in V0..V3, an accumulator in V16..V19.
var fourVectors = []regs{{"x": 0, "acc": 16}, {"x": 1, "acc": 17}, {"x": 2, "acc": 18}, {"x": 3, "acc": 19}}

// maxAbsBitsNEON writes MaxAbsBitsNEON: the largest of the bits of
// |x[i]| (the sign cleared by AND, then UMAX: finite values and Inf order
// as floats, every NaN above Inf); 16 elements per iteration in four
// accumulators. len(x) is a multiple of 16.
func maxAbsBitsNEON(t *text) {
	int8Preamble(t, "MaxAbsBitsNEON", int8Plain.requires())
	t.w("")
	t.w("// func MaxAbsBitsNEON(x []float32) uint32")
	t.w("TEXT ·MaxAbsBitsNEON(SB), NOSPLIT, $0-28")
	t.w("\tMOVD x_base+0(FP), R0")
	t.w("\tMOVD x_len+8(FP), R2")
	t.w("\tMOVW $0x7fffffff, R3")
	t.w("\tVDUP R3, V31.S4 // clears the sign")
	for i := 16; i < 20; i++ {
		t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16", i, i, i)
	}
	t.w("\tCBZ  R2, done")
	t.w("")
	t.w("loop:")
	t.w("\tVLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]")
	t.code(fourVectors, []string{"and {x}.16b, {x}.16b, v31.16b", "umax {acc}.4s, {acc}.4s, {x}.4s"})
	t.w("\tSUBS   $16, R2")
	t.w("\tBNE    loop")
	t.w("")
	t.w("done:")
	t.ins("umax v16.4s, v16.4s, v17.4s", nil)
	t.ins("umax v18.4s, v18.4s, v19.4s", nil)
	t.ins("umax v16.4s, v16.4s, v18.4s", nil)
	t.ins("umaxv s0, v16.4s", nil)
	t.w("\tFMOVS F0, R3")
	t.w("\tMOVW  R3, ret+24(FP)")
	t.w("\tRET")
}

// quantizeInt8NEON writes QuantizeInt8NEON: dst[i] = clamp(roundHalfEven(
// src[i]·inv), −127, 127): FMUL (the float32 product, as Go rounds it),
// FCVTNS (to nearest, ties to even), SQXTN twice (saturating to int16,
// then int8), SMAX with −127. 16 elements per iteration; len(src) is a
// multiple of 16 and len(dst) ≥ len(src).
func quantizeInt8NEON(t *text) {
	int8Preamble(t, "QuantizeInt8NEON", int8Plain.requires())
	t.w("")
	t.w("// func QuantizeInt8NEON(dst []int8, src []float32, inv float32)")
	t.w("TEXT ·QuantizeInt8NEON(SB), NOSPLIT, $0-52")
	t.w("\tMOVD  dst_base+0(FP), R0")
	t.w("\tMOVD  src_base+24(FP), R1")
	t.w("\tMOVD  src_len+32(FP), R2")
	t.w("\tFMOVS inv+48(FP), F30")
	t.w("\tVDUP  V30.S[0], V30.S4")
	t.w("\tMOVW  $0x81, R3")
	t.w("\tVDUP  R3, V31.B16 // −127 in every byte")
	t.w("\tCBZ   R2, done")
	t.w("")
	t.w("loop:")
	t.w("\tVLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]")
	t.code(fourVectors, []string{"fmul {x}.4s, {x}.4s, v30.4s", "fcvtns {x}.4s, {x}.4s"})
	for _, ins := range []string{
		"sqxtn v0.4h, v0.4s", "sqxtn2 v0.8h, v1.4s", "sqxtn v2.4h, v2.4s", "sqxtn2 v2.8h, v3.4s",
		"sqxtn v0.8b, v0.8h", "sqxtn2 v0.16b, v2.8h", "smax v0.16b, v0.16b, v31.16b",
	} {
		t.ins(ins, nil)
	}
	t.w("\tVST1.P [V0.B16], 16(R0)")
	t.w("\tSUBS   $16, R2")
	t.w("\tBNE    loop")
	t.w("")
	t.w("done:")
	t.w("\tRET")
}

func init() {
	register(
		output{symbol: "MaxAbsBitsNEON", emit: func(t *text, _ constTable) { maxAbsBitsNEON(t) }},
		output{symbol: "QuantizeInt8NEON", emit: func(t *text, _ constTable) { quantizeInt8NEON(t) }},
	)
}

// qgemmInt8 writes QGemmInt8<suffix>, QGemm's microkernel: tiles of two
// rows of x by the four rows of w, so that each weight vector loaded
// serves both activation rows; one call walks every pair of x's rows
// over w's quad, the whole row length (the stride) per tile, then
// dequantizes the tile's eight int32 sums as package kernel's dequant
// does (SCVTF, FMUL by sw·sx: float32(acc)·(sw·sx), one rounding each;
// with add, FADD of c) and writes them to c. The products are the gemv
// kernels', so every sum is the same exact int32.
func qgemmInt8(t *text, p int8NEON) {
	int8Preamble(t, "QGemmInt8"+p.suffix, p.requires())
	t.w("//")
	t.w("// Registers: R0 &c[2i*ldc], R1 ldc in bytes, R2 &x[2i*stride], R3 &sx[2i],")
	t.w("// R4 pairs left, R5 &w[0], R6 stride, R7 add; R8, R9 x's rows, R10..R13")
	t.w("// w's rows, R14 bytes left, R15 &c[(2i+1)*ldc]. V0, V5 x's vectors,")
	t.w("// V1..V4 w's, V6..V13 scratch, V16..V23 the tile's int32 lanes (x row r,")
	t.w("// w row k in V16+4r+k), V24 sw, V25 sx's pair, V26 sw·sx.")
	t.w("")
	t.f("// func QGemmInt8%s(c []float32, ldc int, x []int8, sx []float32, w []int8, stride int, sw []float32, add bool)", p.suffix)
	t.f("TEXT ·QGemmInt8%s(SB), NOSPLIT, $0-137", p.suffix)
	t.w("\tMOVD c_base+0(FP), R0")
	t.w("\tMOVD ldc+24(FP), R1")
	t.w("\tLSL  $2, R1")
	t.w("\tMOVD x_base+32(FP), R2")
	t.w("\tMOVD sx_base+56(FP), R3")
	t.w("\tMOVD sx_len+64(FP), R4")
	t.w("\tLSR  $1, R4")
	t.w("\tMOVD w_base+80(FP), R5")
	t.w("\tMOVD stride+104(FP), R6")
	t.w("\tMOVBU add+136(FP), R7")
	t.w("\tMOVD sw_base+112(FP), R8")
	t.w("\tVLD1 (R8), [V24.S4]")
	t.w("")
	t.w("pair:")
	t.w("\tCBZ  R4, end")
	t.w("\tMOVD R2, R8")
	t.w("\tADD  R6, R8, R9")
	t.w("\tMOVD R5, R10")
	t.w("\tADD  R6, R10, R11")
	t.w("\tADD  R6, R11, R12")
	t.w("\tADD  R6, R12, R13")
	t.w("\tMOVD R6, R14")
	for i := 16; i < 24; i++ {
		t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16", i, i, i)
	}
	t.w("\tCBZ  R14, sum")
	t.w("")
	t.w("\t// 16 bytes of each of the tile's six rows per iteration.")
	t.w("cols:")
	t.w("\tVLD1.P 16(R8), [V0.B16]")
	t.w("\tVLD1.P 16(R9), [V5.B16]")
	for k, r := range []string{"R10", "R11", "R12", "R13"} {
		t.f("\tVLD1.P 16(%s), [V%d.B16]", r, 1+k)
	}
	for r, x := range []int{0, 5} {
		for k := 0; k < 4; k++ {
			for _, ins := range p.mac(16+4*r+k, x, 1+k, 6+4*r+k) {
				t.ins(ins, nil)
			}
		}
	}
	t.w("\tSUBS   $16, R14")
	t.w("\tBNE    cols")
	t.w("")
	t.w("sum:")
	t.w("\t// V16, V20 = the sums of x's rows 0 and 1 with w's four rows.")
	for _, b := range []int{16, 20} {
		t.ins(fmt.Sprintf("addp v%d.4s, v%d.4s, v%d.4s", b, b, b+1), nil)
		t.ins(fmt.Sprintf("addp v%d.4s, v%d.4s, v%d.4s", b+2, b+2, b+3), nil)
		t.ins(fmt.Sprintf("addp v%d.4s, v%d.4s, v%d.4s", b, b, b+2), nil)
	}
	t.w("\t// Dequantize: float32(acc)·(sw·sx), then add c if add, and store.")
	t.w("\tVLD1   (R3), [V25.S2]")
	t.w("\tADD    R1, R0, R15")
	for r, b := range []int{16, 20} {
		dst := []string{"R0", "R15"}[r]
		t.ins(fmt.Sprintf("fmul v26.4s, v24.4s, v25.s[%d]", r), nil)
		t.ins(fmt.Sprintf("scvtf v%d.4s, v%d.4s", b, b), nil)
		t.ins(fmt.Sprintf("fmul v%d.4s, v%d.4s, v26.4s", b, b), nil)
		t.f("\tCBZ    R7, store%d", r)
		t.f("\tVLD1   (%s), [V27.S4]", dst)
		t.ins(fmt.Sprintf("fadd v%d.4s, v%d.4s, v27.4s", b, b), nil)
		t.f("store%d:", r)
		t.f("\tVST1   [V%d.S4], (%s)", b, dst)
	}
	t.w("\tADD    R6<<1, R2")
	t.w("\tADD    $8, R3")
	t.w("\tADD    R1<<1, R0")
	t.w("\tSUB    $1, R4")
	t.w("\tB      pair")
	t.w("")
	t.w("end:")
	t.w("\tRET")
}

func init() {
	for _, p := range []int8NEON{int8Dot, int8Plain} {
		register(output{symbol: "QGemmInt8" + p.suffix, file: "qgemmint8_" + lowerSuffix(p) + "_arm64.s",
			emit: func(t *text, _ constTable) { qgemmInt8(t, p) }})
	}
}
