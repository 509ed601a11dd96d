package main

import "fmt"

// argmax returns the output of ArgmaxNEON(x): the index of the first
// largest element of x, of the first NaN if x holds one, -1 if x is empty.
//
// The vector loop takes 16 elements per iteration as four vectors
// k = 0..3, and each of the 16 lanes keeps its own running maximum bv
// (V16..V19) and the iteration it was first reached in, bi (V20..V23):
// lane j of vector k at iteration t is element 16t+4k+j. A lane's bi
// changes only when a value is strictly greater (FCMGT), so it remembers
// the first occurrence of its maximum. The maxima themselves are updated
// with FMAX, which turns a lane to NaN for good once it sees a NaN; at the
// end one NaN test says whether x held one, and if so a scalar scan from
// the start finds the first (Argmax's NaN rule). Otherwise the answer is
// the smallest index among the lanes whose maximum equals the overall
// maximum, and then the scalar tail continues with strict comparisons.
// +0 and -0 compare equal throughout.
func argmax() output {
	const name = "ArgmaxNEON"
	return output{symbol: name, emit: func(t *text, _ constTable) {
		// each writes the Arm instruction format(k...) for k = 0..3.
		each := func(format string, regs func(k int) []any) {
			for k := 0; k < 4; k++ {
				arm(t, fmt.Sprintf(format, regs(k)...))
			}
		}
		registersPreamble(t, name)
		t.w("#define X_PTR R0 // &x[i]")
		t.w("#define N     R1 // elements left")
		t.w("#define BASE  R2 // &x[0]")
		t.w("#define BEST  R3 // index of the best element so far")
		t.w("#define I     R4 // index of the element X_PTR points at")
		t.w("#define TMP   R5")
		t.w("")
		t.w("// Indices 0..15 of the lanes of the four vectors of one iteration.")
		for i := 0; i < 16; i++ {
			t.f("DATA argmaxLanes<>+%d(SB)/4, $%d", 4*i, i)
		}
		t.w("GLOBL argmaxLanes<>(SB), RODATA|NOPTR, $64")
		t.w("")
		t.f("// func %s(x []float32) int", name)
		t.f("TEXT ·%s(SB), NOSPLIT, $0-32", name)
		for _, l := range []string{
			"\tMOVD x_base+0(FP), X_PTR",
			"\tMOVD x_len+8(FP), N",
			"\tMOVD X_PTR, BASE",
			"\tMOVD ZR, I",
			"",
			"\t// Empty: -1.",
			"\tMOVD $-1, BEST",
			"\tCBZ  N, done",
			"",
			"\t// The scalar scan starts from best = 0 with value -Inf: element 0",
			"\t// then either is NaN (returned), or ≥ -Inf (kept as best by the",
			"\t// strict comparison only if greater, and it stays index 0 otherwise).",
			"\tMOVD  ZR, BEST",
			"\tMOVW  $0xff800000, TMP // -Inf",
			"\tFMOVS TMP, F0          // F0: the best value so far",
			"\tCMP   $16, N",
			"\tBLT   tail",
			"",
			"\t// Vector part. bv = -Inf and bi = 0 in every lane: if a lane's values",
			"\t// are all -Inf, its first element (index 4k+j, iteration 0) is the",
			"\t// first occurrence of its maximum, which is what bi = 0 says.",
			"\tVDUP TMP, V16.S4",
		} {
			t.w(l)
		}
		for k := 1; k < 4; k++ {
			t.f("\tVMOV V16.B16, V%d.B16", 16+k)
		}
		zeroV(t, 20, 4)
		t.w("\tVEOR V24.B16, V24.B16, V24.B16 // V24: the iteration number t in every lane")
		t.w("\tMOVW $1, TMP")
		t.w("\tVDUP TMP, V25.S4               // V25: 1 in every lane")
		t.w("")
		t.w("\t// N is kept 16 below the true count so SUBS sets the loop flag.")
		t.w("\tSUB $16, N")
		t.w("")
		t.w("loop16:")
		t.w("\tVLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]")
		each("fcmgt v%d.4s, v%d.4s, v%d.4s", func(k int) []any { return []any{4 + k, k, 16 + k} })
		each("fmax v%d.4s, v%d.4s, v%d.4s", func(k int) []any { return []any{16 + k, 16 + k, k} })
		each("bit v%d.16b, v24.16b, v%d.16b", func(k int) []any { return []any{20 + k, 4 + k} })
		t.w("\tVADD   V25.S4, V24.S4, V24.S4 // t++")
		t.w("\tSUBS   $16, N")
		t.w("\tBGE    loop16")
		t.w("")
		t.w("\tADD $16, N // back to the true count, 0..15")
		t.w("")
		t.w("\t// The overall maximum; NaN if x[:16t] held a NaN.")
		arm(t, "fmax v26.4s, v16.4s, v17.4s")
		arm(t, "fmax v27.4s, v18.4s, v19.4s")
		arm(t, "fmax v26.4s, v26.4s, v27.4s")
		arm(t, "fmaxv s0, v26.4s")
		t.w("\tFCMPS F0, F0")
		t.w("\tBVS   nanscan")
		t.w("")
		t.w("\t// Turn iterations into indices, 16t + 4k + j, and keep them only in")
		t.w("\t// lanes that hold the maximum; other lanes become 0xffffffff.")
		t.w("\tVDUP   V0.S[0], V26.S4")
		t.w("\tMOVD   $argmaxLanes<>(SB), TMP")
		t.w("\tVLD1   (TMP), [V28.S4, V29.S4, V30.S4, V31.S4]")
		each("shl v%d.4s, v%d.4s, #4", func(k int) []any { return []any{20 + k, 20 + k} })
		for k := 0; k < 4; k++ {
			t.f("\tVADD   V%d.S4, V%d.S4, V%d.S4", 28+k, 20+k, 20+k)
		}
		each("fcmeq v%d.4s, v%d.4s, v26.4s", func(k int) []any { return []any{4 + k, 16 + k} })
		each("orn v%d.16b, v%d.16b, v%d.16b", func(k int) []any { return []any{20 + k, 20 + k, 4 + k} })
		t.w("")
		t.w("\t// The smallest such index is the first occurrence of the maximum.")
		arm(t, "umin v20.4s, v20.4s, v21.4s")
		arm(t, "umin v22.4s, v22.4s, v23.4s")
		arm(t, "umin v20.4s, v20.4s, v22.4s")
		arm(t, "uminv s20, v20.4s")
		for _, l := range []string{
			"\tFMOVS F20, BEST // BEST = that index (a 32-bit move zero-extends)",
			"",
			"\t// I = elements the vector loop consumed.",
			"\tSUB  BASE, X_PTR, I",
			"\tLSR  $2, I",
			"\tCBZ  N, done",
			"",
			"\t// Scalar part: the rest of x with strict comparisons, so an equal",
			"\t// value later never replaces the best; a NaN is returned at once",
			"\t// (the vector part held none, so it is the first).",
			"tail:",
			"\tFMOVS.P 4(X_PTR), F1",
			"\tFCMPS   F1, F1",
			"\tBVS     found          // x[i] is NaN",
			"\tFCMPS   F0, F1",
			"\tBLE     next           // not greater than the best",
			"\tFMOVS   F1, F0",
			"\tMOVD    I, BEST",
			"",
			"next:",
			"\tADD  $1, I",
			"\tSUBS $1, N",
			"\tBNE  tail",
			"\tB    done",
			"",
			"found:",
			"\tMOVD I, BEST",
			"\tB    done",
			"",
			"\t// x[:16t] holds a NaN: find the first one from the start.",
			"nanscan:",
			"\tMOVD BASE, X_PTR",
			"\tMOVD ZR, I",
			"",
			"nanloop:",
			"\tFMOVS.P 4(X_PTR), F1",
			"\tFCMPS   F1, F1",
			"\tBVS     found",
			"\tADD     $1, I",
			"\tB       nanloop",
			"",
			"done:",
			"\tMOVD BEST, ret+24(FP)",
			"\tRET",
		} {
			t.w(l)
		}
	}}
}
