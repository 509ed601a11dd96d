package table

// The benchmark sizes shared by several rows.
var (
	vecSizes  = []int{256, 4096, 65536}
	longSizes = []int{16, 256, 4096, 65536, 1 << 20}
	short4096 = []int{4096}
	gemvSizes = []int{64, 256, 1024, 4096}
	cellSizes = []int{64, 256, 1024, 4096} // hidden sizes of recurrent nets
)

// impls builds a row's implementations from (level, registry name,
// symbol) triples; the symbol is empty for the generic level.
func impls(v ...string) []Impl {
	var out []Impl
	for i := 0; i < len(v); i += 3 {
		im := Impl{Level: v[i], Name: v[i+1]}
		if v[i+2] != "" {
			im.Symbols = []string{v[i+2]}
		}
		out = append(out, im)
	}
	return out
}

// Kernels is the table: the public kernels first, in the order of the
// package documentation, then the internal passes.
//
// Special cases, and how each is generated:
//
//   - Argmax on amd64 is two passes, Max then Index (the first element
//     equal to the maximum): its Impls name both symbols and Call chains
//     them. On arm64 it is one NEON kernel.
//   - Softmax, LogSoftmax and LogSumExp have hand-written bodies
//     (softmax.go) that call several internal rows (expScaledPass,
//     expScaledSumMax, expShiftSum, sumExpShift, shiftSub) and the switches
//     of Scale and Max. Their rows carry the registry names and list every
//     symbol a level may call; the generator writes only their
//     registrations.
//   - Gemv and GemvAdd share the internal row gemv; GemvT has gemvT. Their
//     public bodies (gemv.go) cut the matrix into blocks of at most
//     maxChunk elements and call those switches.
//   - Gemm's dispatch picks a microkernel and its cache blocking per level
//     and runs edge tiles through a buffer: it stays hand-written in
//     gemm_<arch>.go. The generator writes its registrations and its
//     microkernels' declarations.
var Kernels = []Kernel{
	{
		Name: "Dot", Class: ClassDot, Doc: "Σ x[i]·y[i]",
		Func: "dot", Sig: "(x, y []float32) float32", Args: "x, y", Generic: "dotGeneric", Body: "dot",
		Ref: "ref.Dot", Contract: Contract{Kind: Reduction},
		Bench: Bench{Sizes: longSizes, Short: short4096, Flops: 2},
		Impls: impls("generic", "dot_generic", "",
			"avx2", "dot_avx2_fma_u8", "DotAVX2",
			"avx512", "dot_avx512_u8", "DotAVX512",
			"neon", "dot_neon_u32", "DotNEON"),
	},
	{
		Name: "Sum", Class: ClassReduce, Doc: "Σ x[i]",
		Func: "sum", Sig: "(x []float32) float32", Args: "x", Generic: "sumGeneric", Body: "sum",
		Ref: "ref.Sum", Contract: Contract{Kind: Reduction},
		Bench: Bench{Sizes: vecSizes, Flops: 1},
		Impls: impls("generic", "sum_generic", "",
			"avx2", "sum_avx2_u8", "SumAVX2",
			"avx512", "sum_avx512_u8", "SumAVX512",
			"neon", "sum_neon_u32", "SumNEON"),
	},
	{
		Name: "Max", Class: ClassReduce, Doc: "the largest element (NaN if any)",
		Func: "max32", Sig: "(x []float32) float32", Args: "x", Generic: "maxGeneric", Body: "max",
		Ref: "ref.Max", Contract: Contract{Kind: Exact},
		Bench: Bench{Sizes: vecSizes},
		Impls: impls("generic", "max_generic", "",
			"avx2", "max_avx2_u8_unord", "MaxAVX2",
			"avx512", "max_avx512_u8_kord", "MaxAVX512",
			"neon", "max_neon_u32", "MaxNEON"),
	},
	{
		Name: "Argmax", Class: ClassArgmax, Doc: "the index of the first maximum (or first NaN)",
		Func: "argmax", Sig: "(x []float32) int", Args: "x", Generic: "argmaxGeneric", Body: "argmax",
		Ref: "ref.Argmax", Contract: Contract{Kind: Exact},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "argmax_generic"},
			{Level: "avx2", Name: "argmax_avx2_2pass_u8", Symbols: []string{"MaxAVX2", "IndexAVX2"},
				Expr: "asm.IndexAVX2(x, asm.MaxAVX2(x))"},
			{Level: "avx512", Name: "argmax_avx512_2pass_u8", Symbols: []string{"MaxAVX512", "IndexAVX512"},
				Expr: "asm.IndexAVX512(x, asm.MaxAVX512(x))"},
			{Level: "neon", Name: "argmax_neon_lanes_u16", Symbols: []string{"ArgmaxNEON"}},
		},
	},
	{
		Name: "Axpy", Class: ClassAxpy, Doc: "y[i] += alpha·x[i]",
		Func: "axpy", Sig: "(alpha float32, x, y []float32)", Args: "alpha, x, y", Generic: "axpyGeneric", Body: "axpy",
		Ref: "ref.Axpy", Contract: Contract{Kind: Fused},
		Bench: Bench{Sizes: longSizes, Short: short4096, Flops: 2},
		Impls: impls("generic", "axpy_generic", "",
			"avx2", "axpy_avx2_fma_u4", "AxpyAVX2",
			"avx512", "axpy_avx512_u4", "AxpyAVX512",
			"neon", "axpy_neon_u32", "AxpyNEON"),
	},
	{
		Name: "Scale", Class: ClassScale, Doc: "x[i] *= alpha",
		Func: "scale", Sig: "(alpha float32, x []float32)", Args: "alpha, x", Generic: "scaleGeneric", Body: "scale",
		Ref: "ref.Scale", Contract: Contract{Kind: Exact},
		Bench: Bench{Sizes: vecSizes},
		Impls: impls("generic", "scale_generic", "",
			"avx2", "scale_avx2_u4", "ScaleAVX2",
			"avx512", "scale_avx512_u4", "ScaleAVX512",
			"neon", "scale_neon_u32", "ScaleNEON"),
	},
	{
		Name: "Add", Class: ClassBinary, Doc: "dst[i] = a[i] + b[i]",
		Func: "add", Sig: "(dst, a, b []float32)", Args: "dst, a, b", Generic: "addGeneric", Body: "binary",
		Ref: "ref.Add", Contract: Contract{Kind: Exact},
		Bench: Bench{Sizes: vecSizes},
		Impls: impls("generic", "add_generic", "",
			"avx2", "add_avx2_u4", "AddAVX2",
			"avx512", "add_avx512_u4", "AddAVX512",
			"neon", "add_neon_u32", "AddNEON"),
	},
	{
		Name: "Mul", Class: ClassBinary, Doc: "dst[i] = a[i] · b[i]",
		Func: "mul", Sig: "(dst, a, b []float32)", Args: "dst, a, b", Generic: "mulGeneric", Body: "binary",
		Ref: "ref.Mul", Contract: Contract{Kind: Exact},
		Bench: Bench{Sizes: vecSizes},
		Impls: impls("generic", "mul_generic", "",
			"avx2", "mul_avx2_u4", "MulAVX2",
			"avx512", "mul_avx512_u4", "MulAVX512",
			"neon", "mul_neon_u32", "MulNEON"),
	},
	{
		Name: "Exp", Class: ClassUnary, Doc: "dst[i] = e^src[i]",
		Func: "exp32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "expGeneric", Body: "unary",
		Ref: "ref.Exp", Ref1: "ref.Exp1", Contract: Contract{Kind: ULP, ULP: 1},
		Bench: Bench{Sizes: vecSizes, Short: short4096},
		Impls: impls("generic", "exp_generic_f64_lut32_p4", "",
			"avx2", "exp_avx2_fma_rr2_p6_u4", "ExpAVX2",
			"avx512", "exp_avx512_rr2_p6_scalef_u4", "ExpAVX512",
			"neon", "exp_neon_rr2_p6_u8", "ExpNEON"),
	},
	{
		Name: "Tanh", Class: ClassUnary, Doc: "dst[i] = tanh(src[i])",
		Func: "tanh32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "tanhGeneric", Body: "unary",
		Ref: "ref.Tanh", Ref1: "ref.Tanh1", Contract: Contract{Kind: ULP, ULP: 2},
		Bench: Bench{Sizes: vecSizes},
		Impls: impls("generic", "tanh_generic_f64_lut32_p4_div", "",
			"avx2", "tanh_avx2_fma_rr2_expm1p7_divcomp_u3", "TanhAVX2",
			"avx512", "tanh_avx512_rr2_expm1p7_rcp14comp_u4", "TanhAVX512",
			"neon", "tanh_neon_rr2_expm1p7_recps_u8", "TanhNEON"),
	},
	{
		Name: "Sigmoid", Class: ClassUnary, Doc: "dst[i] = 1/(1+e^−src[i])",
		Func: "sigmoid32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "sigmoidGeneric", Body: "unary",
		Ref: "ref.Sigmoid", Ref1: "ref.Sigmoid1", Contract: Contract{Kind: ULP, ULP: 2},
		Bench: Bench{Sizes: vecSizes},
		Impls: impls("generic", "sigmoid_generic_f64_lut32_p4_div", "",
			"avx2", "sigmoid_avx2_fma_rr2_p6_divcomp_u4", "SigmoidAVX2",
			"avx512", "sigmoid_avx512_rr2_p6_scalef_rcp14comp_u4", "SigmoidAVX512",
			"neon", "sigmoid_neon_rr2_p6_recps_u8", "SigmoidNEON"),
	},
	{
		Name: "ReLU", Class: ClassUnary, Doc: "dst[i] = max(src[i], 0), NaN and −0 kept",
		Func: "relu32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "reluGeneric", Body: "unary",
		Ref: "ref.ReLU", Ref1: "ref.ReLU1", Contract: Contract{Kind: Exact},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "relu_generic"},
			{Level: "avx2", Name: "relu_avx2_u4", Symbols: []string{"ReLUAVX2"},
				AsmDoc: `ReLUAVX2 computes dst[i] = max(src[i], 0) for i < len(src) with AVX2:
VMAXPS with x as Intel's second source, so NaN (its payload too) and −0
are kept; four vectors per iteration, a tail through a buffer that never
touches memory past the slices. len(dst) must be ≥ len(src); dst may be
src.

	for i, x := range src {
		dst[i] = x < 0 ? +0 : x // kernel.reluGeneric, exact
	}`},
			{Level: "avx512", Name: "relu_avx512_u4", Symbols: []string{"ReLUAVX512"},
				AsmDoc: `ReLUAVX512 computes dst[i] = max(src[i], 0) for i < len(src) with
AVX-512F: VMAXPS with x as Intel's second source, so NaN (its payload
too) and −0 are kept; four vectors per iteration, then one at a time,
and a K-masked tail that never touches memory past the slices.
len(dst) must be ≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = x < 0 ? +0 : x // kernel.reluGeneric, exact
	}`},
			{Level: "neon", Name: "relu_neon_u16", Symbols: []string{"ReLUNEON"},
				AsmDoc: `ReLUNEON computes dst[i] = max(src[i], 0) for i < len(src): FCMLT #0
then BIC, so NaN (its payload too) and −0 are kept; 16 elements per
iteration as four vectors, and a lane-by-lane tail that never touches
memory past the slices. len(dst) must be ≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = x < 0 ? +0 : x // kernel.reluGeneric, exact
	}`},
		},
	},
	{
		Name: "GELU", Class: ClassUnary, Doc: "dst[i] = src[i]·Φ(src[i]), the erf form",
		Func: "gelu32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "geluGeneric", Body: "unary",
		Ref: "ref.GELU", Ref1: "ref.GELU1", Contract: Contract{Kind: ULP, ULP: 2.5},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "gelu_generic_f64_erfc_h11_lut32_p4"},
			{Level: "avx2", Name: "gelu_avx2_fma_erfc_h11_div_u1", Symbols: []string{"GELUAVX2"},
				AsmDoc: `GELUAVX2 computes dst[i] = gelu(src[i]) (erf form) for i < len(src)
with AVX2+FMA3, each lane running gelu32's float32 steps and fused
multiply-adds (VDIVPS for s = 4/(4+t)), so the results are the generic
level's to the bit; one vector per iteration, a tail through a buffer
that never touches memory past the slices. len(dst) must be ≥
len(src); dst may be src.

	for i, x := range src {
		dst[i] = gelu32(x) // within 2.5 ulp
	}`},
			{Level: "avx512", Name: "gelu_avx512_erfc_h11_div_u2", Symbols: []string{"GELUAVX512"},
				AsmDoc: `GELUAVX512 computes dst[i] = gelu(src[i]) (erf form) for i < len(src)
with AVX-512F+DQ, each lane running gelu32's float32 steps and fused
multiply-adds (VDIVPS for s = 4/(4+t), no reciprocal estimate), so the
results are GELUAVX2's and the generic steps' to the bit; two vectors
per iteration (one on each half of the 32 registers, constants read by
embedded broadcast), a pair under K-masks for the last 1..31 elements,
which never touches memory past the slices. len(dst) must be ≥
len(src); dst may be src.

	for i, x := range src {
		dst[i] = gelu32(x) // within 2.5 ulp
	}`},
			{Level: "neon", Name: "gelu_neon_erfc_h11_div_u1", Symbols: []string{"GELUNEON"},
				AsmDoc: `GELUNEON computes dst[i] = gelu(src[i]) (erf form) for i < len(src),
each lane running gelu32's float32 steps and fused multiply-adds (FDIV
for s = 4/(4+t)), so the results are the generic level's to the bit;
one vector per iteration and a lane-by-lane tail that never touches
memory past the slices. len(dst) must be ≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = gelu32(x) // within 2.5 ulp
	}`},
		},
	},
	{
		Name: "GELUTanh", Class: ClassUnary, Doc: "dst[i] = src[i]/2·(1+tanh(√(2/π)·(src[i]+0.044715·src[i]³)))",
		Func: "geluTanh32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "geluTanhGeneric", Body: "unary",
		Ref: "ref.GELUTanh", Ref1: "ref.GELUTanh1", Contract: Contract{Kind: ULP, ULP: 2},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "gelutanh_generic_f64_lut32_p4_div"},
			{Level: "avx2", Name: "gelutanh_avx2_fma_rr2_expm1p7_divcomp_u1", Symbols: []string{"GELUTanhAVX2"},
				AsmDoc: `GELUTanhAVX2 computes dst[i] = gelu_tanh(src[i]) for i < len(src)
with AVX2+FMA3, each lane running geluTanh32's float32 steps and fused
multiply-adds (two VDIVPS), so the results are the generic level's to
the bit; one vector per iteration, a tail through a buffer that never
touches memory past the slices. len(dst) must be ≥ len(src); dst may be
src.

	for i, x := range src {
		dst[i] = geluTanh32(x) // within 2 ulp
	}`},
			{Level: "avx512", Name: "gelutanh_avx512_rr2_expm1p7_divcomp_u2", Symbols: []string{"GELUTanhAVX512"},
				AsmDoc: `GELUTanhAVX512 computes dst[i] = gelu_tanh(src[i]) for i < len(src)
with AVX-512F+DQ, each lane running geluTanh32's float32 steps and
fused multiply-adds (two VDIVPS, no reciprocal estimate), so the
results are GELUTanhAVX2's and the generic steps' to the bit; two
vectors per iteration (one on each half of the 32 registers, constants
read by embedded broadcast), a pair under K-masks for the last 1..31
elements, which never touches memory past the slices. len(dst) must be
≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = geluTanh32(x) // within 2 ulp
	}`},
			{Level: "neon", Name: "gelutanh_neon_rr2_expm1p7_divcomp_u1", Symbols: []string{"GELUTanhNEON"},
				AsmDoc: `GELUTanhNEON computes dst[i] = gelu_tanh(src[i]) for i < len(src), each
lane running geluTanh32's float32 steps and fused multiply-adds (two
FDIV), so the results are the generic level's to the bit; one vector
per iteration and a lane-by-lane tail that never touches memory past
the slices. len(dst) must be ≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = geluTanh32(x) // within 2 ulp
	}`},
		},
	},
	{
		Name: "SiLU", Class: ClassUnary, Doc: "dst[i] = src[i]·σ(src[i]) = src[i]/(1+e^−src[i])",
		Func: "silu32s", Sig: "(dst, src []float32)", Args: "dst, src", Generic: "siluGeneric", Body: "unary",
		Ref: "ref.SiLU", Ref1: "ref.SiLU1", Contract: Contract{Kind: ULP, ULP: 2},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "silu_generic_f64_lut32_p4_div"},
			{Level: "avx2", Name: "silu_avx2_fma_rr2_expm1p7_divcomp_u1", Symbols: []string{"SiLUAVX2"},
				AsmDoc: `SiLUAVX2 computes dst[i] = silu(src[i]) = x·σ(x) for i < len(src)
with AVX2+FMA3, each lane running silu32's float32 steps and fused
multiply-adds (two VDIVPS), so the results are the generic level's to
the bit (silu(−Inf) = NaN as torch); one vector per iteration, a tail
through a buffer that never touches memory past the slices. len(dst)
must be ≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = silu32(x) // within 2 ulp
	}`},
			{Level: "avx512", Name: "silu_avx512_rr2_expm1p7_divcomp_u2", Symbols: []string{"SiLUAVX512"},
				AsmDoc: `SiLUAVX512 computes dst[i] = silu(src[i]) = x·σ(x) for i < len(src)
with AVX-512F+DQ, each lane running silu32's float32 steps and fused
multiply-adds (two VDIVPS, no reciprocal estimate), so the results are
SiLUAVX2's and the generic steps' to the bit (silu(−Inf) = NaN as
torch); two vectors per iteration (one on each half of the 32
registers, constants read by embedded broadcast), a pair under K-masks
for the last 1..31 elements, which never touches memory past the
slices. len(dst) must be ≥ len(src); dst may be src.

	for i, x := range src {
		dst[i] = silu32(x) // within 2 ulp
	}`},
			{Level: "neon", Name: "silu_neon_rr2_expm1p7_divcomp_u1", Symbols: []string{"SiLUNEON"},
				AsmDoc: `SiLUNEON computes dst[i] = silu(src[i]) = x·σ(x) for i < len(src), each
lane running silu32's float32 steps and fused multiply-adds (two FDIV),
so the results are the generic level's to the bit (silu(−Inf) = NaN as
torch); one vector per iteration and a lane-by-lane tail that never
touches memory past the slices. len(dst) must be ≥ len(src); dst may be
src.

	for i, x := range src {
		dst[i] = silu32(x) // within 2 ulp
	}`},
		},
	},
	{
		Name: "Softmax", Class: ClassRow, Doc: "dst = e^(src−max) / Σ e^(src−max)",
		Sig: "(dst, src []float32)", Args: "dst, src",
		Dispatch: "softmax.go: two passes over expScaledPass (or expScaledSumMax and Scale), three-pass fallback over Max, expShiftSum and Scale",
		BenchVs:  BenchVs{Row: "expScaledPass", Flags: 3},
		Ref:      "ref.Softmax", Contract: Contract{Kind: RowSum, ULP: 2},
		Bench: Bench{Sizes: vecSizes, Short: short4096},
		Impls: []Impl{
			{Level: "generic", Name: "softmax_generic_2pass"},
			{Level: "avx2", Name: "softmax_avx2_fma_2pass_rr2_p6_u4", Symbols: []string{"ExpScaledSumMaxAVX2", "ScaleAVX2", "MaxAVX2", "ExpShiftSumAVX2"}},
			{Level: "avx512", Name: "softmax_avx512_2pass_rr2_p6_u8", Symbols: []string{"ExpScaledSumMaxAVX512", "ScaleAVX512", "MaxAVX512", "ExpShiftSumAVX512"}},
			{Level: "neon", Name: "softmax_neon_2pass_u2", Symbols: []string{"ExpScaledSumMaxNEON", "ScaleNEON", "MaxNEON", "ExpShiftSumNEON"}},
		},
	},
	{
		Name: "LogSoftmax", Class: ClassRow, Doc: "dst = src − max − log Σ e^(src−max)",
		Sig: "(dst, src []float32)", Args: "dst, src",
		Dispatch: "softmax.go: two passes over expScaledPass (or expScaledSumMax and shiftSub), fallback over Max, sumExpShift and shiftSub",
		BenchVs:  BenchVs{Row: "expScaledPass", Flags: 5},
		Ref:      "ref.LogSoftmax", Contract: Contract{Kind: RowSum, ULP: 2},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "logsoftmax_generic_2pass"},
			{Level: "avx2", Name: "logsoftmax_avx2_fma_2pass_rr2_p6_u4", Symbols: []string{"ExpScaledSumMaxAVX2", "ShiftSubAVX2", "MaxAVX2", "SumExpShiftAVX2"}},
			{Level: "avx512", Name: "logsoftmax_avx512_2pass_rr2_p6_u8", Symbols: []string{"ExpScaledSumMaxAVX512", "ShiftSubAVX512", "MaxAVX512", "SumExpShiftAVX512"}},
			{Level: "neon", Name: "logsoftmax_neon_2pass_u2", Symbols: []string{"ExpScaledSumMaxNEON", "ShiftSubNEON", "MaxNEON", "SumExpShiftNEON"}},
		},
	},
	{
		Name: "LogSumExp", Class: ClassReduce, Doc: "log Σ e^x[i]",
		Sig: "(x []float32) float32", Args: "x",
		Dispatch: "softmax.go: one pass over expScaledPass (or expScaledSumMax), fallback over Max and sumExpShift",
		BenchVs:  BenchVs{Row: "expScaledPass", Flags: 1},
		Ref:      "ref.LogSumExp", Contract: Contract{Kind: RowSum, ULP: 1},
		Bench: Bench{Sizes: vecSizes},
		Impls: []Impl{
			{Level: "generic", Name: "logsumexp_generic_1pass"},
			{Level: "avx2", Name: "logsumexp_avx2_fma_1pass_rr2_p6_u4", Symbols: []string{"ExpScaledSumMaxAVX2", "MaxAVX2", "SumExpShiftAVX2"}},
			{Level: "avx512", Name: "logsumexp_avx512_1pass_rr2_p6_u8", Symbols: []string{"ExpScaledSumMaxAVX512", "MaxAVX512", "SumExpShiftAVX512"}},
			{Level: "neon", Name: "logsumexp_neon_1pass_u2", Symbols: []string{"ExpScaledSumMaxNEON", "MaxNEON", "SumExpShiftNEON"}},
		},
	},
	{
		Name: "LayerNorm", Class: ClassLayerNorm, Doc: "dst = (x − mean)/√(var + eps)·γ + β over one row",
		Sig: "(dst, x, gamma, beta []float32, eps float32)", Args: "dst, x, gamma, beta, eps",
		Dispatch: "norm.go: normSum, normSumSqDev and normApply, the moments in float64",
		Ref:      "ref.LayerNorm", Contract: Contract{Kind: Norm},
		Bench: Bench{Sizes: normSizes, Short: []int{256}},
		Impls: normImpls("layernorm"),
	},
	{
		Name: "RMSNorm", Class: ClassRMSNorm, Doc: "dst = x/√(mean(x²) + eps)·γ over one row",
		Sig: "(dst, x, gamma []float32, eps float32)", Args: "dst, x, gamma, eps",
		Dispatch: "norm.go: normSumSqDev and normApply, the moment in float64",
		Ref:      "ref.RMSNorm", Contract: Contract{Kind: Norm},
		Bench: Bench{Sizes: normSizes},
		Impls: normImpls("rmsnorm"),
	},
	{
		Name: "Gemv", Class: ClassGemv, Doc: "dst = a·x",
		Sig: "(dst []float32, a Matrix, x []float32)", Args: "dst, a, x", BenchVs: BenchVs{Row: "gemv"},
		Dispatch: "gemv.go: blocks of at most maxChunk elements through the gemv row",
		Ref:      "ref.Gemv", Contract: Contract{Kind: Reduction},
		Bench: Bench{Sizes: gemvSizes, Short: []int{256}, Flops: 2},
		Impls: gemvImpls,
	},
	{
		Name: "GemvAdd", Class: ClassGemv, Doc: "dst += a·x",
		Sig: "(dst []float32, a Matrix, x []float32)", Args: "dst, a, x", BenchVs: BenchVs{Row: "gemv", Accumulate: true},
		Dispatch: "gemv.go: blocks of at most maxChunk elements through the gemv row",
		Ref:      "ref.Gemv", Contract: Contract{Kind: Reduction},
		Bench: Bench{Sizes: gemvSizes, Flops: 2},
		Impls: gemvImpls,
	},
	{
		Name: "GemvT", Class: ClassGemv, Doc: "dst = aᵀ·x",
		Sig: "(dst []float32, a Matrix, x []float32)", Args: "dst, a, x", BenchVs: BenchVs{Row: "gemvT"},
		Dispatch: "gemv.go: blocks of at most maxChunk elements through the gemvT row",
		Ref:      "ref.GemvT", Contract: Contract{Kind: Reduction},
		Bench: Bench{Sizes: []int{256, 1024}, Flops: 2},
		Impls: impls("generic", "gemvt_generic", "",
			"avx2", "gemvt_avx2_r8_u2", "GemvTAVX2",
			"avx512", "gemvt_avx512_r8_u2", "GemvTAVX512",
			"neon", "gemvt_neon_r4_u16", "GemvTNEON"),
	},
	{
		Name: "Gemm", Class: ClassGemm, Doc: "c = alpha·op(a)·op(b) + beta·c",
		Dispatch: "gemm_<arch>.go: the level's microkernel and cache blocking, edge tiles through a buffer",
		Ref:      "ref.Gemm", Contract: Contract{Kind: Reduction},
		Bench: Bench{Sizes: []int{64, 256, 512}, Short: []int{256}, Flops: 2},
		Impls: impls("generic", "gemm_generic_4x4", "",
			"avx2", "gemm_avx2_6x16", "GemmKernel6x16AVX2",
			"avx512", "gemm_avx512_14x32", "GemmKernel14x32AVX512",
			"neon", "gemm_neon_8x12", "GemmKernel8x12NEON"),
	},
	{
		Name: "LSTMCell", Class: ClassLSTMCell, Doc: "one LSTM step: gates [i f g o] activated in place, c = f·cPrev + i·g, h = o·tanh(c)",
		Func: "lstmCell", Sig: "(h, c, cPrev, gi, gf, gg, gout []float32)",
		PublicSig: "(h, c, cPrev, gates []float32)", Args: "h, c, cPrev, gi, gf, gg, gout",
		Generic: "lstmCellGeneric", Body: "lstm",
		Ref: "ref.LSTMCell", Contract: Contract{Kind: Composed, ULP: 2},
		Bench: Bench{Sizes: cellSizes},
		Impls: []Impl{
			{Level: "generic", Name: "lstmcell_generic"},
			{Level: "avx2", Name: "lstmcell_avx2_fma_rr2_divcomp_u1", Symbols: []string{"LSTMCellAVX2"},
				AsmDoc: `LSTMCellAVX2 advances len(c) LSTM units by one step with AVX2+FMA3:
i, f, o = σ and g = tanh of the gate blocks by the AVX2 Sigmoid's and
Tanh's instruction sequences (so each is those kernels' result to the
bit), stored back over the blocks; c = f·cPrev + round(i·g) in one
VFMADD; h = round(o·tanh(c)). One vector per iteration, the last 1..7
units through buffers that never touch memory past the slices. Every
slice must have len(c) elements; c may be cPrev; no other overlap.

	for k := range c {
		i, f, g, o := σ(gi[k]), σ(gf[k]), tanh(gg[k]), σ(gout[k])
		gi[k], gf[k], gg[k], gout[k] = i, f, g, o
		c[k] = fma(f, cPrev[k], i*g)
		h[k] = o * tanh(c[k]) // kernel.lstmCellGeneric, Composed
	}`},
			{Level: "avx512", Name: "lstmcell_avx512_rr2_rcp14comp_u1", Symbols: []string{"LSTMCellAVX512"},
				AsmDoc: `LSTMCellAVX512 advances len(c) LSTM units by one step with AVX-512F:
i, f, o = σ and g = tanh of the gate blocks by the AVX-512 Sigmoid's and
Tanh's instruction sequences (so each is those kernels' result to the
bit), stored back over the blocks; c = f·cPrev + round(i·g) in one
VFMADD; h = round(o·tanh(c)). One zmm vector (sixteen units) per
iteration, the last 1..15 units under an opmask, never touching memory
past the slices. Every slice must have len(c) elements; c may be cPrev;
no other overlap.

	for k := range c {
		i, f, g, o := σ(gi[k]), σ(gf[k]), tanh(gg[k]), σ(gout[k])
		gi[k], gf[k], gg[k], gout[k] = i, f, g, o
		c[k] = fma(f, cPrev[k], i*g)
		h[k] = o * tanh(c[k]) // kernel.lstmCellGeneric, Composed
	}`},
			{Level: "neon", Name: "lstmcell_neon_rr2_recps_u1", Symbols: []string{"LSTMCellNEON"},
				AsmDoc: `LSTMCellNEON advances len(c) LSTM units by one step: i, f, o = σ and
g = tanh of the gate blocks by SigmoidNEON's and TanhNEON's instruction
templates (so each is those kernels' result to the bit), stored back
over the blocks; c = f·cPrev + round(i·g) in one FMLA;
h = round(o·tanh(c)). One vector per iteration, the last 1..3 units
lane by lane, never touching memory past the slices. Every slice must
have len(c) elements; c may be cPrev; no other overlap.

	for k := range c {
		i, f, g, o := σ(gi[k]), σ(gf[k]), tanh(gg[k]), σ(gout[k])
		gi[k], gf[k], gg[k], gout[k] = i, f, g, o
		c[k] = fma(f, cPrev[k], i*g)
		h[k] = o * tanh(c[k]) // kernel.lstmCellGeneric, Composed
	}`},
		},
	},
	{
		Name: "GRUCell", Class: ClassGRUCell, Doc: "one GRU step: xg = [r z m] in place, h = m + z·(hPrev − m)",
		Func: "gruCell", Sig: "(h, hPrev, xr, xz, xn, hr, hz, hn []float32)",
		PublicSig: "(h, hPrev, xg, hg []float32)", Args: "h, hPrev, xr, xz, xn, hr, hz, hn",
		Generic: "gruCellGeneric", Body: "gru",
		Ref: "ref.GRUCell", Contract: Contract{Kind: Composed, ULP: 2},
		Bench: Bench{Sizes: cellSizes},
		Impls: []Impl{
			{Level: "generic", Name: "grucell_generic"},
			{Level: "avx2", Name: "grucell_avx2_fma_rr2_divcomp_u1", Symbols: []string{"GRUCellAVX2"},
				AsmDoc: `GRUCellAVX2 advances len(h) GRU units by one step with AVX2+FMA3:
r = σ(xr + hr) and z = σ(xz + hz) (each sum rounded) and
m = tanh(r·hn + xn) (one VFMADD) by the AVX2 Sigmoid's and Tanh's
instruction sequences, stored over xr, xz, xn; h = z·(hPrev − m) + m
(the difference rounded, then one VFMADD). One vector per iteration,
the last 1..7 units through buffers that never touch memory past the
slices. Every slice must have len(h) elements; h may be hPrev; no other
overlap.

	for k := range h {
		r, z := σ(xr[k]+hr[k]), σ(xz[k]+hz[k])
		m := tanh(fma(r, hn[k], xn[k]))
		xr[k], xz[k], xn[k] = r, z, m
		h[k] = fma(z, hPrev[k]-m, m) // kernel.gruCellGeneric, Composed
	}`},
			{Level: "avx512", Name: "grucell_avx512_rr2_rcp14comp_u1", Symbols: []string{"GRUCellAVX512"},
				AsmDoc: `GRUCellAVX512 advances len(h) GRU units by one step with AVX-512F:
r = σ(xr + hr) and z = σ(xz + hz) (each sum rounded) and
m = tanh(r·hn + xn) (one VFMADD) by the AVX-512 Sigmoid's and Tanh's
instruction sequences, stored over xr, xz, xn; h = z·(hPrev − m) + m
(the difference rounded, then one VFMADD). One zmm vector (sixteen
units) per iteration, the last 1..15 units under an opmask, never
touching memory past the slices. Every slice must have len(h) elements;
h may be hPrev; no other overlap.

	for k := range h {
		r, z := σ(xr[k]+hr[k]), σ(xz[k]+hz[k])
		m := tanh(fma(r, hn[k], xn[k]))
		xr[k], xz[k], xn[k] = r, z, m
		h[k] = fma(z, hPrev[k]-m, m) // kernel.gruCellGeneric, Composed
	}`},
			{Level: "neon", Name: "grucell_neon_rr2_recps_u1", Symbols: []string{"GRUCellNEON"},
				AsmDoc: `GRUCellNEON advances len(h) GRU units by one step: r = σ(xr + hr) and
z = σ(xz + hz) (each sum rounded) and m = tanh(r·hn + xn) (one FMLA)
by SigmoidNEON's and TanhNEON's instruction templates, stored over xr,
xz, xn; h = z·(hPrev − m) + m (the difference rounded, then one FMLA).
One vector per iteration, the last 1..3 units lane by lane, never
touching memory past the slices. Every slice must have len(h) elements;
h may be hPrev; no other overlap.

	for k := range h {
		r, z := σ(xr[k]+hr[k]), σ(xz[k]+hz[k])
		m := tanh(fma(r, hn[k], xn[k]))
		xr[k], xz[k], xn[k] = r, z, m
		h[k] = fma(z, hPrev[k]-m, m) // kernel.gruCellGeneric, Composed
	}`},
		},
	},
	{
		Name: "DotInt8", Class: ClassQDot, Doc: "Σ x[i]·w[i] in int8, exact",
		Sig: "(x, w []int8) int64", Args: "x, w",
		Dispatch: "int8_<arch>.go: a switch on the int8 path (ActiveInt8), the last partial vector in Go",
		Ref:      "ref.DotInt8", Contract: Contract{Kind: Int8},
		Bench: Bench{Sizes: []int{256, 4096, 65536}, Flops: 2},
		Impls: int8Impls("dotint8", "u1", "DotInt8"),
	},
	qgemvRow("QGemv", "dst = w·x", []int{256}),
	qgemvRow("QGemvAdd", "dst += w·x", nil),
	qgemmRow("QGemm", "c = x·wᵀ", []int{256}),
	qgemmRow("QGemmAdd", "c += x·wᵀ", nil),

	// The internal passes.
	{
		Name: "gemv", Class: ClassInternal, Doc: "dst = a·x, or dst += a·x with accumulate (Gemv, GemvAdd)",
		Func: "gemv", Sig: "(dst []float32, a Matrix, x []float32, accumulate bool)",
		Args: "dst, a, x, accumulate", AsmArgs: "dst, a.Data, a.Stride, x, accumulate", Generic: "gemvGeneric", Body: "gemv",
		Impls: impls("generic", "", "", "avx2", "", "GemvAVX2", "avx512", "", "GemvAVX512", "neon", "", "GemvNEON"),
	},
	{
		Name: "gemvPanels", Class: ClassInternal, Doc: "dst = xᵀ·P (or dst += xᵀ·P) over a PackedB's micro-panels (GemvPacked)",
		Func: "gemvPanels", Sig: "(dst, p, x []float32, add bool)",
		Args: "dst, p, x, add", Generic: "gemvPanelsGeneric",
		Impls: impls("generic", "", "", "avx2", "", "GemvPanelsAVX2", "avx512", "", "GemvPanelsAVX512"),
	},
	{
		Name: "packTransposed", Class: ClassInternal, Doc: "dst[p·w+j] = src[j·stride+p] for j < cols and 0 for cols ≤ j < w, p < kc (Gemm's packing of a NoTrans a and a Trans b)",
		Func: "packTransposed", Sig: "(dst []float32, w int, src []float32, stride, cols, kc int)",
		Args: "dst, w, src, stride, cols, kc", Generic: "packTransposedGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx512", Symbols: []string{"PackTransposedAVX512"}, Call: "packTransposedAVX512(dst, w, src, stride, cols, kc)"},
		},
	},
	{
		Name: "gemvT", Class: ClassInternal, Doc: "dst += aᵀ·x (GemvT)",
		Func: "gemvT", Sig: "(dst []float32, a Matrix, x []float32)",
		Args: "dst, a, x", AsmArgs: "dst, a.Data, a.Stride, x", Generic: "gemvTGeneric", Body: "gemvT",
		Impls: impls("generic", "", "", "avx2", "", "GemvTAVX2", "avx512", "", "GemvTAVX512", "neon", "", "GemvTNEON"),
	},
	{
		Name: "maxAbsBits", Class: ClassInternal, Doc: "the largest |x[i]|'s bits, NaN's above Inf's (the int8 quantizers' scale)",
		Func: "maxAbsBits", Sig: "(x []float32) uint32", Args: "x", Generic: "maxAbsBitsGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"MaxAbsBitsAVX2"}, Expr: "max(asm.MaxAbsBitsAVX2(x[:len(x)&^31]), maxAbsBitsGeneric(x[len(x)&^31:]))"},
			{Level: "avx512", Symbols: []string{"MaxAbsBitsAVX512"}},
			{Level: "neon", Symbols: []string{"MaxAbsBitsNEON"}, Expr: "max(asm.MaxAbsBitsNEON(x[:len(x)&^15]), maxAbsBitsGeneric(x[len(x)&^15:]))"},
		},
	},
	{
		Name: "quantizeInt8", Class: ClassInternal, Doc: "dst[i] = clamp(roundHalfEven(src[i]·inv), −127, 127) (the int8 quantizers)",
		Func: "quantizeInt8", Sig: "(dst []int8, src []float32, inv float32)", Args: "dst, src, inv", Generic: "quantizeInt8Generic",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"QuantizeInt8AVX2"}, Call: quantizeInt8Call},
			{Level: "avx512", Symbols: []string{"QuantizeInt8AVX512"}, Call: "asm.QuantizeInt8AVX512(dst[:len(src)], src, inv)"},
			{Level: "neon", Symbols: []string{"QuantizeInt8NEON"}, Call: `m := len(src) &^ 15
asm.QuantizeInt8NEON(dst[:m], src[:m], inv)
quantizeInt8Generic(dst[m:len(src)], src[m:], inv)`},
		},
	},
	{
		Name: "normSum", Class: ClassInternal, Doc: "Σ x[i] in float64 (LayerNorm's first pass)",
		Func: "normSum", Sig: "(x []float32) float64", Args: "x", Generic: "normSumGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"NormSumAVX2"},
				AsmDoc: `NormSumAVX2 returns Σ x[i] in float64 with AVX2: VCVTPS2PD widens four
elements at a time into four accumulators of four doubles (sixteen
elements per iteration), summed as (a0 + a1) + (a2 + a3), then lane by
lane, then the last 0..3 elements one at a time, never reading past the
slice.

	var s float64
	for _, v := range x {
		s += float64(v) // kernel.normSumGeneric, in this order
	}
	return s`},
			{Level: "avx512", Symbols: []string{"NormSumAVX512"},
				AsmDoc: `NormSumAVX512 returns Σ x[i] in float64 with AVX-512, bit for bit
NormSumAVX2's sum: VCVTPS2PD widens eight elements at a time into two
accumulators of eight doubles, the same sixteen lanes in the same order
(sixteen elements per iteration), then NormSumAVX2's steps from its
four accumulators (Z0's and Z1's halves) on: groups of four, the fixed
tree, the last 0..3 elements one at a time, never reading past the
slice.

	var s float64
	for _, v := range x {
		s += float64(v) // kernel.normSumGeneric, in this order
	}
	return s`},
			{Level: "neon", Symbols: []string{"NormSumNEON"},
				AsmDoc: `NormSumNEON returns Σ x[i] in float64: FCVTL and FCVTL2 widen four
elements at a time into eight accumulators of two doubles (sixteen
elements per iteration), summed in a fixed tree, then the last elements
one at a time, never reading past the slice.

	var s float64
	for _, v := range x {
		s += float64(v) // kernel.normSumGeneric, in this order
	}
	return s`},
		},
	},
	{
		Name: "normSumSqDev", Class: ClassInternal, Doc: "Σ (x[i] − m)² in float64 (LayerNorm's second pass, RMSNorm's first with m = 0)",
		Func: "normSumSqDev", Sig: "(x []float32, m float64) float64", Args: "x, m", Generic: "normSumSqDevGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"NormSumSqDevAVX2"},
				AsmDoc: `NormSumSqDevAVX2 returns Σ (x[i] − m)² in float64 with AVX2+FMA3: as
NormSumAVX2, each widened vector less m, then squared and added by one
VFMADD231PD.

	var q float64
	for _, v := range x {
		d := float64(v) - m
		q += d * d // kernel.normSumSqDevGeneric rounds d·d first
	}
	return q`},
			{Level: "avx512", Symbols: []string{"NormSumSqDevAVX512"},
				AsmDoc: `NormSumSqDevAVX512 returns Σ (x[i] − m)² in float64 with AVX-512, bit
for bit NormSumSqDevAVX2's sum: as NormSumAVX512, each widened vector
less m, then squared and added by one VFMADD231PD.

	var q float64
	for _, v := range x {
		d := float64(v) - m
		q += d * d // kernel.normSumSqDevGeneric rounds d·d first
	}
	return q`},
			{Level: "neon", Symbols: []string{"NormSumSqDevNEON"},
				AsmDoc: `NormSumSqDevNEON returns Σ (x[i] − m)² in float64: as NormSumNEON,
each widened pair less m, then squared and added by one FMLA.

	var q float64
	for _, v := range x {
		d := float64(v) - m
		q += d * d // kernel.normSumSqDevGeneric rounds d·d first
	}
	return q`},
		},
	},
	{
		Name: "normApply", Class: ClassInternal,
		Doc:  "dst[i] = fma(float32((x[i] − m)·r), γ[i], β[i]), γ and β optional (the norms' output pass)",
		Func: "normApply", Sig: "(dst, x, gamma, beta []float32, m, r float64)", Args: "dst, x, gamma, beta, m, r",
		Generic: "normApplyGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"NormApplyAVX2"},
				AsmDoc: `NormApplyAVX2 writes dst[i] = fma(float32((x[i] − m)·r), γ[i], β[i])
for i < len(x) with AVX2+FMA3: VCVTPS2PD, VSUBPD, VMULPD and VCVTPD2PS
per four elements, then VFMADD213PS with γ and β (VMULPS without β,
VADDPS without γ, nothing without either: an empty gamma or beta is
absent); eight elements per iteration, then four, then one at a time,
never touching memory past the slices. len(dst), and len(gamma) and
len(beta) unless 0, must be ≥ len(x); dst may be x.

	for i, v := range x {
		u := float32((float64(v) - m) * r)
		dst[i] = fma32(u, gamma[i], beta[i]) // kernel.normApplyGeneric
	}`},
			{Level: "avx512", Symbols: []string{"NormApplyAVX512"},
				AsmDoc: `NormApplyAVX512 writes dst[i] = fma(float32((x[i] − m)·r), γ[i], β[i])
for i < len(x) with AVX-512, bit for bit NormApplyAVX2's results (the
same instructions per element): sixteen elements per iteration (two
VCVTPS2PD of eight, VSUBPD, VMULPD, VCVTPD2PS, joined by VINSERTF64X4,
then VFMADD213PS, VMULPS or VADDPS as γ and β are given), then the last
0..15 under an opmask, never touching memory past the slices. len(dst),
and len(gamma) and len(beta) unless 0, must be ≥ len(x); dst may be x.

	for i, v := range x {
		u := float32((float64(v) - m) * r)
		dst[i] = fma32(u, gamma[i], beta[i]) // kernel.normApplyGeneric
	}`},
			{Level: "neon", Symbols: []string{"NormApplyNEON"},
				AsmDoc: `NormApplyNEON writes dst[i] = fma(float32((x[i] − m)·r), γ[i], β[i])
for i < len(x): FCVTL/FCVTL2, FSUB, FMUL and FCVTN/FCVTN2 per four
elements, then FMLA with γ and β (FMUL without β, FADD without γ,
nothing without either: an empty gamma or beta is absent); eight
elements per iteration, then four, then one at a time, never touching
memory past the slices. len(dst), and len(gamma) and len(beta) unless 0,
must be ≥ len(x); dst may be x.

	for i, v := range x {
		u := float32((float64(v) - m) * r)
		dst[i] = fma32(u, gamma[i], beta[i]) // kernel.normApplyGeneric
	}`},
		},
	},
	{
		Name: "expShiftSum", Class: ClassInternal, Doc: "dst[i] = e^(src[i]−m) and their sum (Softmax's fallback)",
		Func: "expShiftSum", Sig: "(dst, src []float32, m float32) float32", Args: "dst, src, m", Generic: "expShiftSumGeneric",
		Impls: impls("generic", "", "", "avx2", "", "ExpShiftSumAVX2", "avx512", "", "ExpShiftSumAVX512", "neon", "", "ExpShiftSumNEON"),
	},
	{
		Name: "sumExpShift", Class: ClassInternal, Doc: "Σ e^(x[i]−m) (LogSoftmax's and LogSumExp's fallback)",
		Func: "sumExpShift", Sig: "(x []float32, m float32) float32", Args: "x, m", Generic: "sumExpShiftGeneric",
		Impls: impls("generic", "", "", "avx2", "", "SumExpShiftAVX2", "avx512", "", "SumExpShiftAVX512", "neon", "", "SumExpShiftNEON"),
	},
	{
		Name: "shiftSub", Class: ClassInternal, Doc: "dst[i] = (src[i]−m) − ls (LogSoftmax's last pass)",
		Func: "shiftSub", Sig: "(dst, src []float32, m, ls float32)", Args: "dst, src, m, ls", Generic: "shiftSubGeneric",
		Impls: impls("generic", "", "", "avx2", "", "ShiftSubAVX2", "avx512", "", "ShiftSubAVX512", "neon", "", "ShiftSubNEON"),
	},
	{
		Name: "expScaledSumMax", Class: ClassInternal, Doc: "the two-pass softmax family's first pass with given scaling",
		Func: "expScaledSumMax", Sig: "(dst, src []float32, k int32, lo, hi float32) (s, mx, ymax float32, done int)",
		Args: "dst, src, k, lo, hi", AsmArgs: "dst, src, k, lo, hi, 0", Generic: "expScaledSumMaxGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"ExpScaledSumMaxAVX2"},
				Call: "s, mx, ymax, _, done = asm.ExpScaledSumMaxAVX2(dst, src, k, lo, hi, 0)\nreturn s, mx, ymax, done"},
			{Level: "avx512", Symbols: []string{"ExpScaledSumMaxAVX512"},
				Call: "s, mx, ymax, _, done = asm.ExpScaledSumMaxAVX512(dst, src, k, lo, hi, 0)\nreturn s, mx, ymax, done"},
			{Level: "neon", Symbols: []string{"ExpScaledSumMaxNEON"},
				Call: "s, mx, ymax, _, done = asm.ExpScaledSumMaxNEON(dst, src, k, lo, hi, 0)\nreturn s, mx, ymax, done"},
		},
	},
	{
		Name: "expScaledPass", Class: ClassInternal,
		Doc:  "the first pass with the scaling taken from src, and the second by flags: one assembly call, or the generic level's steps",
		Func: "expScaledPass", Sig: "(dst, src []float32, flags int32) (s, mx, ymax, c float32, done int)",
		Args: "dst, src, flags", AsmArgs: "dst, src, 0, 0, 0, flags", Generic: "expScaledPassGeneric",
		Impls: []Impl{
			{Level: "generic"},
			{Level: "avx2", Symbols: []string{"ExpScaledSumMaxAVX2"}},
			{Level: "avx512", Symbols: []string{"ExpScaledSumMaxAVX512"}},
			{Level: "neon", Symbols: []string{"ExpScaledSumMaxNEON"}},
		},
	},
}

// normSizes are the norms' benchmark sizes: the model widths of small
// transformers, and a long row.
var normSizes = []int{64, 256, 1024, 4096}

// normImpls are LayerNorm's and RMSNorm's implementations, named
// kernel_ISA_algorithm: the moments summed in float64 (two passes for
// LayerNorm, one for RMSNorm), then the output pass.
func normImpls(name string) []Impl {
	avx2 := []string{"NormApplyAVX2", "NormSumSqDevAVX2"}
	avx512 := []string{"NormApplyAVX512", "NormSumSqDevAVX512"}
	neon := []string{"NormApplyNEON", "NormSumSqDevNEON"}
	if name == "layernorm" {
		avx2 = append([]string{"NormSumAVX2"}, avx2...)
		avx512 = append([]string{"NormSumAVX512"}, avx512...)
		neon = append([]string{"NormSumNEON"}, neon...)
	}
	return []Impl{
		{Level: "generic", Name: name + "_generic_f64"},
		{Level: "avx2", Name: name + "_avx2_fma_f64_u16", Symbols: avx2},
		{Level: "avx512", Name: name + "_avx512_f64_u16", Symbols: avx512},
		{Level: "neon", Name: name + "_neon_f64_u16", Symbols: neon},
	}
}

// gemvImpls are Gemv's and GemvAdd's implementations (one kernel with an
// accumulate flag).
var gemvImpls = impls("generic", "gemv_generic_r4", "",
	"avx2", "gemv_avx2_r8", "GemvAVX2",
	"avx512", "gemv_avx512_r8_u2", "GemvAVX512",
	"neon", "gemv_neon_r4_u16", "GemvNEON")

// int8Impls are an int8 kernel's implementations. Within a level the
// int8 path is chosen by CPU feature (kernel.Int8Path): the registry name
// lists the level's paths, most capable first, and Symbols every
// assembly function the level may call. The AVX512 level runs the zmm
// VNNI kernels where the CPU has AVX-512 VNNI, else the AVX2 level's.
func int8Impls(name, unroll string, syms ...string) []Impl {
	with := func(suffixes ...string) []string {
		var out []string
		for _, sym := range syms {
			for _, s := range suffixes {
				out = append(out, sym+s)
			}
		}
		return out
	}
	return []Impl{
		{Level: "generic", Name: name + "_generic"},
		{Level: "avx2", Name: name + "_avx2_{avxvnni_vpdpbusd,maddubs}_" + unroll,
			Symbols: with("AVXVNNI", "AVX2")},
		{Level: "avx512", Name: name + "_{avx512vnni_vpdpbusd,avxvnni_vpdpbusd,avx2_maddubs}_" + unroll,
			Symbols: with("AVX512VNNI", "AVXVNNI", "AVX2")},
		{Level: "neon", Name: name + "_neon_{sdot,smull_sadalp}_" + unroll,
			Symbols: with("NEONDot", "NEON")},
	}
}

// qgemvRow is the row of QGemv or QGemvAdd.
func qgemvRow(name, doc string, short []int) Kernel {
	return Kernel{
		Name: name, Class: ClassQGemv, Doc: doc + ", int8 weights per row, x quantized per vector",
		Sig: "(dst []float32, w *QMatrix, x *QVector)", Args: "dst, w, x",
		Dispatch: "int8_kernels.go and int8_<arch>.go: blocks of rows, a switch on the int8 path (ActiveInt8)",
		Ref:      "ref.QGemv", Contract: Contract{Kind: Int8},
		Bench: Bench{Sizes: []int{256, 1024}, Short: short, Flops: 2},
		Impls: int8Impls("qgemv", "r4", "GemvInt8"),
	}
}

// qgemmRow is the row of QGemm or QGemmAdd.
func qgemmRow(name, doc string, short []int) Kernel {
	return Kernel{
		Name: name, Class: ClassQGemm, Doc: doc + ", int8 weights per row, x quantized per row",
		Sig: "(c Matrix, x *QBatch, w *QMatrix)", Args: "c, x, w",
		Dispatch: "int8_kernels.go and int8_<arch>.go: at AVX-512 VNNI and AVX2 without VNNI, w packed once and tiles of 8 (AVX-512) or 2 (AVX2) rows of x by 32 of w (QGemmPacked); elsewhere L2 blocks of x's rows, tiles of 2 rows of x by 4 of w (QGemmInt8), the edges through the gemv switch",
		Ref:      "ref.QGemm", Contract: Contract{Kind: Int8},
		Bench: Bench{Sizes: []int{64, 256}, Short: short, Flops: 2},
		Impls: qgemmImpls(),
	}
}

// qgemmImpls are QGemm's implementations: the 2×4 dot-product tiles on
// every path, and at AVX-512 VNNI and AVX2 without VNNI the broadcast
// tiles on packed w.
func qgemmImpls() []Impl {
	impls := int8Impls("qgemm", "2x4", "QGemmInt8", "GemvInt8")
	for i := range impls {
		switch impls[i].Level {
		case "avx512":
			impls[i].Name = "qgemm_{avx512vnni_vpdpbusd_packed_8x32,avxvnni_vpdpbusd_2x4,avx2_maddubs_packed_2x32}"
			for _, mr := range []string{"8", "4", "2", "1"} {
				impls[i].Symbols = append(impls[i].Symbols, "QGemmPacked"+mr+"x32AVX512VNNI")
			}
		case "avx2":
			impls[i].Name = "qgemm_avx2_{avxvnni_vpdpbusd_2x4,maddubs_packed_2x32}"
		default:
			continue
		}
		impls[i].Symbols = append(impls[i].Symbols, "QGemmPacked2x32AVX2", "QGemmPacked1x32AVX2")
	}
	return impls
}

// quantizeInt8Call is quantizeInt8's case at the AVX2 level: whole
// vectors of 32 in the assembly, the rest in Go.
const quantizeInt8Call = `m := len(src) &^ 31
asm.QuantizeInt8AVX2(dst[:m], src[:m], inv)
quantizeInt8Generic(dst[m:len(src)], src[m:], inv)`
