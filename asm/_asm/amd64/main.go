// Command amd64 writes simdcore's generated amd64 assembly at AVX2 and
// AVX-512: the kernels that share a skeleton (the elementwise binaries,
// the reductions, the matrix–vector kernels), Max, Index and the exp
// family. Run it from asm/_asm:
//
//	go run ./amd64 -out ..
//
// Each file is written by one function below (see files); every kernel is
// a small description (the per-vector computation) handed to a skeleton
// that owns the loops, the unrolling and the tail.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
)

// gen builds one assembly file; every instruction is a method of the
// embedded avo context.
type gen struct {
	*build.Context
	data map[string]Mem // constants defined in this file, by name
}

// file is one generated .s file: its name in package asm and the function
// that emits its contents.
type file struct {
	name string
	emit func(g *gen)
}

// files lists the generated files. A new kernel adds its own from its
// description's init, by register, so that this list needs no edit.
var files = []file{
	{"add_avx2_amd64.s", func(g *gen) { g.elementwise(add, avx2) }},
	{"add_avx512_amd64.s", func(g *gen) { g.elementwise(add, avx512) }},
	{"mul_avx2_amd64.s", func(g *gen) { g.elementwise(mul, avx2) }},
	{"mul_avx512_amd64.s", func(g *gen) { g.elementwise(mul, avx512) }},
	{"axpy_avx2_amd64.s", func(g *gen) { g.elementwise(axpy, avx2) }},
	{"axpy_avx512_amd64.s", func(g *gen) { g.elementwise(axpy, avx512) }},
	{"scale_avx2_amd64.s", func(g *gen) { g.elementwise(scale, avx2) }},
	{"scale_avx512_amd64.s", func(g *gen) { g.elementwise(scale, avx512) }},
	{"exp_avx2_amd64.s", func(g *gen) { g.activation(exp, avx2) }},
	{"exp_avx512_amd64.s", func(g *gen) { g.activation(exp, avx512) }},
	{"sigmoid_avx2_amd64.s", func(g *gen) { g.activation(sigmoidAt(avx2), avx2) }},
	{"sigmoid_avx512_amd64.s", func(g *gen) { g.activation(sigmoidAt(avx512), avx512) }},
	{"tanh_avx2_amd64.s", func(g *gen) { g.activation(tanhAt(avx2), avx2) }},
	{"tanh_avx512_amd64.s", func(g *gen) { g.activation(tanhAt(avx512), avx512) }},
	{"expshiftsum_avx2_amd64.s", func(g *gen) { g.expSum(expShiftSum, avx2) }},
	{"expshiftsum_avx512_amd64.s", func(g *gen) { g.expSum(expShiftSum, avx512) }},
	{"sumexpshift_avx2_amd64.s", func(g *gen) { g.expSum(sumExpShift, avx2) }},
	{"sumexpshift_avx512_amd64.s", func(g *gen) { g.expSum(sumExpShift, avx512) }},
	{"expscaledsummax_avx2_amd64.s", func(g *gen) { g.expScaledSumMax(avx2) }},
	{"expscaledsummax_avx512_amd64.s", func(g *gen) { g.expScaledSumMax(avx512) }},
	{"shiftsub_avx2_amd64.s", func(g *gen) { g.shiftSub(avx2) }},
	{"shiftsub_avx512_amd64.s", func(g *gen) { g.shiftSub(avx512) }},
	{"dot_avx2_amd64.s", func(g *gen) { g.reduction(dot, avx2) }},
	{"dot_avx512_amd64.s", func(g *gen) { g.reduction(dot, avx512) }},
	{"sum_avx2_amd64.s", func(g *gen) { g.reduction(sum, avx2) }},
	{"sum_avx512_amd64.s", func(g *gen) { g.reduction(sum, avx512) }},
	{"max_avx2_amd64.s", func(g *gen) { g.max(avx2) }},
	{"max_avx512_amd64.s", func(g *gen) { g.max(avx512) }},
	{"index_avx2_amd64.s", func(g *gen) { g.index(avx2) }},
	{"index_avx512_amd64.s", func(g *gen) { g.index(avx512) }},
	{"gemmkernel6x16_avx2_amd64.s", func(g *gen) { g.gemm(gemm6x16, avx2) }},
	{"gemmkernel14x32_avx512_amd64.s", func(g *gen) { g.gemm(gemm14x32, avx512) }},
	{"gemv_avx2_amd64.s", func(g *gen) { g.matvec(gemv{}, avx2) }},
	{"gemv_avx512_amd64.s", func(g *gen) { g.matvec(gemv{}, avx512) }},
	{"gemvt_avx2_amd64.s", func(g *gen) { g.matvec(gemvT{}, avx2) }},
	{"gemvt_avx512_amd64.s", func(g *gen) { g.matvec(gemvT{}, avx512) }},
}

// register adds a kernel's files (from an init).
func register(f ...file) { files = append(files, f...) }

// elsewhere lists the files written outside package asm, by directory
// relative to it: the measurement probes of internal/machbound (probe.go),
// which are not kernels and which package asm must not hold (only kernel
// imports it).
var elsewhere = map[string][]file{}

// allFiles returns every file the generator writes, in package asm and
// elsewhere.
func allFiles() []file {
	all := append([]file(nil), files...)
	for _, fs := range elsewhere {
		all = append(all, fs...)
	}
	return all
}

// passes are avo's compile passes minus those that could change the
// instructions written (pruning jumps and self-moves, register
// allocation): every register here is physical, chosen to reproduce the
// hand-written kernels this generator replaced, to the byte.
var passes = pass.Concat(
	pass.Verify,
	pass.FunctionPass(pass.LabelTarget),
	pass.FunctionPass(pass.CFG),
	pass.Func(pass.IncludeTextFlagHeader),
	pass.FunctionPass(pass.RequiredISAExtensions),
)

func main() {
	// A flag set of our own: importing avo's build package registers its
	// own flags (-out among them) on flag.CommandLine.
	fs := flag.NewFlagSet("amd64", flag.ExitOnError)
	out := fs.String("out", ".", "directory of package asm, where the .s files are written")
	fs.Parse(os.Args[1:])
	log.SetFlags(0)
	log.SetPrefix("amd64: ")
	write := func(dir string, fs []file) {
		for _, f := range fs {
			src, err := generate(f)
			if err != nil {
				log.Fatalf("%s: %v", f.name, err)
			}
			if err := os.WriteFile(filepath.Join(*out, dir, f.name), src, 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
	write("", files)
	for dir, fs := range elsewhere {
		write(dir, fs)
	}
}

// generate runs one file's emitter in a fresh avo context and prints it.
func generate(f file) ([]byte, error) {
	g := &gen{Context: build.NewContext(), data: map[string]Mem{}}
	g.ConstraintExpr("!purego,!noasm")
	f.emit(g)
	ir, err := g.Result()
	if err != nil {
		return nil, err
	}
	if err := passes.Execute(ir); err != nil {
		return nil, err
	}
	cfg := printer.Config{Name: "asm/_asm/amd64", Pkg: "asm"}
	src, err := printer.NewGoAsm(cfg).Print(ir)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(src, []byte("DO NOT EDIT")) {
		return nil, fmt.Errorf("no generated-code header")
	}
	return src, nil
}
