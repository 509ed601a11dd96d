package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/simdcore/simdcore/internal/neonasm"
)

// regs maps the symbolic register names of an instruction template
// ({x}, {t0}, {k_one}, {acc}, ...) to vector register numbers.
type regs map[string]int

// with returns a copy of r with the entries of more added.
func (r regs) with(more regs) regs {
	out := regs{}
	for k, v := range r {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// goThreeSame maps the three-register Arm mnemonics that Go's assembler
// spells itself to its names; Go lists the operands in reverse order.
var goThreeSame = map[string]string{
	"fmla": "VFMLA", "fmls": "VFMLS", "add": "VADD", "sub": "VSUB",
	"orr": "VORR", "and": "VAND", "eor": "VEOR", "bit": "VBIT", "bif": "VBIF", "bsl": "VBSL",
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// render turns one instruction template in Arm syntax into the Go
// assembler's form and the Arm text that goes beside it as a comment:
// Go's own mnemonic where it has one (VFMLA, VMOV, VSHL, ...), else a
// WORD holding the encoding from package neonasm.
func render(ins string, r regs) (goSyntax, arm string) {
	arm = placeholder.ReplaceAllStringFunc(ins, func(m string) string {
		n, ok := r[m[1:len(m)-1]]
		if !ok {
			panic(fmt.Sprintf("%q: no register for %s", ins, m))
		}
		return fmt.Sprintf("v%d", n)
	})
	mn, args, _ := strings.Cut(arm, " ")
	var ops []string
	for _, a := range strings.Split(args, ",") {
		ops = append(ops, strings.TrimSpace(a))
	}
	if g, ok := goThreeSame[mn]; ok && len(ops) == 3 && strings.HasPrefix(ops[2], "v") && !strings.Contains(ops[2], "[") &&
		!strings.HasSuffix(ops[0], ".2d") { // Go's VFMLA has no .2d form: a WORD
		return fmt.Sprintf("%s %s, %s, %s", g, goVec(ops[2]), goVec(ops[1]), goVec(ops[0])), arm
	}
	if mn == "mov" && len(ops) == 2 {
		return fmt.Sprintf("VMOV %s, %s", goVec(ops[1]), goVec(ops[0])), arm
	}
	if mn == "shl" {
		return fmt.Sprintf("VSHL $%s, %s, %s", ops[2][1:], goVec(ops[1]), goVec(ops[0])), arm
	}
	w, err := neonasm.Word(arm)
	if err != nil {
		panic(err)
	}
	return w, arm
}

// goVec spells a vector operand (v3.4s, v7.16b) as Go's assembler does.
func goVec(op string) string {
	r, arr, _ := strings.Cut(op, ".")
	g, ok := map[string]string{"4s": "S4", "16b": "B16"}[arr]
	if !ok {
		panic(fmt.Sprintf("vector operand %q: arrangement not .4s or .16b", op))
	}
	return fmt.Sprintf("V%s.%s", r[1:], g)
}

// padMnemonic pads the mnemonic of an instruction in Go syntax to width,
// to align its operands with those of the lines around it.
func padMnemonic(g string, width int) string {
	mn, ops, _ := strings.Cut(g, " ")
	return fmt.Sprintf("%-*s %s", width, mn, ops)
}

// text accumulates the lines of one assembly file; c holds package
// kernel's constants, for the splat pseudo-instruction.
type text struct {
	lines []string
	c     constTable
}

// w adds one line as is.
func (t *text) w(line string) { t.lines = append(t.lines, line) }

// f adds one formatted line.
func (t *text) f(format string, a ...any) { t.w(fmt.Sprintf(format, a...)) }

// ins adds an instruction template rendered with r, the Arm syntax beside
// it as a comment.
func (t *text) ins(template string, r regs) {
	g, arm := render(template, r)
	t.f("\t%-40s // %s", g, arm)
}

// code adds a list of templates: a line starting with // is a comment,
// written once; each instruction is written once per register set, in
// turn, which interleaves independent copies of the computation. The
// pseudo-instruction "splat {reg}, name" sets every lane of reg to
// package kernel's float32 constant name, or to the bits 0x… given
// (MOVW into R6, then VDUP), for
// kernels whose constants do not all fit in registers.
func (t *text) code(sets []regs, body []string) {
	for _, ins := range body {
		if strings.HasPrefix(ins, "//") {
			t.w("\t" + ins)
			continue
		}
		for _, r := range sets {
			if op, ok := strings.CutPrefix(ins, "splat "); ok {
				t.splat(op, r)
				continue
			}
			t.ins(ins, r)
		}
	}
}

// splat writes "splat {reg}, name" (see code).
func (t *text) splat(op string, r regs) {
	reg, name, _ := strings.Cut(op, ", ")
	v := placeholder.ReplaceAllStringFunc(reg, func(m string) string {
		n, ok := r[m[1:len(m)-1]]
		if !ok {
			panic(fmt.Sprintf("splat %q: no register for %s", op, m))
		}
		return fmt.Sprintf("V%d", n)
	})
	var bits uint32
	if _, err := fmt.Sscanf(name, "0x%x", &bits); err != nil {
		if bits, err = t.c.bits(name); err != nil {
			panic(err)
		}
	}
	t.f("\tMOVW $0x%08x, R6 // %s", bits, name)
	t.f("\tVDUP R6, %s.S4", v)
}

// scalar adds a scalar instruction in Go syntax with its Arm syntax beside it.
func (t *text) scalar(goSyntax, arm string) { t.f("\t%-40s // %s", goSyntax, arm) }

// String returns the file's text.
func (t *text) String() string { return strings.Join(t.lines, "\n") + "\n" }
