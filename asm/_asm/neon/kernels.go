package main

// The elementwise kernels: Exp, Tanh, Sigmoid and the softmax family's
// passes 2 and 3. Constants named from are package kernel's, so the NEON
// kernels evaluate the same range reduction, polynomials and thresholds,
// in the same order and with the same fused multiply-adds, as the pure-Go
// ones.

func named(name, from string) vconst     { return vconst{name: name, from: from} }
func fixed(name string, b uint32) vconst { return vconst{name: name, bits: b} }

var (
	one  = fixed("one", 0x3f800000)
	bias = fixed("bias", 127)
	sign = fixed("sign", 0x80000000)
	// fast is 87.0: |x| ≤ 87 gives n in [−126, 126], a normal 2^n.
	fast = fixed("fast", 0x42ae0000)

	reduceConsts = []vconst{named("shifter", "expShifter"), named("log2e", "expLog2e"),
		named("ln2hi", "expLn2Hi"), named("ln2lo", "expLn2Lo")}
	expPoly = []vconst{named("c6", "expC6"), named("c5", "expC5"), named("c4", "expC4"),
		named("c3", "expC3"), named("c2", "expC2"), named("c1", "expC1")}
	expConsts = catConsts([]vconst{named("min", "expMin"), named("max", "expMax")},
		reduceConsts, expPoly, []vconst{one, bias})

	// e^r ≈ 1 + r·p(r) from r in x; the result in expPolyOut.
	expPolyCode, expPolyOut = horner([]string{"c5", "c4", "c3", "c2", "c1", "one"}, "x", "t2", "t3", "c6")

	// Exp maps x in place, with temporaries t0..t3.
	expBody = cat([]string{
		"// Clamp to [expMin, expMax]; FMAX/FMIN keep NaN, which then flows",
		"// through every step below to the result.",
		"fmax {x}.4s, {x}.4s, {k_min}.4s",
		"fmin {x}.4s, {x}.4s, {k_max}.4s",
	}, reduce("x", "t0", "t1", false),
		[]string{"// e^r ≈ 1 + r·p(r), Horner with fused steps."}, expPolyCode,
		scale2n(expPolyOut, "t0", "t1", "x"))
	expFast = cat(reduce("x", "t0", "t1", true),
		[]string{"// e^r ≈ 1 + r·p(r), Horner with fused steps."}, expPolyCode,
		[]string{"// One multiply by the normal 2^n rounds as the two-step scale does.",
			"fmul {x}.4s, {" + expPolyOut + "}.4s, {t0}.4s"})
)

// catConsts joins lists of constants.
func catConsts(parts ...[]vconst) []vconst {
	var out []vconst
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// expKernel is Exp's code in a kernel of the given kind, after pre.
func expKernel(name string, doc []string, k kind, args []string, pre []string) *kernel {
	var tail *tailFill
	if k != mapKind {
		tail = &tailFill{0xff800000, "-Inf, whose e^(−Inf−m) = 0 adds nothing"}
	}
	return &kernel{name: name, doc: doc, consts: catConsts(expConsts, []vconst{fast}), body: expBody,
		nregs: 4, kind: k, args: args, unroll: 2, tail: tail, pre: pre, fast: expFast}
}

var expK = expKernel("Exp", []string{
	"ExpNEON: dst[i] = e^src[i] as kernel's exp32 computes it: clamp, reduce",
	"x = n·ln2 + r, e^r by the degree-6 polynomial, scale by 2^n."}, mapKind, nil, nil)

// Tanh: temporaries t0 (the tiny mask), t1 (z, r, w), t2 (s), t3..t7.
var tanhK = func() *kernel {
	q, qv := horner([]string{"m6", "m5", "m4", "m3", "m2"}, "t1", "t3", "t4", "m7")
	r2 := other(qv, "t3", "t4")
	body := cat([]string{
		"// a = |x|; z = max(−2a, clamp); t0 = (a < tanhTiny), where x is returned",
		"// as is (NaN compares false and keeps the computed NaN).",
		"fabs {t0}.4s, {x}.4s",
		"fadd {t1}.4s, {t0}.4s, {t0}.4s",
		"fneg {t1}.4s, {t1}.4s",
		"fmax {t1}.4s, {t1}.4s, {k_clamp}.4s",
		"fcmgt {t0}.4s, {k_tiny}.4s, {t0}.4s",
	}, reduce("t1", "t2", "t3", true), []string{"// w = expm1(r) ≈ r + r²·q(r)."}, q, []string{
		"fmul {" + r2 + "}.4s, {t1}.4s, {t1}.4s",
		"fmla {t1}.4s, {" + r2 + "}.4s, {" + qv + "}.4s",
		"// tanh(a) = num/den, num = (1−s) − s·w, den = (1+s) + s·w, since",
		"// e^(−2a) = s·(1+w); the quotient compensated as tanhQuotient does.",
		"fsub {t3}.4s, {k_one}.4s, {t2}.4s",
		"fadd {t4}.4s, {k_one}.4s, {t2}.4s",
		"mov {t5}.16b, {t3}.16b",
		"fmls {t5}.4s, {t2}.4s, {t1}.4s",
		"mov {t6}.16b, {t4}.16b",
		"fmla {t6}.4s, {t2}.4s, {t1}.4s",
	}, recip("t6", "t7", "t6"), []string{
		"// q0 = num·y; ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w; q0 + ρ·y.",
		"fmul {t5}.4s, {t5}.4s, {t7}.4s",
		"mov {t6}.16b, {t3}.16b",
		"fmls {t6}.4s, {t5}.4s, {t4}.4s",
		"fmls {t6}.4s, {t2}.4s, {t1}.4s",
		"fmul {t3}.4s, {t5}.4s, {t2}.4s",
		"fmls {t6}.4s, {t3}.4s, {t1}.4s",
		"fmla {t5}.4s, {t6}.4s, {t7}.4s",
		"// x's sign onto tanh|x| (≥ 0), and x itself where |x| < tanhTiny.",
		"bit {t5}.16b, {x}.16b, {k_sign}.16b",
		"bif {x}.16b, {t5}.16b, {t0}.16b",
	})
	consts := catConsts([]vconst{named("clamp", "tanhClamp")}, reduceConsts, []vconst{
		named("m7", "expm1C7"), named("m6", "expm1C6"), named("m5", "expm1C5"),
		named("m4", "expm1C4"), named("m3", "expm1C3"), named("m2", "expm1C2"),
		one, sign, named("tiny", "tanhTiny")})
	return &kernel{name: "Tanh", doc: []string{
		"TanhNEON: dst[i] = tanh(src[i]) as kernel's tanh32 computes it, from",
		"expm1 of the reduced −2|x| and a compensated quotient."},
		consts: consts, body: body, nregs: 8, unroll: 2}
}()

// Sigmoid: temporaries t0..t4.
var sigmoidK = func() *kernel {
	poly, v := horner([]string{"c5", "c4", "c3", "c2", "c1", "one"}, "t0", "t2", "t3", "c6")
	o := other(v, "t2", "t3")
	quot := cat([]string{
		"// num = (x < 0 ? e : 1); dh + dl = 1 + e exactly (Fast2Sum).",
		"fcmlt {t1}.4s, {x}.4s, #0.0",
		"mov {t0}.16b, {k_one}.16b",
		"bit {t0}.16b, {" + v + "}.16b, {t1}.16b",
		"fadd {" + o + "}.4s, {" + v + "}.4s, {k_one}.4s",
		"fsub {t1}.4s, {k_one}.4s, {" + o + "}.4s",
		"fadd {t1}.4s, {t1}.4s, {" + v + "}.4s",
	}, recip(o, v, "t4"), []string{
		"// q0 = num·y; ρ = (num − q0·dh) − q0·dl; q0 + ρ·y, as sigmoidQuotient.",
		"fmul {x}.4s, {t0}.4s, {" + v + "}.4s",
		"fmls {t0}.4s, {x}.4s, {" + o + "}.4s",
		"fmls {t0}.4s, {x}.4s, {t1}.4s",
		"fmla {x}.4s, {t0}.4s, {" + v + "}.4s",
	})
	body := cat([]string{
		"// z = max(−|x|, expMin).",
		"orr {t0}.16b, {x}.16b, {k_sign}.16b",
		"fmax {t0}.4s, {t0}.4s, {k_min}.4s",
	}, reduce("t0", "t1", o, false), []string{"// e = e^z as in Exp."}, poly, scale2n(v, "t1", o, v), quot)
	fastBody := cat([]string{
		"// z = −|x| (≥ −87 here).",
		"orr {t0}.16b, {x}.16b, {k_sign}.16b",
	}, reduce("t0", "t1", o, true), []string{"// e = e^z as in Exp."}, poly, []string{
		"fmul {" + v + "}.4s, {" + v + "}.4s, {t1}.4s"}, quot)
	consts := catConsts([]vconst{sign, named("min", "expMin")}, reduceConsts, expPoly, []vconst{one, bias, fast})
	return &kernel{name: "Sigmoid", doc: []string{
		"SigmoidNEON: dst[i] = 1/(1+e^−src[i]) as kernel's sigmoid32 computes it:",
		"e = e^−|x| as in Exp, then num/(1+e) with num = e or 1 by the sign of x."},
		consts: consts, body: body, nregs: 5, unroll: 2, fast: fastBody}
}()

// shift subtracts the broadcast m from x.
var shift = []string{"// x − m (exact where it matters: m ≥ x, both float32).", "fsub {x}.4s, {x}.4s, {k_m}.4s"}

var (
	expShiftSumK = expKernel("ExpShiftSum", []string{
		"ExpShiftSumNEON: Softmax's pass 2, dst[i] = e^(src[i]−m) as ExpNEON",
		"computes it, returning their sum (four lane sums, added at the end)."}, expSumKind, []string{"m"}, shift)
	sumExpShiftK = expKernel("SumExpShift", []string{
		"SumExpShiftNEON: LogSoftmax's and LogSumExp's pass 2, Σ e^(x[i]−m),",
		"storing nothing."}, sumKind, []string{"m"}, shift)
	shiftSubK = &kernel{name: "ShiftSub", doc: []string{
		"ShiftSubNEON: LogSoftmax's pass 3, dst[i] = (src[i] − m) − ls."},
		body:  []string{"fsub {x}.4s, {x}.4s, {k_m}.4s", "fsub {x}.4s, {x}.4s, {k_ls}.4s"},
		nregs: 0, kind: mapKind, args: []string{"m", "ls"}, unroll: 4}
)
