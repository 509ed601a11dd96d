// Package kernel is simdcore's float32 kernels: vector operations (Dot,
// Sum, Max, Argmax, Axpy, Scale, Add, Mul), activations (Exp, Tanh,
// Sigmoid, ReLU, GELU, GELUTanh, SiLU), the softmax family (Softmax, LogSoftmax, LogSumExp),
// the norms over a row (LayerNorm, RMSNorm, and LayerNormRows, RMSNormRows), matrix
// products (Gemv, GemvAdd, GemvT, Gemm), their int8 counterparts (DotInt8,
// QGemv, QGemvAdd, QGemm, QGemmAdd) and the pointwise step of the
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
// For the elementwise and reduction kernels on amd64 and arm64, the
// checks and the switch are generated assembly (dispatch_<arch>.s) that
// jumps to the level's implementation, so that a short call is one call.
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
// # Int8 kernels
//
// DotInt8, QGemv, QGemvAdd, QGemm and QGemmAdd run int8 weights
// (QMatrix, built once by QuantizeMatrix) against activations quantized
// at call time (QVector, QBatch). The scheme:
//
// Weights are quantized once, per output row and symmetrically: row r of
// a Matrix, with m_r = max_j |a[r,j]|, gets the float32 scale
// s_r = m_r/127 and the int8 values
//
//	q[r,j] = clamp(roundHalfEven(a[r,j] · (127/m_r)), −127, 127)
//
// where 127/m_r and the product are float32 (one rounding each), and a
// row whose m_r is below 2^−120 (zeros, or so small that 127/m_r would
// overflow float32) gets s_r = 0 and q = 0. Rounding is half to even
// (math.RoundToEven); saturation is the clamp, which only catches a
// product that rounded above 127 (the largest element maps to ±127).
// Activations are quantized the same way at call time, per vector (per
// row for a batch): s_x = m/127, q_x[j] = clamp(roundHalfEven(x[j]·
// (127/m)), −127, 127). −128 is never produced, so both sides lie in
// [−127, 127].
//
// A row's dot product acc_r = Σ_j q[r,j]·q_x[j] is computed in int32
// and is exact: at most 65536 columns per row (MaxQCols) keep
// |acc| ≤ 65536·128·127 < 2^31 (DotInt8 sums longer vectors in int32
// chunks of 65536, then in int64). Every level computes this integer, so
// every level returns the same bits. The float32 result is
//
//	y_r = float32(acc_r) · (s_r · s_x)
//
// with one rounding for the conversion (round to nearest even, exact
// below 2^24), one for s_r·s_x and one for the product; QGemvAdd and
// QGemmAdd then add y_r to dst (one more rounding). An activation vector
// holding NaN or ±Inf has s_x = NaN and all q_x = 0, so every result of
// that vector is NaN.
//
// A second plane brings the activations closer: QuantizeRemainder
// quantizes what a first plane leaves, r[j] = x[j] − s_x·q_x[j] (in
// float64, then float32), the same way, so x is within s_r/2 ≤ s_x/254
// of s_x·q_x + s_r·q_r, and a product is two int8 products, the second
// added (QGemvAdd, QGemmAdd). attn.MultiHead.QuantizeResidual uses it
// with two weight planes.
//
// How the int8 paths (Int8Path) compute the int32, each chosen by CPU
// feature within a level, capped by SIMDCORE_INT8=generic|avx2|avxvnni|
// avx512vnni|neon|neondot or SetInt8Path, and shown by simdcore info:
//
//   - generic: the plain loop.
//   - avx2 (AVX2 without VNNI): VPMADDUBSW multiplies unsigned by signed
//     bytes and adds pairs with int16 saturation. It is fed |x| (0..128,
//     as unsigned) and w·sign(x) (VPSIGNB), so a pair is at most
//     2·128·127 = 32512 < 32767 and never saturates; VPMADDWD by ones
//     widens the pairs to int32.
//   - avxvnni (AVX-VNNI, VEX VPDPBUSD on ymm) and avx512vnni (AVX-512
//     VNNI, EVEX VPDPBUSD on zmm): VPDPBUSD adds four u8×s8 products to an
//     int32 lane without saturation. It is fed u = x+128 (0..255, x XOR
//     0x80), so Σ u·w = Σ x·w + 128·Σ w; the row sums Σ w (QMatrix.RowSums,
//     kept at quantization; computed alongside for DotInt8) remove the
//     bias. The int32 lanes wrap, but the true result fits in int32, so
//     the wrapped arithmetic gives it exactly.
//   - neondot (NEON with the dot-product extension, ASIMDDP): SDOT, four
//     s8×s8 products per int32 lane.
//   - neon (plain NEON, Cortex-A53): SMULL and SMLAL2 (two products per
//     int16 lane, at most 2·128·127 = 32512) then SADALP into int32.
//
// QGemm and QGemmAdd run, at every path but generic, register-blocked
// tiles with the same products, and dequantize in the assembly with the
// same float32 operations as the Go code, so a batch's rows get QGemv's
// bits. At avx512vnni and avx2, for four rows of x or more, w is packed
// once (a copy kept with the QMatrix: for each group of four columns, the
// four bytes of 32 rows side by side) and each step broadcasts four
// bytes of a row of x against 32 rows of w, with no horizontal sums:
// tiles of eight rows of x (avx512vnni) or two (avx2). Otherwise, a tile
// of two rows of x by four rows of w (each weight vector loaded serves
// two activation rows).
//
// The quantizers' two passes (the largest magnitude, as an integer
// maximum of the sign-cleared bits; then multiply, round half to even,
// saturate) run in assembly at the AVX2, AVX512 and NEON levels, with the
// same float32 product and rounding as the Go code, so every level
// quantizes to the same bytes too.
//
// The bounds above need one operand in [−127, 127]: the weights
// (QMatrix.Data, which QuantizeMatrix keeps so; DotInt8 clamps its second
// operand, counting −128 as −127). The first operand (the activations)
// may hold −128. The tests (kernel/int8_test.go) hold every
// path to the generic path's bits, with −128, 127 and the biased 255 at
// the largest lengths, and skip a path the CPU lacks with a message
// naming the feature; SIMDCORE_REQUIRE_INT8=avxvnni,... makes such a skip
// a failure (CI sets it where the CPU has the paths).
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
