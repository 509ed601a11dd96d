package main

import "fmt"

// The norms' passes (kernel/norm.go) in float64: FCVTL and FCVTL2 widen
// the low and high two floats of a vector to two doubles each, FCVTN and
// FCVTN2 narrow them back (rounding to nearest). The sums keep eight
// accumulators of two doubles (sixteen elements per iteration), then
// four elements at a time, then a scalar tail that reads exactly the
// elements left, so no memory past the slices is touched.

// normSumPass returns NormSumNEON (Σx) or, with dev, NormSumSqDevNEON
// (Σ(x−m)², one FMLA per square; m in V24).
func normSumPass(dev bool) output {
	name, args, frame, ret := "NormSumNEON", "x []float32", 24, 24
	if dev {
		name, args, frame, ret = "NormSumSqDevNEON", "x []float32, m float64", 32, 32
	}
	return output{symbol: name, from: "kernel/norm.go", emit: func(t *text, _ constTable) {
		// add folds the doubles in {w} into {acc}.
		add := []string{"fadd {acc}.2d, {acc}.2d, {w}.2d"}
		if dev {
			add = []string{"fsub {w}.2d, {w}.2d, v24.2d", "fmla {acc}.2d, {w}.2d, {w}.2d"}
		}
		registersPreamble(t, name)
		t.w("#define X_PTR R0 // &x[i]")
		t.w("#define N     R1 // elements left")
		t.w("")
		t.f("// func %s(%s) float64", name, args)
		t.f("TEXT ·%s(SB), NOSPLIT, $0-%d", name, frame+8)
		t.w("\tMOVD x_base+0(FP), X_PTR")
		t.w("\tMOVD x_len+8(FP), N")
		if dev {
			t.w("\tMOVD m+24(FP), R2")
			t.w("\tVDUP R2, V24.D2 // m in both lanes")
			t.w("\tFMOVD m+24(FP), F25 // and in F25 for the tail")
		}
		t.w("\t// Eight accumulators V16..V23 of two doubles each.")
		for r := 16; r < 24; r++ {
			t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
		}
		t.w("")
		t.w("\t// Main loop: 16 elements per iteration (N kept 16 below the count).")
		t.w("\tSUBS $16, N")
		t.w("\tBLT  rest")
		t.w("loop16:")
		t.w("\tVLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]")
		for i := 0; i < 4; i++ {
			t.ins(fmt.Sprintf("fcvtl v%d.2d, v%d.2s", 4+2*i, i), nil)
			t.ins(fmt.Sprintf("fcvtl2 v%d.2d, v%d.4s", 5+2*i, i), nil)
		}
		var sets []regs
		for i := 0; i < 8; i++ {
			sets = append(sets, regs{"w": 4 + i, "acc": 16 + i})
		}
		t.code(sets, add)
		t.w("\tSUBS $16, N")
		t.w("\tBGE  loop16")
		t.w("rest:")
		t.w("\tADD $16, N // back to the true count, 0..15")
		t.w("")
		t.w("\t// Four elements at a time into V16 and V17.")
		t.w("loop4:")
		t.w("\tCMP $4, N")
		t.w("\tBLT reduce")
		t.w("\tVLD1.P 16(X_PTR), [V0.S4]")
		t.ins("fcvtl v4.2d, v0.2s", nil)
		t.ins("fcvtl2 v5.2d, v0.4s", nil)
		t.code([]regs{{"w": 4, "acc": 16}, {"w": 5, "acc": 17}}, add)
		t.w("\tSUB $4, N")
		t.w("\tB   loop4")
		t.w("")
		t.w("\t// The accumulators in a fixed tree, then the two lanes, into F0.")
		t.w("reduce:")
		for _, p := range [][2]int{{16, 17}, {18, 19}, {20, 21}, {22, 23}, {16, 18}, {20, 22}, {16, 20}} {
			t.ins(fmt.Sprintf("fadd v%d.2d, v%d.2d, v%d.2d", p[0], p[0], p[1]), nil)
		}
		t.ins("faddp d0, v16.2d", nil)
		t.w("")
		t.w("\t// Scalar tail, 0..3 elements.")
		t.w("\tCBZ N, done")
		t.w("tail:")
		t.w("\tFMOVS.P 4(X_PTR), F1")
		t.w("\tFCVTSD  F1, F1")
		if dev {
			t.w("\tFSUBD   F25, F1, F1     // x[i] − m")
			t.w("\tFMADDD  F1, F0, F1, F0 // F0 += (x[i] − m)²")
		} else {
			t.w("\tFADDD   F1, F0, F0 // F0 += x[i]")
		}
		t.w("\tSUBS    $1, N")
		t.w("\tBNE     tail")
		t.w("done:")
		t.f("\tFMOVD F0, ret+%d(FP)", ret)
		t.w("\tRET")
	}}
}

// normApply returns NormApplyNEON: dst = fma(float32((x−m)·r), γ, β),
// eight elements per iteration (two interleaved vectors of four), then
// four, then one at a time; a loop per variant, chosen by len(gamma) and
// len(beta) (zero: absent). m is in V30, r in V31.
func normApply() output {
	return output{symbol: "NormApplyNEON", from: "kernel/norm.go", emit: func(t *text, _ constTable) {
		registersPreamble(t, "NormApplyNEON")
		t.w("#define DST   R0 // &dst[i]")
		t.w("#define X_PTR R1 // &x[i]")
		t.w("#define G_PTR R2 // &gamma[i]")
		t.w("#define B_PTR R3 // &beta[i]")
		t.w("#define N     R4 // elements left")
		t.w("")
		t.w("// func NormApplyNEON(dst, x, gamma, beta []float32, m, r float64)")
		t.w("TEXT ·NormApplyNEON(SB), NOSPLIT, $0-112")
		t.w("\tMOVD dst_base+0(FP), DST")
		t.w("\tMOVD x_base+24(FP), X_PTR")
		t.w("\tMOVD gamma_base+48(FP), G_PTR")
		t.w("\tMOVD beta_base+72(FP), B_PTR")
		t.w("\tMOVD x_len+32(FP), N")
		t.w("\tMOVD m+96(FP), R5")
		t.w("\tVDUP R5, V30.D2 // m; F30 is its low lane")
		t.w("\tMOVD r+104(FP), R5")
		t.w("\tVDUP R5, V31.D2 // r; F31 is its low lane")
		t.w("\t// The variant: by len(gamma) and len(beta), zero meaning absent.")
		t.w("\tMOVD gamma_len+56(FP), R6")
		t.w("\tMOVD beta_len+80(FP), R7")
		t.w("\tCBZ  R6, nogamma")
		t.w("\tCBZ  R7, gamma")
		t.w("\tB    affine")
		t.w("nogamma:")
		t.w("\tCBZ  R7, plain")
		t.w("\tB    beta")
		for _, v := range []struct {
			label       string
			gamma, beta bool
		}{{"affine", true, true}, {"gamma", true, false}, {"beta", false, true}, {"plain", false, false}} {
			normApplyLoop(t, v.label, v.gamma, v.beta)
		}
		t.w("done:")
		t.w("\tRET")
	}}
}

// normApplyLoop writes one variant's loops, from label to a branch to
// done. Per vector of four: {x} loaded, widened into {a} and {b}, less m,
// times r, narrowed into {u}; γ in {g}, β in {be}.
func normApplyLoop(t *text, label string, gamma, beta bool) {
	body := []string{
		"fcvtl {a}.2d, {x}.2s", "fcvtl2 {b}.2d, {x}.4s",
		"fsub {a}.2d, {a}.2d, v30.2d", "fsub {b}.2d, {b}.2d, v30.2d",
		"fmul {a}.2d, {a}.2d, v31.2d", "fmul {b}.2d, {b}.2d, v31.2d",
		"fcvtn {u}.2s, {a}.2d", "fcvtn2 {u}.4s, {b}.2d",
	}
	out := "u"
	switch {
	case gamma && beta:
		body = append(body, "fmla {be}.4s, {u}.4s, {g}.4s") // β + u·γ, one rounding
		out = "be"
	case gamma:
		body = append(body, "fmul {u}.4s, {u}.4s, {g}.4s")
	case beta:
		body = append(body, "fadd {u}.4s, {u}.4s, {be}.4s")
	}
	sets := []regs{{"x": 0, "a": 1, "b": 2, "u": 3, "g": 4, "be": 5}, {"x": 8, "a": 9, "b": 10, "u": 11, "g": 12, "be": 13}}
	loads := func(n int) {
		for _, r := range sets[:n] {
			t.f("\tVLD1.P 16(X_PTR), [V%d.S4]", r["x"])
			if gamma {
				t.f("\tVLD1.P 16(G_PTR), [V%d.S4]", r["g"])
			}
			if beta {
				t.f("\tVLD1.P 16(B_PTR), [V%d.S4]", r["be"])
			}
		}
	}
	stores := func(n int) {
		for _, r := range sets[:n] {
			t.f("\tVST1.P [V%d.S4], 16(DST)", r[out])
		}
	}
	t.w("")
	t.f("\t// %s: γ %v, β %v. Eight elements per iteration.", label, gamma, beta)
	t.w(label + ":")
	t.w("\tCMP $8, N")
	t.f("\tBLT %s4", label)
	loads(2)
	t.code(sets, body)
	stores(2)
	t.w("\tSUB $8, N")
	t.f("\tB   %s", label)
	t.f("%s4:", label)
	t.w("\tCMP $4, N")
	t.f("\tBLT %s1", label)
	loads(1)
	t.code(sets[:1], body)
	stores(1)
	t.w("\tSUB $4, N")
	t.w("\t// The last 0..3 elements one at a time.")
	t.f("%s1:", label)
	t.w("\tCBZ N, done")
	t.w("\tFMOVS.P 4(X_PTR), F0")
	t.w("\tFCVTSD  F0, F0")
	t.w("\tFSUBD   F30, F0, F0 // x[i] − m")
	t.w("\tFMULD   F31, F0, F0 // ·r")
	t.w("\tFCVTDS  F0, F0")
	if gamma {
		t.w("\tFMOVS.P 4(G_PTR), F4")
	}
	if beta {
		t.w("\tFMOVS.P 4(B_PTR), F5")
	}
	switch {
	case gamma && beta:
		t.w("\tFMADDS  F4, F5, F0, F0 // β + u·γ, one rounding")
	case gamma:
		t.w("\tFMULS   F4, F0, F0")
	case beta:
		t.w("\tFADDS   F5, F0, F0")
	}
	t.w("\tFMOVS.P F0, 4(DST)")
	t.w("\tSUB     $1, N")
	t.f("\tB       %s1", label)
}

func init() { register(normSumPass(false), normSumPass(true), normApply()) }
