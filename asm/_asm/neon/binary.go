package main

import "fmt"

// binaryKernel is an elementwise kernel of two slices, dst[i] = a[i] op
// b[i], written with one vector instruction (Arm syntax, "fadd") and its
// scalar twin (Go syntax, "FADDS").
type binaryKernel struct {
	name       string // AddNEON
	vector     string // fadd
	scalar     string // FADDS
	scalarNote string // dst[i] = a[i] + b[i]
}

var (
	addK = binaryKernel{"AddNEON", "fadd", "FADDS", "dst[i] = a[i] + b[i]"}
	mulK = binaryKernel{"MulNEON", "fmul", "FMULS", "dst[i] = a[i] * b[i]"}
)

// binary returns the output of k: 32 elements per iteration as eight
// vectors of a and of b, then whole vectors, then a scalar tail.
func binary(k binaryKernel) output {
	return output{symbol: k.name, emit: func(t *text, _ constTable) {
		op := func(format string, a, b int) string {
			g, arm := render(fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.4s", k.vector, a, a, b), nil)
			return fmt.Sprintf(format, padMnemonic(g, 6), arm)
		}
		registersPreamble(t, k.name)
		t.w("#define DST_PTR R0 // &dst[i]")
		t.w("#define A_PTR   R1 // &a[i]")
		t.w("#define B_PTR   R2 // &b[i]")
		t.w("#define N       R3 // elements left")
		t.w("")
		t.f("// func %s(dst, a, b []float32)", k.name)
		t.f("TEXT ·%s(SB), NOSPLIT, $0-72", k.name)
		t.w("\tMOVD dst_base+0(FP), DST_PTR")
		t.w("\tMOVD a_base+24(FP), A_PTR")
		t.w("\tMOVD b_base+48(FP), B_PTR")
		t.w("\tMOVD dst_len+8(FP), N")
		t.w("")
		t.w("\t// Main loop: 32 elements per iteration. Every load of a block comes")
		t.w("\t// before its stores, so dst may be a or b.")
		t.w("\tSUBS $32, N")
		t.w("\tBLT  rest")
		t.w("")
		t.w("loop32:")
		t.w("\tVLD1.P 64(A_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]")
		t.w("\tVLD1.P 64(A_PTR), [V4.S4, V5.S4, V6.S4, V7.S4]")
		t.w("\tVLD1.P 64(B_PTR), [V16.S4, V17.S4, V18.S4, V19.S4]")
		t.w("\tVLD1.P 64(B_PTR), [V20.S4, V21.S4, V22.S4, V23.S4]")
		for i := 0; i < 8; i++ {
			t.w(op("\t%-60s// %s", i, 16+i))
		}
		t.w("\tVST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DST_PTR)")
		t.w("\tVST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(DST_PTR)")
		endLoop32(t)
		t.w("")
		t.w("\t// Whole vectors left, four elements at a time.")
		t.w("loop4:")
		t.w("\tCMP    $4, N")
		t.w("\tBLT    tail")
		t.w("\tVLD1.P 16(A_PTR), [V0.S4]")
		t.w("\tVLD1.P 16(B_PTR), [V16.S4]")
		t.w(op("\t%-36s// %s", 0, 16))
		t.w("\tVST1.P [V0.S4], 16(DST_PTR)")
		t.w("\tSUB    $4, N")
		t.w("\tB      loop4")
		t.w("")
		t.w("\t// Scalar tail, 0..3 elements.")
		t.w("tail:")
		t.w("\tCBZ N, done")
		t.w("")
		t.w("tail1:")
		t.w("\tFMOVS.P 4(A_PTR), F0")
		t.w("\tFMOVS.P 4(B_PTR), F1")
		t.f("\t%-7s F1, F0, F0      // %s", k.scalar, k.scalarNote)
		t.w("\tFMOVS.P F0, 4(DST_PTR)")
		t.w("\tSUBS    $1, N")
		t.w("\tBNE     tail1")
		t.w("")
		t.w("done:")
		t.w("\tRET")
	}}
}
