package main

import (
	"fmt"
	"strings"
)

// sumKernel is a reduction to one float32: acc = step(acc, x[i], y[i])
// in eight vector chains, combined in a fixed tree, then a scalar tail.
// Dot (two inputs, fused multiply-add), Sum (one input, add) and Max (one
// input, FMAX) share it.
type sumKernel struct {
	name string // DotNEON
	// inputs are the slices read, one register each: x (R0), then y.
	inputs []string
	// step is the vector step as a template over {acc}, {x} and {y};
	// note explains the first one in the main loop.
	step, note string
	// scalar is the tail's step (x[i] in F1, y[i] in F2, acc in F0), in
	// Go syntax, with its comment.
	scalar string
	// chains is how many accumulators the whole vectors after the main
	// loop rotate over.
	chains int
	// why explains the eight chains; wholeVectors the rotation; tail the
	// scalar tail.
	why, wholeVectors []string
	tail              string
	// init sets the accumulators V16..V23 (Go syntax); nil: zeros.
	init []string
	// combine is the Arm mnemonic that combines two accumulators (fadd
	// when empty); across reduces the lanes of V16 into S0 (Arm syntax,
	// two pairwise adds when empty).
	combine string
	across  []string
}

var (
	dotK = sumKernel{
		name: "DotNEON", inputs: []string{"x", "y"},
		step: "fmla {acc}.4s, {y}.4s, {x}.4s", note: "V16 += x[i:i+4] * y[i:i+4]",
		scalar: "FMADDS  F1, F0, F2, F0 // F0 += x[i] * y[i]",
		chains: 4,
		why: []string{"Eight independent accumulators V16..V23: FMLA has latency 4 and",
			"big cores issue two per cycle, so eight chains keep both busy."},
		wholeVectors: []string{"Whole vectors left: four elements at a time, rotating over four",
			"accumulators so the chains stay independent."},
		tail: "Scalar tail, 0..3 elements, never reading past the slices.",
	}
	sumK = sumKernel{
		name: "SumNEON", inputs: []string{"x"},
		step:   "fadd {acc}.4s, {acc}.4s, {x}.4s",
		scalar: "FADDS   F1, F0, F0   // F0 += x[i]",
		chains: 2,
		why: []string{"Eight independent accumulators V16..V23 (FADD latency 2-3 on two",
			"pipes; eight chains also let loads run ahead)."},
		wholeVectors: []string{"Whole vectors left, four elements at a time into two chains."},
		tail:         "Scalar tail, 0..3 elements.",
	}
	// maxK: FMAX (vector, across lanes and scalar) returns NaN when
	// either operand is NaN, so a NaN anywhere in x reaches the result
	// without a separate test: that is Max's NaN rule.
	maxK = sumKernel{
		name: "MaxNEON", inputs: []string{"x"},
		step:   "fmax {acc}.4s, {acc}.4s, {x}.4s",
		scalar: "FMAXS   F1, F0, F0   // F0 = max(F0, x[i]), NaN if either is",
		chains: 1,
		why: []string{"FMAX returns NaN when either operand is NaN, so a NaN anywhere in x",
			"reaches the result without a separate test: that is Max's NaN rule.",
			"Eight running maxima V16..V23, all -Inf (the max of nothing)."},
		init: []string{
			"MOVW $0xff800000, R2 // -Inf",
			"VDUP R2, V16.S4",
			"VMOV V16.B16, V17.B16", "VMOV V16.B16, V18.B16", "VMOV V16.B16, V19.B16",
			"VMOV V16.B16, V20.B16", "VMOV V16.B16, V21.B16", "VMOV V16.B16, V22.B16",
			"VMOV V16.B16, V23.B16",
		},
		wholeVectors: []string{"Whole vectors left, four elements at a time."},
		tail:         "Scalar tail, 0..3 elements.",
		combine:      "fmax",
		across:       []string{"fmaxv s0, v16.4s"},
	}
)

// sum returns the output of k. Registers: x in V0..V7, y in V8..V15, the
// accumulators V16..V23.
func sum(k sumKernel) output {
	return output{symbol: k.name, emit: func(t *text, _ constTable) {
		// step writes the vector step for vector i into accumulator acc:
		// a WORD with its Arm syntax beside it, or Go's own mnemonic and
		// the note, if any.
		step := func(i, acc int, note string) {
			g, arm := render(k.step, regs{"x": i, "y": 8 + i, "acc": acc})
			g = padMnemonic(g, 6)
			switch {
			case strings.HasPrefix(g, "WORD"):
				t.f("\t%-40s // %s", g, arm)
			case note != "":
				t.f("\t%-40s // %s", g, note)
			default:
				t.w("\t" + g)
			}
		}
		ptr := func(in string) string { return strings.ToUpper(in) + "_PTR" }
		registersPreamble(t, k.name)
		for i, in := range k.inputs {
			t.f("#define %s R%d // &%s[i]", ptr(in), i, in)
		}
		t.f("#define N     R%d // elements left", len(k.inputs))
		t.w("")
		t.f("// func %s(%s []float32) float32", k.name, strings.Join(k.inputs, ", "))
		t.f("TEXT ·%s(SB), NOSPLIT, $0-%d", k.name, 24*len(k.inputs)+4)
		t.f("\tMOVD x_base+0(FP), X_PTR")
		for i, in := range k.inputs[1:] {
			t.f("\tMOVD %s_base+%d(FP), %s", in, 24*(i+1), ptr(in))
		}
		t.w("\tMOVD x_len+8(FP), N")
		t.w("")
		for _, l := range k.why {
			t.w("\t// " + l)
		}
		for _, ins := range k.init {
			t.w("\t" + ins)
		}
		for r := 16; r < 24 && k.init == nil; r++ {
			t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
		}
		t.w("")
		if len(k.inputs) == 2 {
			t.w("\t// Main loop: 32 elements (8 vectors of x and of y) per iteration.")
			t.w("\t// N is kept 32 below the true count so SUBS sets the loop flag.")
		} else {
			t.w("\t// Main loop: 32 elements per iteration; N is kept 32 below the true")
			t.w("\t// count so SUBS sets the loop flag.")
		}
		t.w("\tSUBS $32, N")
		t.w("\tBLT  rest")
		t.w("")
		t.w("loop32:")
		for i, in := range k.inputs {
			t.f("\tVLD1.P 64(%s), [%s]", ptr(in), vecList(8*i, 4))
			t.f("\tVLD1.P 64(%s), [%s]", ptr(in), vecList(8*i+4, 4))
		}
		for i := 0; i < 8; i++ {
			note := ""
			if i == 0 {
				note = k.note
			}
			step(i, 16+i, note)
		}
		endLoop32(t)
		t.w("")
		for _, l := range k.wholeVectors {
			t.w("\t// " + l)
		}
		t.w("loop4:")
		for i := 0; i < k.chains; i++ {
			t.w("\tCMP    $4, N")
			t.w("\tBLT    reduce")
			for j, in := range k.inputs {
				t.f("\tVLD1.P 16(%s), [V%d.S4]", ptr(in), 8*j+i)
			}
			step(i, 16+i, "")
			t.w("\tSUB    $4, N")
		}
		t.w("\tB      loop4")
		t.w("")
		t.w("\t// Add the eight accumulators in a fixed tree, then the four lanes.")
		t.w("reduce:")
		combine, across := k.combine, k.across
		if combine == "" {
			combine = "fadd"
		}
		if across == nil {
			across = []string{"faddp v16.4s, v16.4s, v16.4s", "faddp s0, v16.2s"}
		}
		var tree []string
		for _, p := range [][2]int{{16, 17}, {18, 19}, {20, 21}, {22, 23}, {16, 18}, {20, 22}, {16, 20}} {
			tree = append(tree, fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.4s", combine, p[0], p[0], p[1]))
		}
		for _, ins := range append(tree, across...) {
			g, arm := render(ins, nil)
			t.f("\t%s // %s", g, arm)
		}
		t.w("")
		t.w("\t// " + k.tail)
		t.w("\tCBZ N, done")
		t.w("")
		t.w("tail:")
		for j, in := range k.inputs {
			t.f("\tFMOVS.P 4(%s), F%d", ptr(in), 1+j)
		}
		t.w("\t" + k.scalar)
		t.w("\tSUBS    $1, N")
		t.w("\tBNE     tail")
		t.w("")
		t.w("done:")
		t.f("\tFMOVS F0, ret+%d(FP)", 24*len(k.inputs))
		t.w("\tRET")
	}}
}
