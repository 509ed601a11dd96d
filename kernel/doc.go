// Package kernel is simdcore's float32 kernels: vector operations (Dot,
// Sum, Max, Argmax, Axpy, Scale, Add, Mul), activations (Exp, Tanh,
// Sigmoid, ReLU, GELU, GELUTanh, SiLU), the softmax family (Softmax, LogSoftmax, LogSumExp),
// the norms over a row (LayerNorm, RMSNorm, and LayerNormRows, RMSNormRows), matrix
// products (Gemv, GemvAdd, GemvT, Gemm) and the pointwise step of the
// recurrent cells (LSTMCell, GRUCell), each in generated assembly
// (package asm) for several instruction-set levels and in pure Go.
//
// # Levels
//
// A Level is what the kernels may use: Generic (pure Go, always there),
// AVX2 (with FMA) and AVX512 on amd64, NEON on arm64. At start-up the
// package takes the most capable level the CPU and build support
// (klauspost/cpuid); SIMDCORE_LEVEL=generic|avx2|avx512|neon caps it, and
// SetLevel changes it (tests, benchmarks, start-up code). Builds with the
// purego or noasm tag, or for other architectures, have Generic only.
//
// # Dispatch
//
// Each exported kernel is one call of a generated body (dispatch_<arch>.go)
// that the compiler inlines into the caller. The body checks the
// arguments (a mismatch panics naming the function and the sizes), tells
// the race detector what the assembly reads and writes, and for up to
// 65536 elements switches on the active level and calls the assembly
// directly: one predictable branch, no function value, so escape analysis
// sees the //go:noescape assembly and callers' buffers stay on the stack.
// Longer slices go in chunks of 65536 elements, so that the goroutine
// stays preemptible. Softmax, LogSoftmax, LogSumExp and Gemm have
// hand-written bodies over generated switches.
//
// # Contract
//
// Every kernel is tested at every level against a float64 reference in
// package ref, to the contract its Spec states: Exact (the reference
// rounded once), Fused (one rounding per fused multiply-add at the SIMD
// levels), ULP (a bound in ulps over all 2^32 inputs), Reduction (a
// float32 sum in a level-dependent order, within n·ε·Σ|terms|), RowSum
// (the softmax family) or Composed (the cells: the activations' ULP bound
// carried through the formula). Each kernel's doc comment states its contract,
// its NaN and Inf rules and its algorithm. Results may differ between
// levels within the contract; at one level they are deterministic.
//
// # The kernel table
//
// The one list of kernels is kernel/internal/table: per kernel its class,
// its implementation at every level (registry name and assembly symbols),
// its generic function, reference, contract and benchmark sizes, and the
// Go declaration of every assembly function. go generate writes the
// dispatch, the registrations, the asm declarations and the tests' and
// benchmarks' direct calls from it. Specs and SpecOf expose it at run
// time (cmd/simdcore bench and internal/cmd/ulpsweep iterate it);
// Kernels, Implementations and Current list what this binary can run.
//
// # Adding a kernel
//
//  1. Add its row to kernel/internal/table (kernels.go); an elementwise
//     kernel declares its assembly functions in the row (Impl.AsmDoc, with
//     the reference loop), other shapes in asm.go.
//  2. Describe its assembly for the generators in asm/_asm (amd64 and
//     neon: one file each, registering its output from an init).
//  3. Write its pure-Go version and the exported function, with its doc
//     comment, as one call of the generated dispatch<Name>, and its
//     float64 reference in ref.
//  4. Run go generate ./... and go test ./kernel/...: the family's suite,
//     the dispatch tests and the benchmarks pick the row up from the
//     table. docs/ARCHITECTURE.md says more; the ReLU and GELU commits
//     show it.
package kernel

//go:generate go run ./internal/gen
