// Package table is the one list of simdcore's kernels: for each kernel its
// signature class, its implementation at every level (the registry name and
// the assembly it calls), its pure-Go version, its float64 reference, its
// contract and its benchmark sizes; and the Go declaration of every
// assembly function in package asm.
//
// It is data only and imports nothing but strings, so that the generator
// (kernel/internal/gen, run by go generate in package kernel) can read it
// without importing the code it writes. From it the generator writes:
//
//   - kernel/dispatch_{amd64,arm64,other}.go: the registrations and the
//     level switches (a plain switch on the active level, so that escape
//     analysis sees the //go:noescape assembly and callers' buffers stay on
//     the stack);
//   - kernel/dispatch_{amd64,arm64}.s: the level switches and argument
//     checks of the rows that dispatch in assembly (the elementwise and
//     reduction kernels), so that their exported functions inline into
//     the caller and make one call;
//   - kernel/dispatch_{amd64,arm64}_test.go: every row's implementation at
//     every level called directly, for the test that proves each switch
//     calls what the registry names;
//   - kernel/spec_funcs.go: the functions and references behind kernel.Specs;
//   - kernel/ref_funcs_test.go: the tests' map from each row's Ref to the
//     function in package ref;
//   - asm/*_{amd64,arm64}.go: the //go:noescape declarations and their
//     doc comments, one file per assembly function family.
//
// Package kernel exposes the rows read-only through kernel.Specs.
package table

import "strings"

// Class is a kernel's signature class: the shape of its public function.
type Class string

const (
	ClassUnary    Class = "unary"    // f(dst, src []float32), elementwise
	ClassBinary   Class = "binary"   // f(dst, a, b []float32), elementwise
	ClassReduce   Class = "reduce"   // f(x []float32) float32
	ClassDot      Class = "dot"      // f(x, y []float32) float32
	ClassAxpy     Class = "axpy"     // f(alpha float32, x, y []float32)
	ClassScale    Class = "scale"    // f(alpha float32, x []float32)
	ClassArgmax   Class = "argmax"   // f(x []float32) int
	ClassRow      Class = "row"      // f(dst, src []float32), every result depends on the whole row
	ClassGemv     Class = "gemv"     // f(dst []float32, a Matrix, x []float32)
	ClassGemm     Class = "gemm"     // f(tA, tB Transpose, alpha float32, a, b Matrix, beta float32, c Matrix)
	ClassLSTMCell Class = "lstmcell" // f(h, c, cPrev, gates []float32), one LSTM step of len(c) units
	ClassGRUCell  Class = "grucell"  // f(h, hPrev, xg, hg []float32), one GRU step of len(h) units
	ClassQDot     Class = "qdot"     // f(x, w []int8) int64
	ClassQGemv    Class = "qgemv"    // f(dst []float32, w *QMatrix, x *QVector)
	ClassQGemm    Class = "qgemm"    // f(c Matrix, x *QBatch, w *QMatrix)
	// f(dst, x, gamma, beta []float32, eps float32), one row; gamma and beta may be nil
	ClassLayerNorm Class = "layernorm"
	ClassRMSNorm   Class = "rmsnorm"  // f(dst, x, gamma []float32, eps float32), one row; gamma may be nil
	ClassInternal  Class = "internal" // a pass behind public kernels, not exported
)

// ContractKind says how a kernel's results relate to its float64 reference.
type ContractKind string

const (
	// Exact: every result is the reference rounded once to float32 (or, for
	// Max and Argmax, the reference itself), at every level.
	Exact ContractKind = "exact"
	// Fused: each result is one fused multiply-add, rounded once, at every
	// SIMD level; the generic level may round twice.
	Fused ContractKind = "fused"
	// ULP: every result is within ULP units in the last place of the
	// reference, over all 2^32 float32 inputs.
	ULP ContractKind = "ulp"
	// Reduction: a float32 sum in a level-dependent order, within
	// n·ε·Σ|terms| of the reference (ε = 2^-24).
	Reduction ContractKind = "reduction"
	// RowSum: within 2 ulp of the reference plus the relative error of a
	// float32 sum of n terms (the kernel's doc comment gives the bound).
	RowSum ContractKind = "rowsum"
	// Composed: a recurrent cell's results, within the bound that the
	// activations' ULP bound (Sigmoid's and Tanh's, 2 ulp) gives when
	// carried through the cell's formula, evaluated in the float32 order
	// its doc comment states, with one rounding per operation (the cell
	// suite, kernel/cell_test.go, computes it per element).
	Composed ContractKind = "composed"
	// Int8: the int8 kernels (kernel/int8.go). The int32 sums are exact,
	// so every level and int8 path returns the same bits; the float32
	// results are within three roundings (four when adding to dst) of the
	// float64 evaluation of the same quantized product.
	Int8 ContractKind = "int8"
	// Norm: LayerNorm's and RMSNorm's results, moments summed in float64
	// in a level-dependent order: within 2^-24·(|γ·x̂| + |y|) +
	// |γ|·(n+4)·2^-53·(|x̂| + r·Σ|x|/n) + 2^-150·(1+|γ|) of the reference y, x̂
	// the normalised value and r = 1/√(σ²+eps) (μ = 0 for RMSNorm; the
	// kernels' doc comments derive it).
	Norm ContractKind = "norm"
)

// Contract is what the tests hold a kernel to.
type Contract struct {
	Kind ContractKind
	ULP  float64 // the bound for Kind ULP and RowSum
}

// Bench lists the sizes a kernel is benchmarked at: n elements, or an n×n
// matrix (n³ for Gemm). Short is the subset of a quick run. Flops is the
// floating-point operations per element (per n² for the Gemv family, per
// n³ for Gemm) that GFLOP/s figures count; 0 for kernels timed in
// ns/element only.
type Bench struct {
	Sizes []int
	Short []int
	Flops float64
}

// Impl is one implementation of a kernel at one level.
type Impl struct {
	Level string // "avx2", "avx512" (amd64) or "neon" (arm64)
	// Name is the registry name, XNNPACK style: kernel, ISA, algorithm,
	// unroll ("exp_avx2_fma_rr2_p6_u4"). Empty on internal rows, which
	// are registered under the public kernel they serve.
	Name string
	// Symbols are the assembly functions the implementation calls, in
	// package asm.
	Symbols []string
	// Expr, when set, is the expression the level computes in place of
	// the default asm.Symbols[0](AsmArgs): Argmax on amd64 chains two
	// functions.
	Expr string
	// Call, when set, is the Go code of the case in the level switch,
	// returning what the row's function returns: where a level adapts the
	// assembly's results (the softmax family's first pass).
	Call string
	// AsmDoc, when set, declares Symbols[0] from the row itself: its Go
	// declaration has the row's Sig, this doc comment, and goes to
	// asm/<name in lower case>_<arch>.go (see AsmFuncs), so that an
	// elementwise kernel needs no entry in Asm. A level that runs another
	// level's assembly (AVX512 running an AVX2 kernel) leaves it empty:
	// one implementation declares each symbol.
	AsmDoc string
}

// Kernel is one row: a public kernel, or an internal pass that a public
// kernel's hand-written Go calls.
type Kernel struct {
	Name  string // the exported function ("Dot"), or the internal one
	Class Class
	Doc   string // one line: what it computes

	// Func is the level switch for one chunk of at most maxChunk elements
	// (or one call, for the matrix kernels), with signature Sig taking
	// Args. Empty where the row has no switch of its own (it reuses
	// another row's, or its dispatch is hand-written: see Dispatch); Sig
	// and Args are then the public function's.
	Func string
	Sig  string
	Args string // the arguments Func passes on to the generic function
	// PublicSig, when set, is the public function's signature where it
	// differs from Sig (the recurrent cells' switches take each block of
	// gates as a slice of its own).
	PublicSig string
	AsmArgs   string // the arguments Func passes on to the assembly, if not Args
	Generic   string // the pure-Go function (or, with GenericCall, the code) for the generic level
	// GenericCall, when set, is the Go code of the generic case.
	GenericCall string
	// Body, for a row whose public function's body is generated, names the body
	// template (the checks, race annotations and chunk loop of the public
	// function, ending in the level switch): "dot", "sum", "max",
	// "argmax", "axpy", "scale", "binary", "unary". The exported function
	// itself is hand-written, with its doc comment, and is one call to the
	// generated dispatch<Name>, which the compiler inlines.
	Body string
	// Dispatch says how a row without a generated switch dispatches.
	Dispatch string

	// BenchVs names, for a public row without a generated body, the row
	// whose assembly does its work at n=16, which the dispatch benchmark
	// calls directly to compare; rows with a body compare with their own.
	BenchVs BenchVs

	Ref      string // the float64 reference in kernel/ref
	Ref1     string // the scalar reference, for elementwise ULP rows
	Contract Contract
	Bench    Bench
	Impls    []Impl
}

// BenchVs is the direct call a public kernel's dispatch benchmark
// compares with: the row (its assembly at the active level), and the
// arguments the public function would pass it.
type BenchVs struct {
	Row        string
	Flags      int32 // expScaledFused's flags
	Accumulate bool  // gemv's accumulate
}

// AsmFuncs returns the Go declaration of every assembly function: Asm
// and AsmInt8, then, in the table's order, those that rows declare through their
// implementations' AsmDoc.
func AsmFuncs() []AsmFunc {
	out := append(append([]AsmFunc(nil), Asm...), AsmInt8...)
	for _, k := range Kernels {
		for _, im := range k.Impls {
			if im.AsmDoc == "" {
				continue
			}
			arch := "amd64"
			if im.Level == "neon" {
				arch = "arm64"
			}
			out = append(out, AsmFunc{Name: im.Symbols[0], Arch: arch, Sig: k.Sig,
				File: strings.ToLower(k.Name), Doc: im.AsmDoc})
		}
	}
	return out
}

// AsmFunc is the Go declaration of one assembly function.
type AsmFunc struct {
	Name string // "DotAVX2"
	Arch string // "amd64" or "arm64"
	Sig  string // "(x, y []float32) float32"
	// File is the declaration file's stem: asm/<File>_<Arch>.go. Several
	// functions of one family (every level of one kernel) share a file.
	File string
	Note string // a comment for the top of the file, before the first declaration
	Doc  string // the doc comment: what it computes and the reference loop
}
