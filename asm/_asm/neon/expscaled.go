package main

import "fmt"

// expScaledSumMax writes ExpScaledSumMaxNEON, pass 1 of Softmax's,
// LogSoftmax's and LogSumExp's two-pass algorithm: y = e^max(x, lo)·2^k
// for src in blocks of 8 (then 4, then the last 1..3), stopping before a
// block holding an x above hi or a NaN; the sum of y, the maximum of x,
// and (without stores) ymax. With flags it also finds its own scaling
// first (flags&1), normalizes dst by the sum (flags&2) or writes the log
// softmax (flags&4), as package kernel does in Go.
func expScaledSumMax(t *text, c constTable) {
	consts := catConsts([]vconst{named("log2e", "expLog2e"), named("ln2hi", "expLn2Hi"), named("ln2lo", "expLn2Lo")},
		expPoly, []vconst{one})
	// V0, V1: x of the two streams; V2..V9: their temporaries t0..t3;
	// then the constants, the shifter, lo, hi, the sums and the maxima.
	// V25..V31 are scratch for the scalar code.
	streams := []regs{{"x": 0}, {"x": 1}}
	n := 2
	for _, s := range streams {
		for i := 0; i < 4; i++ {
			s[fmt.Sprintf("t%d", i)] = n
			n++
		}
	}
	shared := regs{}
	kfirst := n
	for _, v := range consts {
		shared["k_"+v.name] = n
		n++
	}
	klast := n - 1
	for _, name := range []string{"k_shifter", "k_lo", "k_hi", "acc", "mx"} {
		shared[name] = n
		n++
	}
	for i := range streams {
		streams[i] = streams[i].with(shared)
	}
	a := streams[0]
	poly, v := horner([]string{"c5", "c4", "c3", "c2", "c1", "one"}, "x", "t2", "t3", "c6")
	body := cat([]string{
		"// Clamp below at lo (a NaN never gets here: it stops the kernel).",
		"fmax {x}.4s, {x}.4s, {k_lo}.4s",
		"// z = x·log2e + shifter rounds to n, with n+k in its low bits; r = x − n·ln2.",
		"mov {t0}.16b, {k_shifter}.16b",
		"fmla {t0}.4s, {x}.4s, {k_log2e}.4s",
		"fsub {t1}.4s, {t0}.4s, {k_shifter}.4s",
		"fmls {x}.4s, {t1}.4s, {k_ln2hi}.4s",
		"fmls {x}.4s, {t1}.4s, {k_ln2lo}.4s",
		"// e^r ≈ 1 + r·p(r), Horner with fused steps.",
	}, poly, []string{
		"// y = e^r·2^(n+k): n+k added to the exponent field (z<<23 keeps the",
		"// low 9 bits of n+k, which is n+k<<23 modulo 2^32); exact, the",
		"// caller keeping y normal.",
		"shl {t0}.4s, {t0}.4s, #23",
		"add {x}.4s, {" + v + "}.4s, {t0}.4s",
	})
	accumulate := []string{"fadd {acc}.4s, {acc}.4s, {x}.4s"}

	const sym = "expScaledSumMaxNEONConsts"
	t.w("")
	t.w("// ExpScaledSumMaxNEON: pass 1 of Softmax's, LogSoftmax's and LogSumExp's")
	t.w("// two-pass algorithm (asm.ExpScaledSumMaxAVX512 says more): y[i] =")
	t.w("// e^max(src[i], lo)·2^k, stored to dst unless dst is empty, their sum and")
	t.w("// the maximum of src, stopping before the first block (8 elements, then")
	t.w("// 4, then the last 1..3) that holds an element above hi or a NaN. FMAX")
	t.w("// returns NaN if either operand is NaN, so a block's maximum catches one.")
	t.w("")
	t.f("// The constants, each in all four lanes, loaded into V%d..V%d in this order.", kfirst, klast)
	dataTable(t, sym, consts, c)
	t.w("")

	// Scalars for the scaling (flags&1) and the log (flags&4), as
	// kernel.scalingFor and kernel.logRatio have them.
	bits := func(name string) uint32 {
		b, err := c.bits(name)
		if err != nil {
			panic(err)
		}
		return b
	}
	scalars := []vconst{fixed("limit", 0x47000000), fixed("nlimit", 0xc7000000), fixed("log2e", bits("expLog2e")),
		fixed("shift26", 0x4b40001a), fixed("m104", 0xc2d00000), fixed("p46", 0x42380000),
		fixed("ln2hi", bits("expLn2Hi")), fixed("ln2lo", bits("expLn2Lo")), one,
		fixed("c3", 0x3eaaaaab), fixed("c5", 0x3e4ccccd), fixed("c7", 0x3e124925), fixed("c9", 0x3de38e39)}
	so := map[string]int{}
	t.w("// Scalars of the scaling from c (flags&1) and of the log (flags&4).")
	for i, s := range scalars {
		so[s.name] = 4 * i
		t.f("DATA expScaledSumMaxNEONScalars<>+%d(SB)/4, $0x%08x // %s", 4*i, s.bits, s.name)
	}
	t.f("GLOBL expScaledSumMaxNEONScalars<>(SB), RODATA|NOPTR, $%d", 4*len(scalars))
	t.w("")
	t.w("#define STORE R6  // len(dst): nonzero if dst is written")
	t.w("#define FLAGS R7  // 1: compute the scaling, 2: normalize, 4: log-softmax")
	t.w("#define SCAL  R10 // the scalars")
	t.w("")
	t.w("// func ExpScaledSumMaxNEON(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)")
	t.w("TEXT ·ExpScaledSumMaxNEON(SB), NOSPLIT, $64-88")
	t.w("\tMOVD dst_base+0(FP), DST")
	t.w("\tMOVD dst_len+8(FP), STORE")
	t.w("\tMOVD src_base+24(FP), SRC")
	t.w("\tMOVD src_len+32(FP), N")
	t.w("\tMOVW flags+60(FP), FLAGS")
	t.w("\tTBZ  $2, FLAGS, 2(PC)")
	t.w("\tMOVD ZR, STORE // flags&4: pass 1 stores nothing")
	t.w("\tMOVW ZR, c+76(FP)")
	t.w("\tMOVD $expScaledSumMaxNEONScalars<>(SB), SCAL")
	t.f("\tMOVD $%s<>(SB), TAB", sym)
	loadTable(t, kfirst, klast)
	sh, lo, hi, acc, mx := shared["k_shifter"], shared["k_lo"], shared["k_hi"], shared["acc"], shared["mx"]
	t.w("\tTBNZ $0, FLAGS, auto")
	t.w("\tMOVW k+48(FP), R4")
	t.w("\tMOVW $0x4b400000, R5")
	t.w("\tADDW R4, R5, R5 // 1.5·2^23 + k: k added to the mantissa")
	t.f("\tVDUP R5, V%d.S4", sh)
	t.f("\tFMOVS lo+52(FP), F%d", lo)
	t.f("\tVDUP V%d.S[0], V%d.S4 // lo in every lane", lo, lo)
	t.f("\tFMOVS hi+56(FP), F%d", hi)
	t.f("\tVDUP V%d.S[0], V%d.S4 // hi in every lane", hi, hi)
	t.w("\tB    start")
	t.w("")
	t.w("\t// flags&1: the scaling from the first min(n, 16) elements, as")
	t.w("\t// kernel.scalingFor computes it: c = their maximum (FMAX keeps a NaN,")
	t.w("\t// as Go's max does), j = ⌊c·log2e⌋, shifter 1.5·2^23 + 26 − j,")
	t.w("\t// lo = j·ln2 − 104 and hi = j·ln2 + 46, each rounded once; done = −1")
	t.w("\t// if c is not within ±2^15. Fewer than 16 go through a buffer of")
	t.w("\t// −Inf on the stack, copied in one element at a time.")
	t.w("auto:")
	t.w("\tCMP  $16, N")
	t.w("\tBLT  fewer")
	t.w("\tVLD1 (SRC), [V25.S4, V26.S4, V27.S4, V28.S4]")
	t.w("\tB    prefix")
	t.w("")
	t.w("fewer:")
	t.w("\tCBZ  N, unusable")
	t.w("\tMOVW $0xff800000, R4")
	t.w("\tVDUP R4, V25.S4")
	t.w("\tVDUP R4, V26.S4")
	t.w("\tVDUP R4, V27.S4")
	t.w("\tVDUP R4, V28.S4")
	t.w("\tMOVD $buf-64(SP), R9")
	t.w("\tVST1 [V25.S4, V26.S4, V27.S4, V28.S4], (R9)")
	t.w("\tMOVD ZR, R4")
	t.w("")
	t.w("precopy:")
	t.w("\tMOVWU (SRC)(R4<<2), R5")
	t.w("\tMOVW  R5, (R9)(R4<<2)")
	t.w("\tADD   $1, R4")
	t.w("\tCMP   N, R4")
	t.w("\tBLT   precopy")
	t.w("\tVLD1  (R9), [V25.S4, V26.S4, V27.S4, V28.S4]")
	t.w("")
	t.w("prefix:")
	t.ins("fmax v25.4s, v25.4s, v26.4s", a)
	t.ins("fmax v27.4s, v27.4s, v28.4s", a)
	t.ins("fmax v25.4s, v25.4s, v27.4s", a)
	t.ins("fmaxv s25, v25.4s", a)
	t.w("\tFMOVS F25, c+76(FP)")
	t.f("\tFMOVS %d(SCAL), F26 // 2^15", so["limit"])
	t.scalar("FCMPS F26, F25", "fcmp s25, s26")
	t.w("\tBHI   unusable // above 2^15, or NaN")
	t.f("\tFMOVS %d(SCAL), F26 // −2^15", so["nlimit"])
	t.scalar("FCMPS F26, F25", "fcmp s25, s26")
	t.w("\tBLT   unusable")
	t.f("\tFMOVS %d(SCAL), F26 // log2e", so["log2e"])
	t.scalar("FMULS F26, F25, F26", "fmul s26, s25, s26")
	t.scalar("FRINTMS F26, F26", "frintm s26, s26")
	t.f("\tFMOVS %d(SCAL), F27 // 1.5·2^23 + 26", so["shift26"])
	t.scalar("FSUBS F26, F27, F27", "fsub s27, s27, s26")
	t.f("\tFMOVS %d(SCAL), F30 // ln2, rounded", so["ln2hi"])
	t.f("\tFMOVS %d(SCAL), F28 // −104", so["m104"])
	t.scalar("FMADDS F30, F28, F26, F28", "fmadd s28, s26, s30, s28")
	t.f("\tFMOVS %d(SCAL), F29 // 46", so["p46"])
	t.scalar("FMADDS F30, F29, F26, F29", "fmadd s29, s26, s30, s29")
	t.f("\tVDUP V27.S[0], V%d.S4 // the shifter", sh)
	t.f("\tVDUP V28.S[0], V%d.S4 // lo", lo)
	t.f("\tVDUP V29.S[0], V%d.S4 // hi", hi)
	t.w("")
	t.w("start:")
	t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16 // the sums, one per lane", acc, acc, acc)
	t.w("\tMOVW $0xff800000, R4")
	t.f("\tVDUP R4, V%d.S4 // the maxima, one per lane: −Inf", mx)
	t.w("")
	t.w("\t// Main loop: 8 elements per iteration, as 2 interleaved vectors.")
	t.w("\t// N is kept 8 below the true count so SUBS sets the flag.")
	t.w("\tSUBS $8, N")
	t.w("\tBLT  vectors")
	t.w("")
	t.w("loop:")
	t.w("\tVLD1 (SRC), [V0.S4, V1.S4]")

	// checkOne stops unless every lane of V0 is ≤ hi (not NaN); then
	// takes the maximum.
	checkOne := func() {
		t.ins("fcmge {t1}.4s, {k_hi}.4s, {x}.4s", a)
		t.ins(fmt.Sprintf("uminv s%d, {t1}.4s", a["t1"]), a)
		t.f("\tFMOVS  F%d, R5", a["t1"])
		t.w("\tCBZ    R5, stop")
		t.ins("fmax {mx}.4s, {mx}.4s, {x}.4s", a)
	}
	// computeOne maps V0 to y = e^x·2^k and adds it to the sums.
	computeOne := func() {
		t.code(streams[:1], body)
		t.code(streams[:1], accumulate)
	}
	t.ins("fmax {t0}.4s, v0.4s, v1.4s", a)
	t.ins("fcmge {t1}.4s, {k_hi}.4s, {t0}.4s", a)
	t.ins(fmt.Sprintf("uminv s%d, {t1}.4s", a["t1"]), a)
	t.f("\tFMOVS  F%d, R5", a["t1"])
	t.w("\tCBZ    R5, stop8 // some lane above hi, or NaN")
	t.ins("fmax {mx}.4s, {mx}.4s, {t0}.4s", a)
	t.w("\tADD    $32, SRC")
	t.code(streams, body)
	t.code(streams, accumulate)
	t.w("\tCBZ    STORE, nostore")
	t.w("\tVST1.P [V0.S4, V1.S4], 32(DST)")
	t.w("")
	t.w("nostore:")
	t.w("\tSUBS   $8, N")
	t.w("\tBGE    loop")
	t.w("")
	t.w("vectors:")
	t.w("\tADD $8, N")
	t.w("")
	t.w("\t// Whole vectors left, four elements at a time.")
	t.w("vector:")
	t.w("\tCMP    $4, N")
	t.w("\tBLT    tail")
	t.w("\tVLD1   (SRC), [V0.S4]")
	checkOne()
	t.w("\tADD    $16, SRC")
	computeOne()
	t.w("\tSUB    $4, N")
	t.w("\tCBZ    STORE, vector")
	t.w("\tVST1.P [V0.S4], 16(DST)")
	t.w("\tB      vector")
	t.w("")
	t.w("\t// 1..3 elements: loaded and stored lane by lane, never touching")
	t.w("\t// memory past the slices; the unused lanes hold −Inf, which is not")
	t.w("\t// above hi and adds e^lo·2^k < 2^-126, nothing next to the sum.")
	t.w("tail:")
	t.w("\tCBZ    N, stop")
	t.w("\tMOVW   $0xff800000, R4")
	t.w("\tVDUP   R4, V0.S4")
	t.w("\tVLD1   (SRC), V0.S[0]")
	t.w("\tCMP    $2, N")
	t.w("\tBLT    tailcheck")
	t.w("\tADD    $4, SRC, R4")
	t.w("\tVLD1   (R4), V0.S[1]")
	t.w("\tCMP    $3, N")
	t.w("\tBLT    tailcheck")
	t.w("\tADD    $8, SRC, R4")
	t.w("\tVLD1   (R4), V0.S[2]")
	t.w("")
	t.w("tailcheck:")
	checkOne()
	computeOne()
	t.w("\tCBZ    STORE, tailed")
	laneByLane(t, "\tVST1.P V0.S[%d], 4(DST)", "\tVST1   V0.S[2], (DST)", "tailed")
	t.w("")
	t.w("tailed:")
	t.w("\tMOVD   ZR, N")
	t.w("\tB      stop")
	t.w("")
	t.w("\t// Stopped in the main loop, where N is 8 below the count left.")
	t.w("stop8:")
	t.w("\tADD    $8, N")
	t.w("")
	t.w("\t// done = len(src) − N; the sum (s0 + s1) + (s2 + s3); the maximum.")
	t.w("stop:")
	t.w("\tMOVD   src_len+32(FP), R4")
	t.w("\tSUB    N, R4, R4")
	t.w("\tMOVD   R4, done+80(FP)")
	t.ins("faddp {acc}.4s, {acc}.4s, {acc}.4s", a)
	t.ins(fmt.Sprintf("faddp s%d, {acc}.2s", acc), a)
	t.f("\tFMOVS  F%d, sum+64(FP)", acc)
	t.ins(fmt.Sprintf("fmaxv s%d, {mx}.4s", mx), a)
	t.f("\tFMOVS  F%d, max+68(FP)", mx)
	t.w("\tMOVW   ZR, ymax+72(FP)")
	t.w("\tCBNZ   STORE, normalize")
	t.w("")
	t.w("\t// Without stores (LogSoftmax, LogSumExp), ymax = e^max·2^k as")
	t.w("\t// computed for an element equal to max.")
	t.f("\tVDUP   V%d.S[0], V0.S4", mx)
	t.code(streams[:1], body)
	t.w("\tFMOVS  F0, ymax+72(FP)")
	t.w("\tTBZ    $2, FLAGS, done")
	t.w("\tCBNZ   N, done")
	t.w("")
	t.w("\t// flags&4, no stop: dst = (src − max) − ls with ls = log(sum/ymax),")
	t.w("\t// step for step as kernel.logRatio computes it in float32.")
	t.scalar(fmt.Sprintf("FDIVS F0, F%d, F25", acc), fmt.Sprintf("fdiv s25, s%d, s0", acc))
	t.w("\tFMOVS  F25, R11 // q = sum/ymax")
	t.w("\tLSRW   $23, R11, R12")
	t.w("\tSUBW   $127, R12, R12 // e")
	t.w("\tANDW   $0x7fffff, R11, R11")
	t.w("\tORRW   $0x3f800000, R11, R11 // f in [1, 2)")
	t.w("\tSUBW   $0x00800000, R11, R14 // f/2")
	t.w("\tADDW   $1, R12, R15")
	t.w("\tMOVW   $0x3fb504f3, R13")
	t.w("\tCMPW   R13, R11")
	t.w("\tCSELW  HI, R14, R11, R11 // f > √2: f/2 ...")
	t.w("\tCSELW  HI, R15, R12, R12 // ... and e+1")
	t.w("\tFMOVS  R11, F26 // f")
	t.f("\tFMOVS  %d(SCAL), F31 // 1", so["one"])
	t.scalar("FSUBS F31, F26, F27", "fsub s27, s26, s31")
	t.scalar("FADDS F31, F26, F28", "fadd s28, s26, s31")
	t.scalar("FDIVS F28, F27, F27", "fdiv s27, s27, s28")
	t.scalar("FMULS F27, F27, F28", "fmul s28, s27, s27")
	t.f("\tFMOVS  %d(SCAL), F29 // c9", so["c9"])
	for _, name := range []string{"c7", "c5", "c3"} {
		t.f("\tFMOVS  %d(SCAL), F30 // %s", so[name], name)
		t.scalar("FMADDS F28, F30, F29, F29", "fmadd s29, s29, s28, s30")
	}
	t.scalar("FMULS F28, F29, F29", "fmul s29, s29, s28")
	t.scalar("FADDS F27, F27, F27", "fadd s27, s27, s27")
	t.scalar("FMADDS F29, F27, F27, F27", "fmadd s27, s27, s29, s27")
	t.w("\tSCVTFWS R12, F28 // e")
	t.f("\tFMOVS  %d(SCAL), F30 // ln2lo", so["ln2lo"])
	t.scalar("FMADDS F30, F27, F28, F27", "fmadd s27, s28, s30, s27")
	t.f("\tFMOVS  %d(SCAL), F30 // ln2hi", so["ln2hi"])
	t.scalar("FMADDS F30, F27, F28, F27", "fmadd s27, s28, s30, s27")
	t.f("\tVDUP   V%d.S[0], V26.S4 // max", mx)
	t.w("\tVDUP   V27.S[0], V27.S4 // ls")
	t.w("\tMOVD   dst_base+0(FP), DST")
	t.w("\tMOVD   src_base+24(FP), SRC")
	t.w("\tMOVD   src_len+32(FP), N")
	t.w("")
	t.w("lsm4:")
	t.w("\tCMP    $4, N")
	t.w("\tBLT    lsm1")
	t.w("\tVLD1.P 16(SRC), [V0.S4]")
	t.ins("fsub v0.4s, v0.4s, v26.4s", a)
	t.ins("fsub v0.4s, v0.4s, v27.4s", a)
	t.w("\tVST1.P [V0.S4], 16(DST)")
	t.w("\tSUB    $4, N")
	t.w("\tB      lsm4")
	t.w("")
	t.w("lsm1:")
	t.w("\tCBZ    N, done")
	t.w("\tFMOVS.P 4(SRC), F0")
	t.scalar("FSUBS F26, F0, F0", "fsub s0, s0, s26")
	t.scalar("FSUBS F27, F0, F0", "fsub s0, s0, s27")
	t.w("\tFMOVS.P F0, 4(DST)")
	t.w("\tSUB    $1, N")
	t.w("\tB      lsm1")
	t.w("")
	t.w("\t// flags&2, with stores, and no stop: dst ·= 1/sum, as kernel.Scale.")
	t.w("normalize:")
	t.w("\tTBZ    $1, FLAGS, done")
	t.w("\tCBNZ   N, done")
	t.f("\tFMOVS  %d(SCAL), F28 // 1", so["one"])
	t.scalar(fmt.Sprintf("FDIVS F%d, F28, F28", acc), fmt.Sprintf("fdiv s28, s28, s%d", acc))
	t.w("\tVDUP   V28.S[0], V28.S4 // 1/sum")
	t.w("\tMOVD   dst_base+0(FP), DST")
	t.w("\tMOVD   src_len+32(FP), N")
	t.w("")
	t.w("scale4:")
	t.w("\tCMP    $4, N")
	t.w("\tBLT    scale1")
	t.w("\tVLD1   (DST), [V0.S4]")
	t.ins("fmul v0.4s, v0.4s, v28.4s", a)
	t.w("\tVST1.P [V0.S4], 16(DST)")
	t.w("\tSUB    $4, N")
	t.w("\tB      scale4")
	t.w("")
	t.w("scale1:")
	t.w("\tCBZ    N, done")
	t.w("\tFMOVS  (DST), F0")
	t.scalar("FMULS F28, F0, F0", "fmul s0, s0, s28")
	t.w("\tFMOVS.P F0, 4(DST)")
	t.w("\tSUB    $1, N")
	t.w("\tB      scale1")
	t.w("")
	t.w("done:")
	t.w("\tRET")
	t.w("")
	t.w("\t// flags&1 and the first elements give no scaling: done = −1.")
	t.w("unusable:")
	t.w("\tMOVD   $-1, R4")
	t.w("\tMOVD   R4, done+80(FP)")
	t.w("\tMOVW   ZR, sum+64(FP)")
	t.w("\tMOVW   ZR, max+68(FP)")
	t.w("\tMOVW   ZR, ymax+72(FP)")
	t.w("\tRET")
}
