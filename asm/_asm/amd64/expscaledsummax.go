package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ExpScaledSumMax is pass 1 of kernel.Softmax's, LogSoftmax's and
// LogSumExp's two-pass algorithm: y[i] = e^max(src[i], lo)·2^k, their sum
// and the maximum of src, stopping before the first block that holds a
// NaN or an element too large for the scaling (kernel/softmax.go chooses
// k, lo and hi, or flags&1 has them computed here from the first
// elements, as kernel.scalingFor does). y is written to dst unless dst
// is empty or flags has 4. With flags 2 or 4, a complete pass goes on
// with Softmax's or LogSoftmax's second pass in the same call
// (asm/softmax_amd64.go gives the reference loop). e^x is Exp's range
// reduction and polynomial; the shifter carries k, so its low bits are
// n+k, which is added to p's exponent field (exact: the caller keeps
// p·2^(n+k) normal, n+k in [−124, 93]).
//
// A block (the main loop's vectors, or one vector after it and in the
// tail) is tested before anything of it is stored, so when the kernel
// stops, src[done:] has not been touched (not even when dst is src). At
// AVX2 the test is x > hi (or NaN) on the inputs; at AVX-512 it is on the
// shifter sums 1.5·2^23 + n + k after the range reduction, compared as
// unsigned integers with the bits of 1.5·2^23 + 93: a NaN's bits are
// above any number's, so one unsigned maximum per vector and one compare
// per block catch both.

// The scalar constants of the scaling (flags&1) and of LogSoftmax's log.
const (
	bitsLimit   = 0x47000000 // 2^15
	bitsShift26 = 0x4b40001a // 1.5·2^23 + 26
	bitsLogC3   = 0x3eaaaaab // 1/3
	bitsLogC5   = 0x3e4ccccd // 1/5
	bitsLogC7   = 0x3e124925 // 1/7
	bitsLogC9   = 0x3de38e39 // 1/9
	bitsLn2hi   = 0x3f317218 // float32(ln2)
	bitsLn2lo   = 0xb102e308 // ln2 − float32(ln2)
	bitsP46     = 0x42380000 // 46
	bitsZbMax   = 0x4b40005d // 1.5·2^23 + 93, the largest shifter sum allowed
)

// scalar is a 4-byte constant, defined once per file.
func (g *gen) scalar(name string, bits uint32) Mem {
	if m, ok := g.data[name]; ok {
		return m
	}
	m := g.StaticGlobal(name)
	g.DataAttributes(attrRODATA)
	g.AddDatum(0, U32(bits))
	g.data[name] = m
	return m
}

// raw emits an instruction avo has no form for, as written (MOVL between
// a general and an X register, which Go encodes as the legacy MOVD).
func (g *gen) raw(opcode string, ops ...Op) {
	g.Instruction(&ir.Instruction{Opcode: opcode, Operands: ops})
}

// scalingFor sets, from c in X0, X2 = j = ⌊c·log2e⌋, X3 = the shifter
// 1.5·2^23 + 26 − j and X4 = lo = j·ln2 − 104 (each rounded once), as
// kernel.scalingFor does, and jumps to unusable if c is not within ±2^15
// (or is NaN). X1 is scratch.
func (g *gen) scalingFor() {
	limit := g.scalar("scLimit", bitsLimit)
	g.VUCOMISS(limit, X0) // c against 2^15: above, or unordered?
	g.JA(LabelRef("unusable"))
	g.JP(LabelRef("unusable"))
	g.VXORPS(X1, X1, X1)
	g.VSUBSS(limit, X1, X1) // −2^15
	g.VUCOMISS(X1, X0)
	g.JB(LabelRef("unusable"))
	g.VMULSS(g.scalar("scLog2e", bitsLog2e), X0, X2) // c·log2e, rounded
	g.VROUNDSS(imm8(9), X2, X2, X2)                  // j = ⌊c·log2e⌋ (9: toward −Inf, inexact quiet)
	g.VMOVSS(g.scalar("scShift26", bitsShift26), X3)
	g.VSUBSS(X2, X3, X3) // 1.5·2^23 + 26 − j, exact
	g.VMOVSS(g.scalar("scM104", bitsXmin), X4)
	g.VFMADD231SS(g.scalar("lgLn2hi", bitsLn2hi), X2, X4) // lo = j·ln2 − 104
}

// logRatio sets ls = log(sum/ymax) in float32 from the scalars in the low
// lanes of sum and ymax, step for step as kernel.logRatio: q = sum/ymax =
// 2^e·f with f in [√½, √2], t = (f−1)/(f+1), log f = 2t + 2t·p(t²),
// ls = log f + e·ln2lo + e·ln2hi. t and u are scratch X registers, and so
// are R11, R12 and R13.
func (g *gen) logRatio(sum, ymax, ls, t, u VecPhysical) {
	one := g.scalar("lgOne", bitsOne)
	g.VDIVSS(ymax, sum, t) // q = sum/ymax
	g.VMOVD(t, R11L)
	g.MOVL(R11L, R12L)
	g.SHRL(imm8(23), R12L)
	g.SUBL(imm(127), R12L) // e
	g.ANDL(U32(0x7fffff), R11L)
	g.ORL(U32(0x3f800000), R11L) // f in [1, 2)
	g.MOVL(R11L, R13L)
	g.SUBL(U32(0x00800000), R13L) // f/2
	g.CMPL(R11L, U32(0x3fb504f3))
	g.CMOVLHI(R13L, R11L) // f > √2: f/2 ...
	g.LEAL(Mem{Base: R12L, Disp: 1}, R13L)
	g.CMOVLHI(R13L, R12L) // ... and e+1
	g.VMOVD(R11L, t)      // f
	g.VSUBSS(one, t, ls)  // f − 1
	g.VADDSS(one, t, u)   // f + 1
	g.VDIVSS(u, ls, ls)   // t
	g.VMULSS(ls, ls, u)   // t²
	g.VMOVSS(g.scalar("lgC9", bitsLogC9), t)
	g.VFMADD213SS(g.scalar("lgC7", bitsLogC7), u, t) // c9·t² + c7
	g.VFMADD213SS(g.scalar("lgC5", bitsLogC5), u, t)
	g.VFMADD213SS(g.scalar("lgC3", bitsLogC3), u, t)
	g.VMULSS(u, t, t)                                    // p
	g.VADDSS(ls, ls, ls)                                 // 2t
	g.VFMADD231SS(t, ls, ls)                             // 2t + 2t·p = log f
	g.VCVTSI2SSL(R12L, u, u)                             // e
	g.VFMADD231SS(g.scalar("lgLn2lo", bitsLn2lo), u, ls) // + e·ln2lo
	g.VFMADD231SS(g.scalar("lgLn2hi", bitsLn2hi), u, ls) // + e·ln2hi
}

// xsScale sets p ·= 2^(n+k) by adding n+k to p's exponent field, in
// integer arithmetic (off the FMA pipes): zb's low bits are n+k in two's
// complement, and shifted left by 23 only the low 9 of them remain, which
// is n+k << 23 modulo 2^32.
func (g *gen) xsScale(zb, p VecPhysical) {
	g.VPSLLD(imm8(23), zb, zb)
	g.VPADDD(zb, p, p)
}

// expScaledSumMaxHead starts the function. Registers: DI = &dst[i],
// SI = &src[i], CX = elements left, BX = len(dst) (nonzero if dst is
// written; zeroed with flags&4), R8 = flags (1 compute the scaling, 2
// normalize, 4 log-softmax), AX scratch.
func (g *gen) expScaledSumMaxHead(s isa) {
	g.Function("ExpScaledSumMax" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)")
}

// expScaledSumMax emits ExpScaledSumMax for s.
func (g *gen) expScaledSumMax(s isa) {
	if s.masked {
		g.expScaledSumMax512()
		return
	}
	g.expScaledSumMax2()
}

// expScaledSumMax2 is the AVX2 kernel: the test is x > hi (or NaN), on the
// inputs; hi lives in a stack slot (out of registers).
func (g *gen) expScaledSumMax2() {
	g.expScaledSumMaxHead(avx2)
	pre := g.AllocLocal(64) // the flags&1 prefix buffer
	hi := g.AllocLocal(32)  // hi in all lanes
	buf := g.AllocLocal(32) // the tail buffer
	var (
		acc   = Y12 // partial sums
		shift = Y13 // 1.5·2^23 + k: rounds to an integer, n+k in the low bits
		lo    = Y14 // lo in all lanes
		mx    = Y15 // lane maxima of the elements seen
	)
	c := expConsts{
		log2e: g.splat("expLog2e", bitsLog2e), shift: shift,
		nln2hi: g.splat("expNln2hi", bitsNln2hi), nln2lo: g.splat("expNln2lo", bitsNln2lo),
		c6: g.splat("expC6", bitsC6), c5: g.splat("expC5", bitsC5), c4: g.splat("expC4", bitsC4),
		c3: g.splat("expC3", bitsC3), c2: g.splat("expC2", bitsC2), one: g.splat("expOne", bitsOne),
	}
	negInf := g.splat("expNegInf", bitsNegInf)
	reduce := func(x, zb, nf VecPhysical) {
		g.VMAXPS(x, lo, x) // clamp below at lo (a NaN never gets here: it stops the kernel)
		g.expShift(c, x, zb, nf, g.VMOVAPS)
	}
	exp := func(x, zb, p VecPhysical) {
		reduce(x, zb, p)
		g.expPoly(c, x, p, g.VMOVUPS)
		g.xsScale(zb, p)
	}
	flags := R8L

	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("dst").Len(), RBX)
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	g.Load(g.Param("flags"), flags)
	g.TESTL(imm(4), flags)
	g.JZ(LabelRef("stores"))
	g.XORQ(RBX, RBX) // flags&4: pass 1 stores nothing
	g.Label("stores")
	g.MOVL(imm(0), g.addr(g.Return("c")))
	g.TESTL(imm(1), flags)
	g.JNZ(LabelRef("auto"))
	g.MOVL(g.addr(g.Param("k")), EAX) // the shifter: k added to the mantissa of 1.5·2^23
	g.ADDL(U32(0x4b400000), EAX)
	g.raw("MOVL", EAX, X13)
	g.VPBROADCASTD(X13, shift)
	g.VBROADCASTSS(g.addr(g.Param("lo")), lo)
	g.VBROADCASTSS(g.addr(g.Param("hi")), Y0)
	g.VMOVUPS(Y0, hi)
	g.JMP(LabelRef("constants"))

	g.Comment("flags&1: the scaling from the first min(n, 16) elements, as",
		"kernel.scalingFor computes it: c = their maximum, j = ⌊c·log2e⌋,",
		"shifter 1.5·2^23 + 26 − j, lo = j·ln2 − 104 and hi = j·ln2 + 46",
		"(each rounded once). done = −1 if c is not within ±2^15 (or n is 0).",
		"Fewer than 16 go through a buffer padded with −Inf, copied in one",
		"element at a time.")
	g.Label("auto")
	g.CMPQ(RCX, imm(16))
	g.JB(LabelRef("fewer"))
	g.VMOVUPS(at(RSI, 0), Y0)
	g.VMAXPS(at(RSI, 32), Y0, Y0)
	g.JMP(LabelRef("prefix"))
	g.tailIfAny("fewer", "unusable")
	g.VMOVUPS(negInf, Y0)
	g.VMOVUPS(Y0, pre)
	g.VMOVUPS(Y0, pre.Offset(32))
	g.XORQ(RAX, RAX)
	g.Label("precopy")
	g.MOVL(Mem{Base: RSI, Index: RAX, Scale: 4}, EDX)
	g.MOVL(EDX, pre.Idx(RAX, 4))
	g.INCQ(RAX)
	g.CMPQ(RAX, RCX)
	g.JB(LabelRef("precopy"))
	g.VMOVUPS(pre, Y0)
	g.VMAXPS(pre.Offset(32), Y0, Y0)
	g.Label("prefix")
	g.halve(g.VMAXPS, Y0)
	g.fold4(g.VMAXPS, g.VMAXPS) // c
	g.VMOVSS(X0, g.addr(g.Return("c")))
	g.scalingFor()
	g.VMOVSS(g.scalar("xsP46", bitsP46), X5)
	g.VFMADD231SS(g.scalar("lgLn2hi", bitsLn2hi), X2, X5) // hi = j·ln2 + 46
	g.VBROADCASTSS(X3, shift)
	g.VBROADCASTSS(X4, lo)
	g.VBROADCASTSS(X5, Y0)
	g.VMOVUPS(Y0, hi)

	g.Label("constants")
	g.VMOVUPS(negInf, mx)
	g.VXORPS(acc, acc, acc)

	g.Comment("Main loop: 32 elements (four vectors) per iteration, the steps of",
		"the four interleaved.")
	g.Label("loop32")
	g.CMPQ(RCX, imm(32))
	g.JB(LabelRef("loop8"))
	for i := 0; i < 4; i++ {
		g.VMOVUPS(at(RSI, 32*i), avx2.v(i))
	}
	g.VMAXPS(Y1, Y0, Y4) // the block's maximum, lane by lane (a NaN may be lost)
	g.VMAXPS(Y3, Y2, Y5)
	g.VMAXPS(Y5, Y4, Y4)
	g.VCMPPS(imm8(0x16), hi, Y4, Y5) // NLE_UQ: lanes above hi (or NaN)
	g.VCMPPS(imm8(3), Y1, Y0, Y6)    // UNORD_Q: a NaN in Y0 or Y1
	g.VCMPPS(imm8(3), Y3, Y2, Y7)
	g.VORPS(Y6, Y5, Y5)
	g.VORPS(Y7, Y5, Y5)
	g.VMOVMSKPS(Y5, EAX)
	g.TESTL(EAX, EAX)
	g.JNZ(LabelRef("stop"))
	g.VMAXPS(Y4, mx, mx)
	for i := 0; i < 4; i++ {
		reduce(avx2.v(i), avx2.v(4+i), avx2.v(8+i))
	}
	for i := 0; i < 4; i++ {
		g.expPoly(c, avx2.v(i), avx2.v(8+i), g.VMOVUPS)
	}
	for i := 0; i < 4; i++ {
		g.xsScale(avx2.v(4+i), avx2.v(8+i))
	}
	g.VADDPS(Y9, Y8, Y0)
	g.VADDPS(Y11, Y10, Y1)
	g.VADDPS(Y1, Y0, Y0)
	g.VADDPS(Y0, acc, acc)
	g.ADDQ(imm(128), RSI)
	g.SUBQ(imm(32), RCX)
	g.TESTQ(RBX, RBX)
	g.JZ(LabelRef("loop32"))
	for i := 0; i < 4; i++ {
		g.VMOVUPS(avx2.v(8+i), at(RDI, 32*i))
	}
	g.ADDQ(imm(128), RDI)
	g.JMP(LabelRef("loop32"))

	// one tests the vector in Y0 against hi and computes its exponentials
	// into Y2.
	one := func() {
		g.VCMPPS(imm8(0x16), hi, Y0, Y4) // NLE_UQ: above hi, or NaN
		g.VMOVMSKPS(Y4, EAX)
		g.TESTL(EAX, EAX)
		g.JNZ(LabelRef("stop"))
		g.VMAXPS(Y0, mx, mx)
		exp(Y0, Y1, Y2)
		g.VADDPS(Y2, acc, acc)
	}
	g.Comment("One vector at a time while 8 or more are left.")
	g.Label("loop8")
	g.CMPQ(RCX, imm(8))
	g.JB(LabelRef("tail"))
	g.VMOVUPS(at(RSI, 0), Y0)
	one()
	g.ADDQ(imm(32), RSI)
	g.SUBQ(imm(8), RCX)
	g.TESTQ(RBX, RBX)
	g.JZ(LabelRef("loop8"))
	g.VMOVUPS(Y2, at(RDI, 0))
	g.ADDQ(imm(32), RDI)
	g.JMP(LabelRef("loop8"))

	g.Comment("The last 1..7 elements through a stack buffer padded with −Inf,",
		"copied in and out one element at a time so no memory past the",
		"slices is touched. A padding lane adds e^lo·2^k < 2^-126, nothing",
		"next to a sum of at least 2^24 (kernel/softmax.go).")
	g.tailIfAny("tail", "stop")
	g.VMOVUPS(negInf, Y0)
	g.VMOVUPS(Y0, buf)
	g.XORQ(RAX, RAX)
	g.Label("copyin")
	g.MOVL(Mem{Base: RSI, Index: RAX, Scale: 4}, EDX)
	g.MOVL(EDX, buf.Idx(RAX, 4))
	g.INCQ(RAX)
	g.CMPQ(RAX, RCX)
	g.JB(LabelRef("copyin"))
	g.VMOVUPS(buf, Y0)
	one()
	g.TESTQ(RBX, RBX)
	g.JZ(LabelRef("tailed"))
	g.VMOVUPS(Y2, buf)
	g.XORQ(RAX, RAX)
	g.Label("copyout")
	g.MOVL(buf.Idx(RAX, 4), EDX)
	g.MOVL(EDX, Mem{Base: RDI, Index: RAX, Scale: 4})
	g.INCQ(RAX)
	g.CMPQ(RAX, RCX)
	g.JB(LabelRef("copyout"))
	g.Label("tailed")
	g.XORQ(RCX, RCX)

	g.Comment("done = len(src) − N; the sum of the 8 partial sums; the maximum of",
		"the 8 lane maxima.")
	g.Label("stop")
	g.xsDone()
	g.VMOVAPS(acc, Y0)
	g.xsSumMax(Y0, mx, X10, X11)

	g.Comment("Without stores (LogSoftmax, LogSumExp), ymax = e^max·2^k as",
		"computed for an element equal to max; with stores, 0.")
	g.xsYmaxHead()
	g.VBROADCASTSS(X0, Y0)
	exp(Y0, Y1, Y2)
	g.VMOVSS(X2, g.addr(g.Return("ymax")))
	g.xsYmaxTail()

	g.Comment("flags&4, no stop: dst = (src − max) − ls with ls = log(sum/ymax),",
		"step for step as kernel.logRatio computes it in float32.")
	g.logRatio(X10, X2, X3, X1, X4)
	g.VBROADCASTSS(X11, Y13) // max
	g.VBROADCASTSS(X3, Y14)  // ls
	g.xsSecondPass(avx2, Y13, Y14, X10, Y15, c.one)
}

// xsSumMax stores sum, the sum of the lanes of acc, and max, the maximum
// of the lanes of mx, and keeps them in sumX and maxX; max is also in X0.
func (g *gen) xsSumMax(acc, mx, sumX, maxX VecPhysical) {
	g.halve(g.VADDPS, acc)
	g.hadd4()
	g.VMOVSS(X0, g.addr(g.Return("sum")))
	g.VMOVAPS(X0, sumX)
	g.halve(g.VMAXPS, mx)
	g.fold4(g.VMAXPS, g.VMAXPS)
	g.VMOVSS(X0, g.addr(g.Return("max")))
	g.VMOVAPS(X0, maxX)
}

// xsDone stores done = len(src) − N.
func (g *gen) xsDone() {
	g.Load(g.Param("src").Len(), RAX)
	g.SUBQ(RCX, RAX)
	g.Store(RAX, g.Return("done"))
}

// xsYmaxHead zeroes ymax and, with stores, jumps to normalize.
func (g *gen) xsYmaxHead() {
	g.MOVL(imm(0), g.addr(g.Return("ymax")))
	g.TESTQ(RBX, RBX)
	g.JNZ(LabelRef("normalize"))
}

// xsYmaxTail goes on to LogSoftmax's second pass only with flags&4 and
// no stop.
func (g *gen) xsYmaxTail() {
	g.TESTL(imm(4), R8L)
	g.JZ(LabelRef("done"))
	g.TESTQ(RCX, RCX)
	g.JNZ(LabelRef("done"))
}

// xsSecondPass emits LogSoftmax's second pass (dst = (src − max) − ls,
// max and ls broadcast in m and ls) and Softmax's (label normalize:
// dst ·= 1/sum with flags&2, sum in sumX, 1/sum broadcast into inv; one is
// the constant 1 in memory), then done and unusable.
func (g *gen) xsSecondPass(s isa, m, ls VecPhysical, sumX, inv VecPhysical, one Op) {
	lanes := s.lanes()
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	g.shiftSubLoops(s, m, ls, "lsm", false, true)

	g.Comment("flags&2, with stores, and no stop: dst ·= 1/sum, as kernel.Scale.")
	g.Label("normalize")
	g.TESTL(imm(2), R8L)
	g.JZ(LabelRef("done"))
	g.TESTQ(RCX, RCX)
	g.JNZ(LabelRef("done"))
	g.VMOVSS(one, X1)
	g.VDIVSS(sumX, X1, X1) // 1/sum, rounded once
	g.VBROADCASTSS(X1, inv)
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("src").Len(), RCX)
	big := fmt.Sprintf("scale%d", 4*lanes)
	next := "scale1"
	if s.masked {
		next = fmt.Sprintf("scale%d", lanes)
	}
	g.Label(big)
	g.CMPQ(RCX, imm(4*lanes))
	g.JB(LabelRef(next))
	for i := 0; i < 4; i++ {
		g.VMULPS(at(RDI, i*s.bytes), inv, s.v(i))
	}
	for i := 0; i < 4; i++ {
		g.VMOVUPS(s.v(i), at(RDI, i*s.bytes))
	}
	g.ADDQ(imm(4*s.bytes), RDI)
	g.SUBQ(imm(4*lanes), RCX)
	g.JMP(LabelRef(big))
	if s.masked {
		g.Label(next)
		g.CMPQ(RCX, imm(lanes))
		g.JB(LabelRef("scaletail"))
		g.VMULPS(at(RDI, 0), inv, Z0)
		g.VMOVUPS(Z0, at(RDI, 0))
		g.ADDQ(imm(s.bytes), RDI)
		g.SUBQ(imm(lanes), RCX)
		g.JMP(LabelRef(next))
		g.tailIfAny("scaletail", "done")
		g.loadMask()
		g.VMOVUPS_Z(at(RDI, 0), K1, Z0)
		g.VMULPS(Z0, inv, Z0)
		g.VMOVUPS(Z0, K1, at(RDI, 0))
	} else {
		g.tailIfAny(next, "done")
		g.VMULSS(at(RDI, 0), xmm(inv), X0)
		g.VMOVSS(X0, at(RDI, 0))
		g.ADDQ(imm(4), RDI)
		g.DECQ(RCX)
		g.JMP(LabelRef(next))
	}

	g.Label("done")
	g.VZEROUPPER()
	g.RET()

	g.Comment("flags&1 and the first elements give no scaling: done = −1.")
	g.Label("unusable")
	g.MOVQ(imm(-1), g.addr(g.Return("done")))
	g.MOVL(imm(0), g.addr(g.Return("sum")))
	g.MOVL(imm(0), g.addr(g.Return("max")))
	g.MOVL(imm(0), g.addr(g.Return("ymax")))
	g.VZEROUPPER()
	g.RET()
}

// expScaledSumMax512 is the AVX-512 kernel: eight vectors per iteration,
// the test on the shifter sums; the constants the eight vectors leave no
// register for are 4-byte scalars read by embedded broadcasts.
func (g *gen) expScaledSumMax512() {
	g.expScaledSumMaxHead(avx512)
	var (
		lo    = Z24 // lo in all lanes
		zbmax = Z25 // the bits of 1.5·2^23 + 93, the largest shifter sum allowed
		shift = Z26 // 1.5·2^23 + k
		acc0  = Z29 // two vectors of partial sums
		acc1  = Z30
		mx    = Z31 // lane maxima of the elements seen
	)
	c := expConsts{
		log2e: Z27, shift: shift,
		nln2hi: g.scalar("xsNln2hi", bitsNln2hi), nln2lo: g.scalar("xsNln2lo", bitsNln2lo),
		c6: g.scalar("xsC6", bitsC6), c5: g.scalar("xsC5", bitsC5), c4: g.scalar("xsC4", bitsC4),
		c3: g.scalar("xsC3", bitsC3), c2: g.scalar("xsC2", bitsC2), one: Z28,
		bcst: true,
	}
	reduce := func(x, zb, nf VecPhysical) {
		g.VMAXPS(x, lo, x) // clamp below at lo (a NaN never gets here: it stops the kernel)
		g.expShift(c, x, zb, nf, g.VMOVAPS)
	}
	poly := func(x, p VecPhysical) { g.expPoly(c, x, p, g.VBROADCASTSS) }
	flags := R8L

	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("dst").Len(), RBX)
	g.Load(g.Param("flags"), flags)
	g.TESTL(imm(4), flags)
	g.JZ(LabelRef("stores"))
	g.XORQ(RBX, RBX) // flags&4: pass 1 stores nothing
	g.Label("stores")
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	g.MOVL(imm(0), g.addr(g.Return("c")))
	g.TESTL(imm(1), flags)
	g.JNZ(LabelRef("auto"))
	g.MOVL(g.addr(g.Param("k")), EAX)
	g.ADDL(U32(0x4b400000), EAX) // the bits of 1.5·2^23, plus k in the mantissa
	g.VPBROADCASTD(EAX, shift)
	g.VBROADCASTSS(g.addr(g.Param("lo")), lo)
	g.JMP(LabelRef("constants"))

	g.Comment("flags&1: the scaling from the first min(n, 16) elements, as",
		"kernel.scalingFor computes it: c = their maximum, j = ⌊c·log2e⌋,",
		"shifter 1.5·2^23 + 26 − j, lo = j·ln2 − 104 (rounded once); hi is",
		"not needed here. done = −1 if c is not within ±2^15 (or n is 0).")
	g.Label("auto")
	g.MOVQ(imm(16), RAX)
	g.CMPQ(RCX, RAX)
	g.CMOVQLT(RCX, RAX) // min(n, 16)
	g.MOVQ(RCX, R10)    // N is CX, the shift count register
	g.MOVQ(RAX, RCX)
	g.MOVL(imm(1), R9L)
	g.SHLL(CL, R9L)
	g.DECL(R9L) // (1 << min(n, 16)) − 1
	g.KMOVW(R9L, K1)
	g.MOVQ(R10, RCX)
	g.bcast(bitsNegInf, Z0)       // −Inf in the lanes past n
	g.VMOVUPS(at(RSI, 0), K1, Z0) // merge-masked: the rest is not read
	g.halve(g.VMAXPS, Z0)
	g.fold4(g.VMAXPS, g.VMAXPS) // c
	g.VMOVSS(X0, g.addr(g.Return("c")))
	g.scalingFor()
	g.VBROADCASTSS(X3, shift)
	g.VBROADCASTSS(X4, lo)

	g.Label("constants")
	g.bcast(bitsZbMax, zbmax)
	g.bcast(bitsLog2e, Z27)
	g.bcast(bitsOne, Z28)
	g.bcast(bitsNegInf, mx)
	g.VPXORD(acc0, acc0, acc0)
	g.VPXORD(acc1, acc1, acc1)

	v := avx512.v
	g.Comment("Main loop: 128 elements per iteration, the eight vectors' steps",
		"interleaved so their FMA chains overlap.")
	g.Label("loop128")
	g.CMPQ(RCX, imm(128))
	g.JB(LabelRef("loop16"))
	for i := 0; i < 8; i++ {
		g.VMOVUPS(at(RSI, 64*i), v(i))
	}
	for i := 0; i < 8; i++ {
		reduce(v(i), v(8+i), v(16+i))
	}
	// The largest shifter sum, as unsigned bits: a NaN's are above any
	// number's.
	g.VPMAXUD(Z9, Z8, Z16)
	g.VPMAXUD(Z11, Z10, Z17)
	g.VPMAXUD(Z13, Z12, Z18)
	g.VPMAXUD(Z15, Z14, Z19)
	g.VPMAXUD(Z17, Z16, Z16)
	g.VPMAXUD(Z19, Z18, Z18)
	g.VPMAXUD(Z18, Z16, Z16)
	g.VPCMPUD(imm8(6), zbmax, Z16, K1) // NLE: n+k above 93, or NaN
	g.KORTESTW(K1, K1)
	g.JNZ(LabelRef("stop"))
	g.TESTQ(RBX, RBX)
	g.JNZ(LabelRef("poly128"))
	// Without stores: the block's maximum, lane by lane, from memory (the
	// registers now hold r), into mx.
	for i := 0; i < 4; i++ {
		g.VMOVUPS(at(RSI, 128*i), v(16+i))
		g.VMAXPS(at(RSI, 128*i+64), v(16+i), v(16+i))
	}
	g.VMAXPS(Z17, Z16, Z16)
	g.VMAXPS(Z19, Z18, Z18)
	g.VMAXPS(Z18, Z16, Z16)
	g.VMAXPS(Z16, mx, mx)
	g.Label("poly128")
	for i := 0; i < 8; i++ {
		poly(v(i), v(16+i))
	}
	for i := 0; i < 8; i++ {
		g.xsScale(v(8+i), v(16+i))
	}
	for i := 0; i < 8; i++ {
		g.VADDPS(v(16+i), []VecPhysical{acc0, acc1}[i%2], []VecPhysical{acc0, acc1}[i%2])
	}
	g.ADDQ(imm(512), RSI)
	g.SUBQ(imm(128), RCX)
	g.TESTQ(RBX, RBX)
	g.JZ(LabelRef("loop128"))
	for i := 0; i < 8; i++ {
		g.VMOVUPS(v(16+i), at(RDI, 64*i))
	}
	g.ADDQ(imm(512), RDI)
	g.JMP(LabelRef("loop128"))

	g.Comment("One vector at a time while 16 or more are left.")
	g.Label("loop16")
	g.CMPQ(RCX, imm(16))
	g.JB(LabelRef("tail"))
	g.VMOVUPS(at(RSI, 0), Z0)
	g.VMAXPS(Z0, mx, Z17) // mx once the vector passes
	reduce(Z0, Z8, Z16)
	g.VPCMPUD(imm8(6), zbmax, Z8, K1) // n+k above 93, or NaN
	g.KORTESTW(K1, K1)
	g.JNZ(LabelRef("stop"))
	g.VMOVAPS(Z17, mx)
	poly(Z0, Z16)
	g.xsScale(Z8, Z16)
	g.VADDPS(Z16, acc0, acc0)
	g.ADDQ(imm(64), RSI)
	g.SUBQ(imm(16), RCX)
	g.TESTQ(RBX, RBX)
	g.JZ(LabelRef("loop16"))
	g.VMOVUPS(Z16, at(RDI, 0))
	g.ADDQ(imm(64), RDI)
	g.JMP(LabelRef("loop16"))

	g.Comment("The last 1..15 elements under K1 = (1<<N)−1: masked-off lanes are",
		"not read (they load as 0), tested, written or added.")
	g.tailIfAny("tail", "stop")
	g.loadMask()
	g.VMOVUPS_Z(at(RSI, 0), K1, Z0)
	g.VMOVAPS(mx, Z17)
	g.VMAXPS(Z0, mx, K1, Z17) // merge-masked: other lanes keep mx
	reduce(Z0, Z8, Z16)
	g.VPCMPUD(imm8(6), zbmax, Z8, K1, K2) // K2 = K1 & (n+k above 93, or NaN)
	g.KORTESTW(K2, K2)
	g.JNZ(LabelRef("stop"))
	g.VMOVAPS(Z17, mx)
	poly(Z0, Z16)
	g.xsScale(Z8, Z16)
	g.VADDPS(Z16, acc1, K1, acc1)
	g.XORQ(RCX, RCX)
	g.TESTQ(RBX, RBX)
	g.JZ(LabelRef("stop"))
	g.VMOVUPS(Z16, K1, at(RDI, 0))

	g.Comment("done = len(src) − N; the sum of the 64 partial sums; the maximum of",
		"the 16 lane maxima.")
	g.Label("stop")
	g.xsDone()
	g.VADDPS(acc1, acc0, acc0)
	g.xsSumMax(acc0, mx, X20, X23)

	g.Comment("Without stores (LogSoftmax, LogSumExp), ymax = e^max·2^k as",
		"computed for an element equal to max; with stores, 0.")
	g.xsYmaxHead()
	g.VBROADCASTSS(X0, Z0)
	reduce(Z0, Z8, Z16)
	poly(Z0, Z16)
	g.xsScale(Z8, Z16)
	g.VMOVSS(X16, g.addr(g.Return("ymax")))
	g.xsYmaxTail()

	g.Comment("flags&4, no stop: dst = (src − max) − ls with ls = log(sum/ymax),",
		"step for step as kernel.logRatio computes it in float32.")
	g.logRatio(X20, X16, X27, X21, X22)
	g.VBROADCASTSS(X23, Z30) // max
	g.VBROADCASTSS(X27, Z31) // ls
	g.xsSecondPass(avx512, Z30, Z31, X20, Z30, g.scalar("xsOne1", bitsOne))
}
