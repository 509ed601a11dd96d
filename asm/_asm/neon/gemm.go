package main

import "fmt"

// gemmTile is the shape of the NEON Gemm microkernel: an 8×12 tile of c
// in 24 registers V5..V28 (row i, columns 4j..4j+3 in V(5+3i+j)).
const (
	gemmRows = 8
	gemmVecs = 3 // vectors of 4 columns per row
)

// gemmAcc is the accumulator of row i, columns 4j..4j+3.
func gemmAcc(i, j int) int { return 5 + gemmVecs*i + j }

// gemm returns the output of GemmKernel8x12NEON(k, a, b, c, ldc, alpha,
// beta): each step p loads 8 values of a (V0, V1) and 12 of b (V2..V4)
// and does 24 by-element FMLAs, c[i, :] += b[p, :]·a[p, i], so 20 bytes
// of loads feed 96 multiply-adds; then c = alpha·tile (+ beta·c when
// beta ≠ 0).
func gemm() output {
	const name = "GemmKernel8x12NEON"
	return output{symbol: name, emit: func(t *text, _ constTable) {
		last := gemmAcc(gemmRows-1, gemmVecs-1)
		registersPreamble(t, name)
		t.w("#define K     R0 // steps left")
		t.w("#define A_PTR R1 // &a[p*8]")
		t.w("#define B_PTR R2 // &b[p*12]")
		t.w("#define C_PTR R3 // &c[i*ldc]")
		t.w("#define LDC   R4 // ldc in bytes")
		t.w("")
		t.f("// func %s(k int, a, b, c []float32, ldc int, alpha, beta float32)", name)
		t.f("TEXT ·%s(SB), NOSPLIT, $0-96", name)
		t.w("\tMOVD k+0(FP), K")
		t.w("\tMOVD a_base+8(FP), A_PTR")
		t.w("\tMOVD b_base+32(FP), B_PTR")
		t.w("\tMOVD c_base+56(FP), C_PTR")
		t.w("\tMOVD ldc+80(FP), LDC")
		t.w("\tLSL  $2, LDC")
		t.w("")
		t.f("\t// Zero the %d accumulators.", gemmRows*gemmVecs)
		zeroV(t, gemmAcc(0, 0), gemmRows*gemmVecs)
		t.w("")
		t.w("\tCBZ K, epilogue")
		t.w("")
		t.w("\t// One step of k per iteration: an outer product of a[p, 0:8] and")
		t.w("\t// b[p, 0:12] added to the tile.")
		t.w("loop:")
		t.w("\tVLD1.P 32(A_PTR), [V0.S4, V1.S4]")
		t.w("\tVLD1.P 48(B_PTR), [V2.S4, V3.S4, V4.S4]")
		for i := 0; i < gemmRows; i++ {
			for j := 0; j < gemmVecs; j++ {
				arm(t, fmt.Sprintf("fmla v%d.4s, v%d.4s, v%d.s[%d]", gemmAcc(i, j), 2+j, i/4, i%4))
			}
		}
		t.w("\tSUBS   $1, K")
		t.w("\tBNE    loop")
		t.w("")
		t.w("\t// c = alpha·tile, or alpha·tile + beta·c; with beta = 0, c is not read")
		t.w("\t// (it may hold anything, NaN included).")
		t.w("epilogue:")
		t.w("\tFMOVS alpha+88(FP), F0")
		t.w("\tFMOVS beta+92(FP), F1")
		t.w("\tVMOV  V1.S[0], V0.S[1] // V0 = [alpha, beta, ...]")
		for r := gemmAcc(0, 0); r <= last; r++ {
			arm(t, fmt.Sprintf("fmul v%d.4s, v%d.4s, v0.s[0]", r, r))
		}
		t.w("\tFCMPS $(0.0), F1")
		t.w("\tBEQ   store")
		t.w("")
		t.w("\t// beta ≠ 0: add beta·c, row by row.")
		t.w("\tMOVD C_PTR, R5")
		for i := 0; i < gemmRows; i++ {
			if i > 0 {
				t.w("\tADD  LDC, R5")
			}
			t.w("\tVLD1 (R5), [V2.S4, V3.S4, V4.S4]")
			for j := 0; j < gemmVecs; j++ {
				arm(t, fmt.Sprintf("fmla v%d.4s, v%d.4s, v0.s[1]", gemmAcc(i, j), 2+j))
			}
		}
		t.w("")
		t.f("\t// Store the %d rows.", gemmRows)
		t.w("store:")
		for i := 0; i < gemmRows; i++ {
			if i > 0 {
				t.w("\tADD  LDC, C_PTR")
			}
			t.f("\tVST1 [%s], (C_PTR)", vecList(gemmAcc(i, 0), gemmVecs))
		}
		t.w("\tRET")
	}}
}
