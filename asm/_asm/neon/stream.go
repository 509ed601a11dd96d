package main

import (
	"fmt"
	"strings"
)

// streamKernel is an elementwise kernel over one or two input slices and
// one output, which may be an input: 32 elements per iteration as eight
// vectors of each input (the first in V0..V7, the second in V16..V23),
// then whole vectors, then a scalar tail of 0..3 elements (the inputs in
// F0, F1). Every load of a block comes before its stores, so the output
// may alias an input.
type streamKernel struct {
	name string // AddNEON
	// sig is the Go signature's parameter list; frame its argument size.
	sig   string
	frame int
	// regs are the #define lines of the register names; ins the input
	// pointers, out the output pointer.
	regs    []string
	ins     []string
	out     string
	prelude []string // the arguments into registers (Go syntax)
	loopDoc []string // what the main loop's comment says
	// vector is the operation on vector i (the first input in Vi, the
	// second in V(16+i)), in Arm syntax, the result in V(result+i);
	// note explains the first one.
	vector func(i int) string
	note   string
	result int
	// scalar is the tail's operation with its comment (Go syntax), the
	// result in F(result/16).
	scalar   string
	tailNote string
}

// binaryKernel is dst[i] = a[i] op b[i]: vector op in Arm syntax
// ("fadd"), scalar its twin in Go syntax ("FADDS").
func binaryKernel(name, vector, scalar, note string) streamKernel {
	return streamKernel{
		name: name, sig: "dst, a, b []float32", frame: 72,
		regs: []string{
			"#define DST_PTR R0 // &dst[i]",
			"#define A_PTR   R1 // &a[i]",
			"#define B_PTR   R2 // &b[i]",
			"#define N       R3 // elements left",
		},
		ins: []string{"A_PTR", "B_PTR"}, out: "DST_PTR",
		prelude: []string{
			"MOVD dst_base+0(FP), DST_PTR",
			"MOVD a_base+24(FP), A_PTR",
			"MOVD b_base+48(FP), B_PTR",
			"MOVD dst_len+8(FP), N",
		},
		loopDoc: []string{"Main loop: 32 elements per iteration. Every load of a block comes",
			"before its stores, so dst may be a or b."},
		vector: func(i int) string { return fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.4s", vector, i, i, 16+i) },
		scalar: fmt.Sprintf("%-7s F1, F0, F0      // %s", scalar, note),
	}
}

var (
	addK = binaryKernel("AddNEON", "fadd", "FADDS", "dst[i] = a[i] + b[i]")
	mulK = binaryKernel("MulNEON", "fmul", "FMULS", "dst[i] = a[i] * b[i]")
	// axpyK: y[i] += alpha·x[i], fused, in the tail as in the vectors.
	axpyK = streamKernel{
		name: "AxpyNEON", sig: "alpha float32, x, y []float32", frame: 56,
		regs: []string{
			"#define X_PTR  R0 // &x[i]",
			"#define Y_LOAD R1 // &y[i], for loads",
			"#define Y_STOR R2 // &y[i], for stores",
			"#define N      R3 // elements left",
			"#define ALPHA  V31 // alpha in every lane; F31 is its lane 0",
		},
		ins: []string{"X_PTR", "Y_LOAD"}, out: "Y_STOR",
		prelude: []string{
			"FMOVS alpha+0(FP), F31",
			"MOVD  x_base+8(FP), X_PTR",
			"MOVD  y_base+32(FP), Y_LOAD",
			"MOVD  x_len+16(FP), N",
			"MOVD  Y_LOAD, Y_STOR",
			"VDUP  V31.S[0], ALPHA.S4",
		},
		loopDoc: []string{"Main loop: 32 elements per iteration, eight independent FMLAs.",
			"All of a block's loads come before its stores, so y may be x."},
		vector:   func(i int) string { return fmt.Sprintf("fmla v%d.4s, v%d.4s, v31.4s", 16+i, i) },
		note:     "y[i:i+4] += alpha * x[i:i+4]",
		result:   16,
		scalar:   "FMADDS  F31, F1, F0, F1 // F1 = x[i]*alpha + y[i]",
		tailNote: ", fused as the vectors are",
	}
	// scaleK: x[i] *= alpha.
	scaleK = streamKernel{
		name: "ScaleNEON", sig: "alpha float32, x []float32", frame: 32,
		regs: []string{
			"#define X_LOAD R0 // &x[i], for loads",
			"#define X_STOR R1 // &x[i], for stores",
			"#define N      R2 // elements left",
		},
		ins: []string{"X_LOAD"}, out: "X_STOR",
		prelude: []string{
			"FMOVS alpha+0(FP), F31",
			"MOVD  x_base+8(FP), X_LOAD",
			"MOVD  x_len+16(FP), N",
			"MOVD  X_LOAD, X_STOR",
			"VDUP  V31.S[0], V31.S4 // V31: alpha in every lane",
		},
		loopDoc: []string{"Main loop: 32 elements per iteration."},
		vector:  func(i int) string { return fmt.Sprintf("fmul v%d.4s, v%d.4s, v31.4s", i, i) },
		scalar:  "FMULS   F31, F0, F0     // x[i] *= alpha",
	}
)

// stream returns the output of k.
func stream(k streamKernel) output {
	return output{symbol: k.name, emit: func(t *text, _ constTable) {
		op := func(width, i int, note string) {
			g, arm := render(k.vector(i), nil)
			if !strings.HasPrefix(g, "WORD") && note != "" {
				arm = note
			} else if !strings.HasPrefix(g, "WORD") {
				t.w("\t" + padMnemonic(g, 6))
				return
			}
			t.f("\t%-*s// %s", width, padMnemonic(g, 6), arm)
		}
		res := func(first, n int) string { return vecList(k.result+first, n) }
		registersPreamble(t, k.name)
		for _, r := range k.regs {
			t.w(r)
		}
		t.w("")
		t.f("// func %s(%s)", k.name, k.sig)
		t.f("TEXT ·%s(SB), NOSPLIT, $0-%d", k.name, k.frame)
		for _, l := range k.prelude {
			t.w("\t" + l)
		}
		t.w("")
		for _, l := range k.loopDoc {
			t.w("\t// " + l)
		}
		t.w("\tSUBS $32, N")
		t.w("\tBLT  rest")
		t.w("")
		t.w("loop32:")
		for j, in := range k.ins {
			t.f("\tVLD1.P 64(%s), [%s]", in, vecList(16*j, 4))
			t.f("\tVLD1.P 64(%s), [%s]", in, vecList(16*j+4, 4))
		}
		for i := 0; i < 8; i++ {
			note := ""
			if i == 0 {
				note = k.note
			}
			op(60, i, note)
		}
		t.f("\tVST1.P [%s], 64(%s)", res(0, 4), k.out)
		t.f("\tVST1.P [%s], 64(%s)", res(4, 4), k.out)
		endLoop32(t)
		t.w("")
		t.w("\t// Whole vectors left, four elements at a time.")
		t.w("loop4:")
		t.w("\tCMP    $4, N")
		t.w("\tBLT    tail")
		for j, in := range k.ins {
			t.f("\tVLD1.P 16(%s), [V%d.S4]", in, 16*j)
		}
		op(36, 0, "")
		t.f("\tVST1.P [%s], 16(%s)", res(0, 1), k.out)
		t.w("\tSUB    $4, N")
		t.w("\tB      loop4")
		t.w("")
		t.f("\t// Scalar tail, 0..3 elements%s.", k.tailNote)
		t.w("tail:")
		t.w("\tCBZ N, done")
		t.w("")
		t.w("tail1:")
		for j, in := range k.ins {
			t.f("\tFMOVS.P 4(%s), F%d", in, j)
		}
		t.w("\t" + k.scalar)
		t.f("\tFMOVS.P F%d, 4(%s)", k.result/16, k.out)
		t.w("\tSUBS    $1, N")
		t.w("\tBNE     tail1")
		t.w("")
		t.w("done:")
		t.w("\tRET")
	}}
}
