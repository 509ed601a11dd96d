package kernel

import (
	"fmt"
	"math"
)

// Torch's default eps of torch.nn.LayerNorm (1e-5) and of torch.nn.RMSNorm
// with eps=None (torch.finfo(torch.float32).eps = 2^-23).
const (
	DefaultLayerNormEps float32 = 1e-5
	DefaultRMSNormEps   float32 = 0x1p-23
)

// LayerNorm normalises one row as torch.nn.functional.layer_norm does
// over its last dimension: dst[i] = (x[i] − μ)/√(σ² + eps)·γ[i] + β[i],
// with μ the mean of x and σ² its biased variance (Σ(x−μ)²/n), eps inside
// the square root. gamma and beta are optional: nil means 1 and 0 (no
// affine; beta nil with gamma set is torch's bias=False), else they have
// len(x) elements. dst may be x (in place); any other overlap of dst with
// x, gamma or beta panics, as does a length that differs from len(x). An
// empty row is left as it is.
//
// Algorithm: two passes for the moments and one for the output, all in
// float64 arithmetic on the float32 data: s = Σx, μ = s/n; q = Σ(x−μ)²
// (the mean subtracted, so no cancellation), r = 1/√(q/n + eps); then
// u = float32((x−μ)·r) and dst = fma(u, γ, β) in float32 (u·γ, u + β or
// u without γ or β). float64 sums cannot overflow (|x|² ≤ 2^256) and keep
// subnormal rows exact, so a row of 1e30s, of 1e-40s or of mixed signs at
// 3e38 normalises as in exact arithmetic. The sums run in a
// level-dependent order (several float64 accumulators at the SIMD levels),
// so the levels may differ in the last bit of a result, within the bound.
//
// Accuracy (the table's contract "norm", checked at every level against
// ref.LayerNorm, whose sums are compensated): with x̂ the exact
// normalised value and y the exact result,
//
//	|dst[i] − y| ≤ 2^-24·(|γ·x̂| + |y|) + |γ|·(n+4)·2^-53·(|x̂| + r·Σ|x|/n) + 2^-150·(1+|γ|)
//
// that is, the two float32 roundings (u and the fma; half a subnormal
// step each where they underflow) plus the float64 sums' error
// (r·Σ|x|/n·(n+4)·2^-53 is the mean's, which matters only where |μ| ≫ σ);
// the tests add 2^-47 of the first term for products of roundings.
// ACCURACY.md gives the errors measured (within 0.994 of the bound; 0.5
// ulp without γ and β).
//
// Special rows, as torch: a constant row (σ² = 0) gives β exactly (0
// without affine); NaN or ±Inf anywhere gives NaN everywhere (its mean or
// variance is NaN); eps = 0 with a constant row gives NaN (0·∞).
func LayerNorm(dst, x, gamma, beta []float32, eps float32) {
	checkNorm("LayerNorm", dst, x, gamma, beta)
	n := len(x)
	if n == 0 {
		return
	}
	raceNorm(dst, x, gamma, beta)
	m := normSumChunks(x) / float64(n)
	q := normSumSqDevChunks(x, m)
	r := 1 / math.Sqrt(q/float64(n)+float64(eps))
	normApplyChunks(dst, x, gamma, beta, m, r)
}

// RMSNorm normalises one row as torch.nn.functional.rms_norm does over
// its last dimension: dst[i] = x[i]/√(Σx²/n + eps)·γ[i]. gamma is
// optional (nil means 1, torch's elementwise_affine=False), else it has
// len(x) elements. torch's eps=None is DefaultRMSNormEps (the float32
// machine epsilon, 2^-23); RMSNorm takes eps as given, 0 included. dst
// may be x (in place); it panics as LayerNorm does. An empty row is left
// as it is.
//
// Algorithm: q = Σx² in float64 (no overflow, no underflow), r =
// 1/√(q/n + eps) in float64, then dst = float32(x·r)·γ in float32 (two
// roundings; one without γ). The sum's order depends on the level.
//
// Accuracy: LayerNorm's bound with μ = 0 (contract "norm"):
// |dst[i] − y| ≤ 2^-24·(|γ·x̂| + |y|) + |γ·x̂|·(n+4)·2^-53 + 2^-150·(1+|γ|).
// Special rows, as torch: an all-zero row gives 0 (eps > 0); a row with
// ±Inf gives NaN at the infinities and ±0 elsewhere (x·0); NaN anywhere
// gives NaN everywhere.
func RMSNorm(dst, x, gamma []float32, eps float32) {
	checkNorm("RMSNorm", dst, x, gamma, nil)
	n := len(x)
	if n == 0 {
		return
	}
	raceNorm(dst, x, gamma, nil)
	q := normSumSqDevChunks(x, 0)
	r := 1 / math.Sqrt(q/float64(n)+float64(eps))
	normApplyChunks(dst, x, gamma, nil, 0, r)
}

// LayerNormRows applies LayerNorm to every row of x, writing dst's rows:
// torch's layer_norm over the last dimension of a rows×cols input, γ and
// β of cols elements (or nil). dst may be x; the shapes must agree.
func LayerNormRows(dst, x Matrix, gamma, beta []float32, eps float32) {
	checkNormRows("LayerNormRows", dst, x)
	for i := range x.Rows {
		LayerNorm(dst.Row(i), x.Row(i), gamma, beta, eps)
	}
}

// RMSNormRows applies RMSNorm to every row of x, writing dst's rows.
// dst may be x; the shapes must agree.
func RMSNormRows(dst, x Matrix, gamma []float32, eps float32) {
	checkNormRows("RMSNormRows", dst, x)
	for i := range x.Rows {
		RMSNorm(dst.Row(i), x.Row(i), gamma, eps)
	}
}

// checkNorm panics unless dst, gamma and beta (each unless nil) have
// len(x) elements, and dst overlaps none of x (unless it is x), gamma and
// beta.
func checkNorm(fn string, dst, x, gamma, beta []float32) {
	if len(dst) != len(x) {
		panicLen(fn, "dst", len(dst), "x", len(x))
	}
	if gamma != nil && len(gamma) != len(x) {
		panicLen(fn, "gamma", len(gamma), "x", len(x))
	}
	if beta != nil && len(beta) != len(x) {
		panicLen(fn, "beta", len(beta), "x", len(x))
	}
	if partialOverlap(dst, x) {
		panicOverlap(fn, "dst", "x")
	}
	if overlaps(dst, gamma) {
		panicOverlap(fn, "dst", "gamma")
	}
	if overlaps(dst, beta) {
		panicOverlap(fn, "dst", "beta")
	}
}

// checkNormRows panics unless dst and x have the same shape.
func checkNormRows(fn string, dst, x Matrix) {
	if dst.Rows != x.Rows || dst.Cols != x.Cols {
		panic(fmt.Sprintf("kernel.%s: dst is %d×%d, x is %d×%d", fn, dst.Rows, dst.Cols, x.Rows, x.Cols))
	}
}

// raceNorm tells the race detector what a norm reads and writes.
func raceNorm(dst, x, gamma, beta []float32) {
	raceRead(x)
	raceRead(gamma)
	raceRead(beta)
	raceWrite(dst)
}

// normSumChunks returns Σx in float64, at most maxChunk elements per call
// of the level's pass.
func normSumChunks(x []float32) float64 {
	var s float64
	for len(x) > maxChunk {
		s += normSum(x[:maxChunk])
		x = x[maxChunk:]
	}
	return s + normSum(x)
}

// normSumSqDevChunks returns Σ(x−m)² in float64, in chunks.
func normSumSqDevChunks(x []float32, m float64) float64 {
	var q float64
	for len(x) > maxChunk {
		q += normSumSqDev(x[:maxChunk], m)
		x = x[maxChunk:]
	}
	return q + normSumSqDev(x, m)
}

// normApplyChunks writes the normalised row in chunks.
func normApplyChunks(dst, x, gamma, beta []float32, m, r float64) {
	for len(x) > maxChunk {
		normApply(dst[:maxChunk], x[:maxChunk], normHead(gamma), normHead(beta), m, r)
		dst, x, gamma, beta = dst[maxChunk:], x[maxChunk:], normTail(gamma), normTail(beta)
	}
	normApply(dst, x, gamma, beta, m, r)
}

// normHead and normTail cut an optional slice (nil stays nil) at maxChunk.
func normHead(v []float32) []float32 {
	if v == nil {
		return nil
	}
	return v[:maxChunk]
}

func normTail(v []float32) []float32 {
	if v == nil {
		return nil
	}
	return v[maxChunk:]
}

// normSumGeneric is the pure-Go first pass: Σx in float64, in order.
func normSumGeneric(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// normSumSqDevGeneric is the pure-Go second pass: Σ(x−m)² in float64, in
// order (each square rounded: float64(d*d) keeps the compiler from fusing
// it into the add).
func normSumSqDevGeneric(x []float32, m float64) float64 {
	var q float64
	for _, v := range x {
		d := float64(v) - m
		q += float64(d * d)
	}
	return q
}

// normApplyGeneric is the pure-Go output pass: u = float32((x−m)·r), then
// fma(u, γ, β) in float32, u·γ, u + β or u, as gamma and beta are set.
func normApplyGeneric(dst, x, gamma, beta []float32, m, r float64) {
	dst = dst[:len(x)]
	switch {
	case gamma != nil && beta != nil:
		gamma, beta = gamma[:len(x)], beta[:len(x)]
		for i, v := range x {
			dst[i] = fma32(float32(float64(float64(v)-m)*r), gamma[i], beta[i])
		}
	case gamma != nil:
		gamma = gamma[:len(x)]
		for i, v := range x {
			dst[i] = float32(float64(float64(v)-m)*r) * gamma[i]
		}
	case beta != nil:
		beta = beta[:len(x)]
		for i, v := range x {
			dst[i] = float32(float64(float64(v)-m)*r) + beta[i]
		}
	default:
		for i, v := range x {
			dst[i] = float32(float64(float64(v)-m) * r)
		}
	}
}
