// Command neon writes every NEON kernel, one file per kernel, named by the
// symbol it defines:
//
//	exp_neon_arm64.s             ExpNEON
//	tanh_neon_arm64.s            TanhNEON
//	sigmoid_neon_arm64.s         SigmoidNEON
//	expshiftsum_neon_arm64.s     ExpShiftSumNEON (Softmax's pass 2)
//	sumexpshift_neon_arm64.s     SumExpShiftNEON (LogSoftmax's, LogSumExp's pass 2)
//	shiftsub_neon_arm64.s        ShiftSubNEON (LogSoftmax's pass 3)
//	expscaledsummax_neon_arm64.s ExpScaledSumMaxNEON (the softmax family's pass 1)
//	add_neon_arm64.s             AddNEON
//	mul_neon_arm64.s             MulNEON
//	axpy_neon_arm64.s            AxpyNEON
//	scale_neon_arm64.s           ScaleNEON
//	dot_neon_arm64.s             DotNEON
//	sum_neon_arm64.s             SumNEON
//	max_neon_arm64.s             MaxNEON
//	gemv_neon_arm64.s            GemvNEON
//	gemvt_neon_arm64.s           GemvTNEON
//	gemmkernel8x12_neon_arm64.s  GemmKernel8x12NEON
//	argmax_neon_arm64.s          ArgmaxNEON
//
// The activation kernels' constants are read from package kernel's
// pure-Go kernels (kernel/*_generic.go), so the NEON kernels evaluate the same
// range reduction, polynomials and thresholds, in the same order and with
// the same fused multiply-adds, as the pure-Go ones. The one deliberate
// difference: the reciprocal y ≈ 1/den that the compensated quotients of
// Tanh and Sigmoid need is FRECPE refined by one FRECPS Newton step
// (about 16 bits, where 12 are needed), and the first quotient is
// q0 = num·y rather than a division; the compensation then corrects q0 as
// it corrects a rounded division, so no FDIV is left (see
// TestUnaryLevelsAgree and the ULP sweeps in ACCURACY.md).
//
// Each elementwise kernel is written once as a list of Arm instructions
// over symbolic registers; the generator interleaves copies of it (one per
// vector of an iteration) for the main loop, and uses one copy for whole
// vectors after it and for the 1..3-element tail, which is loaded and
// stored lane by lane so that memory past the slices is never touched.
// Instructions that Go's assembler has are emitted in Go syntax with the
// Arm syntax as a comment (checked against GNU objdump by
// internal/neonasm's tests); the others as WORD, encoded here by package
// internal/neonasm, with the Arm syntax as a comment (checked by
// TestAsmWords).
//
// go generate in package asm runs it from asm/_asm:
//
//	go run ./neon [-asm ..] [-kernel ../../kernel]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// output is one generated file: the symbol it defines, the file its
// constants come from (if any) and its code, after the notice.
type output struct {
	symbol string
	from   string
	emit   func(*text, constTable)
	file   string // the file's name, where the symbol does not end in NEON
}

// name returns the file's name in package asm, after its symbol:
// ExpShiftSumNEON is in expshiftsum_neon_arm64.s.
func (o output) name() string {
	if o.file != "" {
		return o.file
	}
	return strings.ToLower(strings.TrimSuffix(o.symbol, "NEON")) + "_neon_arm64.s"
}

// activation returns the output of a kernel built on the constants of
// kernel/activation_generic.go.
func activation(symbol string, emit func(*text, constTable)) output {
	return activationFrom(symbol, "kernel/activation_generic.go", emit)
}

// activationFrom returns the output of a kernel built on the constants of
// package kernel's file from, which its header names.
func activationFrom(symbol, from string, emit func(*text, constTable)) output {
	return output{symbol: symbol, from: from, emit: func(t *text, c constTable) {
		activationPreamble(t, symbol)
		emit(t, c)
	}}
}

// elementwise returns the output of an elementwise activation kernel.
func elementwise(k *kernel) output { return activation(k.name+"NEON", k.emit) }

// outputs lists the generated files. A new kernel may instead add its own
// from its description's init, by register, so that this list needs no
// edit.
var outputs = []output{
	elementwise(expK), elementwise(tanhK), elementwise(sigmoidK),
	elementwise(expShiftSumK), elementwise(sumExpShiftK), elementwise(shiftSubK),
	activation("ExpScaledSumMaxNEON", expScaledSumMax),
	stream(addK), stream(mulK), stream(axpyK), stream(scaleK), sum(dotK), sum(sumK), sum(maxK),
	matvec(gemvK), matvec(gemvTK), gemm(), argmax(),
}

// register adds a kernel's outputs (from an init).
func register(o ...output) { outputs = append(outputs, o...) }

func main() {
	asmDir := flag.String("asm", "..", "the directory of package asm, where the .s files are written")
	kernelDir := flag.String("kernel", "../../kernel", "the directory of package kernel, whose *_generic.go files the constants are read from")
	flag.Parse()
	c, err := kernelConsts(*kernelDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, o := range outputs {
		src, err := generate(o, c)
		if err == nil {
			err = os.WriteFile(filepath.Join(*asmDir, o.name()), []byte(src), 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", o.name(), err)
			os.Exit(1)
		}
	}
}

// generate returns the text of one file. The builders panic on a template
// they cannot render (a missing register, an instruction neonasm cannot
// encode, a constant that is not a float32); generate returns that as an
// error.
func generate(o output, c constTable) (src string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	t := &text{c: c}
	t.w("//go:build !purego && !noasm")
	t.w("")
	if o.from != "" {
		t.f("// Code generated by asm/_asm/neon from %s. DO NOT EDIT.", o.from)
	} else {
		t.w("// Code generated by asm/_asm/neon. DO NOT EDIT.")
	}
	o.emit(t, c)
	return t.String(), nil
}

// activationPreamble writes what the activation kernels' files share
// after the notice: the CPU they need, and the register names.
func activationPreamble(t *text, symbol string) {
	t.w("")
	t.f("// %s require ARMv8-A Advanced SIMD only (every arm64 CPU).", symbol)
	t.w("")
	t.w(`#include "textflag.h"`)
	t.w("")
	t.w("#define DST R0 // &dst[i]")
	t.w("#define SRC R1 // &src[i] (&x[i])")
	t.w("#define N   R2 // elements left")
	t.w("#define TAB R3 // the constant table")
}

// registersPreamble writes what the files of the kernels that were once
// written by hand share after the notice, up to their register names.
func registersPreamble(t *text, symbol string) {
	t.w("")
	t.w(`#include "textflag.h"`)
	t.w("")
	t.f("// %s requires ARMv8-A Advanced SIMD only (every arm64 CPU).", symbol)
	t.w("//")
	t.w("// Registers:")
}

// endLoop32 ends the main loop of those kernels, which keeps N 32 below
// the elements left, and restores N after it at label rest.
func endLoop32(t *text) {
	t.w("\tSUBS   $32, N")
	t.w("\tBGE    loop32")
	t.w("")
	t.w("rest:")
	t.w("\tADD $32, N // back to the true count, 0..31")
}
