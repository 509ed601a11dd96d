package kernel

import "math"

// Softmax computes dst[i] = e^(src[i]−m) / Σ_j e^(src[j]−m), m = max src:
// the probabilities of logits src. dst may be src (in place); it panics if
// the lengths differ or dst overlaps src without being equal to it.
//
// It is numerically stable for any input (no e^… overflows, whatever the
// values) and any length: the sums are taken in blocks (sumBlock: at most
// 128 terms per SIMD lane per call, the blocks' sums added in float64; the
// generic level sums in float64), so their error does not grow with the
// row's length. -Inf entries (masks) give exactly 0; a row of
// only -Inf gives all zeros, never NaN; a NaN or +Inf anywhere gives a row
// of NaN. Softmax of nothing is nothing. The results sum to 1 within
// min(len(src), ~(4 + log2 len(src)))·2^-24 (TestSoftmaxSumGrowth holds
// rows of 65536 to 2^20 elements to the latter), and each is within 2 ulp
// (plus that relative error of the sum) of the exact value.
//
// Algorithm: two passes, chosen over the fused three-pass form by
// measurement (BENCHMARKS.md, "Softmax"). Softmax is invariant under
// e^x → e^x·2^k, so the maximum is not needed first, only a scaling that
// keeps every e^x·2^k in range. It is taken from the first 16 elements:
// c = their maximum, j = ⌊c·log2e⌋, k = 26−j. Pass 1 writes
// y[i] = e^src[i]·2^k and sums them (Exp's range reduction and polynomial;
// the shifter that rounds src[i]·log2e to n also adds k, and n+k goes
// into the exponent field of e^r, which is exact since n+k stays in
// [−124, 93]); pass 2 scales dst by 1/Σ, one rounding per result, as in
// the three-pass form. A masked entry is clamped at j·ln2 − 104, so its y
// is below 2^-150 times the y of c and becomes exactly 0. Pass 1 tests
// each block (8 to 128 elements) before it writes any of it, and stops at
// one holding a NaN or an element above j·ln2 + 46 (about: AVX-512 tests
// the rounded exponent instead), past which the sum could overflow.
// Then, for a row whose maximum lies more than 46 above its first 16
// elements or that holds NaN or +Inf, Softmax finishes in the three-pass
// form: m = Max(the rest), the written part rescaled by
// e^-m·2^-k in float64, e^(src[i]−m) for the rest, then the scaling.
// Nothing of the input is lost, even in place, because no block past the
// stop was written. Rows whose first 16 elements are all -Inf, or whose
// maximum among them is beyond ±2^15, take the three-pass form from the
// start. Where every term but the largest vanishes next to it (a row with
// one entry that is not -Inf), the largest result is exactly 1.
//
// The three-pass form pays for a Max pass on top: 1.5–1.7× Exp's time
// against 1.14–1.24× for the two-pass form (n=4096 and 65536, AVX2 and
// AVX-512 on the machine of BENCHMARKS.md, where the scaling pass alone,
// bound by one 64-byte store per cycle, is 0.18× Exp). On AVX-512, AVX2
// and NEON a row of up to sumBlock() elements (4096, 1024, 512) is one
// assembly call; a longer one takes pass 1 block by block and then the
// scaling pass. The online
// two-pass form (running maximum, rescaled sum) was not chosen: it needs
// an extra exponential per block for the rescaling, and still the
// scaling pass.
func Softmax(dst, src []float32) {
	if len(src) != len(dst) || partialOverlap(dst, src) {
		checkUnary("Softmax", dst, src) // panics; the condition is inline, so that a short row pays no call
	}
	raceRead(src)
	raceWrite(dst)
	if len(src) == 0 {
		return
	}
	var s, c float32
	var done int
	if len(src) <= sumBlock() {
		s, _, _, c, done = expScaledPass(dst, src, xsAuto|xsNormalize)
	} else {
		s, c, done = softmaxPass1(dst, src)
	}
	switch {
	case done == len(src): // dst is e^src·2^k / s
		// Every term but c's may have vanished next to it (as in a row
		// with one entry that is not -Inf, which is then among the first
		// 16): its probability should round to exactly 1, which
		// y·(1/s) = s·(1/s) misses when that product is not 1. It is then
		// 1 − 2^-24 (s·RN(1/s) is within 2^-24 of 1), so a row whose
		// largest probability is below that is not such a row, and the
		// scalar e^c (expScaledAt) that decides it is skipped. A sum above
		// oneTermMax, which c's term alone never is, skips it all: the
		// division and the pass over dst that finds that probability.
		if s <= oneTermMax && s*(1/s) != 1 && Max(dst) >= 1-0x1p-24 {
			if sc, _ := scalingFor(c); s == expScaledAt(c, sc.k, sc.lo) {
				dst[Argmax(dst)] = 1
			}
		}
		return
	case done >= 0:
		// Some element from done on is NaN or above hi, which is above
		// every element before done: the maximum m lies there, or the
		// answer is NaN.
		m := Max(src[done:])
		if m != m || m > math.MaxFloat32 {
			fill(dst, float32(math.NaN()))
			return
		}
		sc, _ := scalingFor(c)
		s = rescaleExp(dst[:done], -float64(m)-float64(sc.k)*math.Ln2)
		softmaxFinish(dst, src, done, m, s)
		return
	}
	m, ok := softmaxMax(dst, src, 0)
	if !ok {
		return
	}
	softmaxFinish(dst, src, 0, m, 0)
}

// softmaxPass1 runs Softmax's first pass over a row longer than
// sumBlock() (a shorter one takes expScaledPass), in blocks of sumBlock()
// whose sums it adds in float64, and, if it completes, its second: dst = e^src·2^k/s. It returns the sum s, c (the maximum of the
// first 16, from which k comes), and how far it got: done = len(src) when
// finished, −1 when the first 16 elements give no scaling (nothing
// written), else where it stopped (dst[:done] holds e^src·2^k, dst[done:]
// is untouched).
func softmaxPass1(dst, src []float32) (s, c float32, done int) {
	sc, ok := twoPassScaling(src)
	if !ok {
		return 0, sc.c, -1
	}
	var s64 float64
	for done < len(src) {
		j := min(done+sumBlock(), len(src))
		cs, _, _, n := expScaledSumMax(dst[done:j], src[done:j], sc.k, sc.lo, sc.hi)
		s64, done = s64+float64(cs), done+n
		if done < j {
			return float32(s64), sc.c, done
		}
	}
	s = float32(s64)
	scaleChunks(1/s, dst)
	return s, sc.c, done
}

// The flags of expScaledPass.
const (
	xsAuto       = 1 // take the scaling from the first 16 elements of src
	xsNormalize  = 2 // when complete, with stores: dst ·= 1/sum
	xsLogSoftmax = 4 // pass 1 stores nothing; when complete, dst = (src − max) − log(sum/ymax)
)

// expScaledPassGeneric is the generic level's expScaledPass (the table
// row's switch, dispatch_<arch>.go): the two-pass algorithm's first pass
// over a row of at most maxChunk elements, with the scaling taken from its
// first 16 elements (flags has xsAuto), and, when it completes, the
// second pass of Softmax (xsNormalize) or of LogSoftmax (xsLogSoftmax).
// AVX-512, AVX2 and NEON do all of it in one assembly call (for a row of
// up to sumBlock() elements), which saves
// the calls and the dependent scalar steps between them (a few tens of ns
// a row). c is the maximum of the first 16 elements, done −1 if they give
// no scaling (see expScaledSumMaxGeneric for the rest). It runs at the
// generic level only, so the switches it calls run their generic code.
func expScaledPassGeneric(dst, src []float32, flags int32) (s, mx, ymax, c float32, done int) {
	sc, ok := twoPassScaling(src)
	if !ok {
		return 0, 0, 0, sc.c, -1
	}
	y := dst
	if flags&xsLogSoftmax != 0 {
		y = nil
	}
	s, mx, ymax, done = expScaledSumMax(y, src, sc.k, sc.lo, sc.hi)
	if done == len(src) {
		switch {
		case flags&xsNormalize != 0 && len(y) > 0:
			scale(1/s, dst[:len(src)])
		case flags&xsLogSoftmax != 0:
			shiftSub(dst, src, mx, logRatio(s, ymax))
		}
	}
	return s, mx, ymax, sc.c, done
}

// softmaxFinish completes the three-pass form from element done on:
// dst[i] = e^(src[i]−m) for i ≥ done, with m the maximum of the row, and
// then every result divided by s plus their sum.
func softmaxFinish(dst, src []float32, done int, m, s float32) {
	s64 := float64(s)
	for i := done; i < len(src); i += sumBlock() {
		j := min(i+sumBlock(), len(src))
		s64 += float64(expShiftSum(dst[i:j], src[i:j], m))
	}
	s = float32(s64)
	scaleChunks(1/s, dst)
}

// rescaleExp multiplies every y by e^d (computed in float64, each result
// rounded once) and returns the sum of the results.
func rescaleExp(y []float32, d float64) float32 {
	f := math.Exp(d)
	var s float64
	for i, v := range y {
		y[i] = float32(float64(v) * f)
		s += float64(y[i])
	}
	return float32(s)
}

// fill sets every element of x to v.
func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// expScaling holds the constants of the two-pass softmax algorithm:
// elements are clamped below at lo, pass 1 stops at a block holding one
// above hi, and computes e^x·2^k.
type expScaling struct {
	k         int32
	c, lo, hi float32 // c: the maximum of the first 16 elements
}

// oneTermMax bounds the term e^c·2^k of c, the maximum of a row's first
// 16 elements, as pass 1 computes it: with j = ⌊RN(c·log2e)⌋ and
// k = 26 − j (scalingFor), e^c·2^k = 2^(26 + c·log2e − j), and c·log2e
// is below j + 1 up to the roundings of log2e and of the product, which
// for |c| ≤ twoPassLimit move it by less than 2^-8 together: the term is
// below 2^(27 + 2^-8) < 2^27·(1 + 2^-8.5), and the exponentials' error (a
// few ulps) keeps it below 2^27·(1 + 2^-8). A sum above oneTermMax therefore
// has more than c's term in it. TestOneTermMax checks the bound at every
// level (the largest term it finds is 2^27).
const oneTermMax = 0x1.01p27

// twoPassLimit bounds the maximum c of the first elements for the
// two-pass algorithm: up to ±2^15, x·log2e and n·ln2 keep the reduction
// as exact as Exp's, and lo and hi (near j·ln2) are within 2^-8 of their
// real values.
const twoPassLimit = 1 << 15

// twoPassScaling returns the two-pass algorithm's constants for x
// (len(x) ≥ 1): scalingFor the maximum of its first 16 elements.
func twoPassScaling(x []float32) (sc expScaling, ok bool) {
	return scalingFor(max32(x[:min(len(x), 16)]))
}

// scalingFor returns the two-pass algorithm's constants for c, the
// maximum of a row's first 16 elements: j = ⌊c·log2e⌋, k = 26−j,
// lo = j·ln2 − 104 and hi = j·ln2 + 46, in float32 arithmetic (c·log2e
// and each FMA rounded once) exactly as the AVX-512 kernel computes them.
// For x in [lo, hi], n = round(x·log2e) is within [j−150, j+67], so n+k
// is within [−124, 93]: e^x·2^k is normal, below 2^94, and a sum of up to
// 2^33 of them is finite. e^lo·2^k is below 2^-150 times e^c·2^k (≤ the
// sum), so a clamped entry's result rounds to 0. ok is false if c is NaN,
// -Inf (the first 16 all -Inf) or beyond ±twoPassLimit.
func scalingFor(c float32) (sc expScaling, ok bool) {
	if !(c >= -twoPassLimit && c <= twoPassLimit) {
		return expScaling{c: c}, false
	}
	j := float32(math.Floor(float64(c * expLog2e)))
	return expScaling{k: int32(26 - j), c: c, lo: fma32(j, expLn2Hi, -104), hi: fma32(j, expLn2Hi, 46)}, true
}

// sumExpScaledChunks runs the two-pass algorithm's first pass without
// stores over x in blocks of sumBlock() (their sums added in float64): s = Σ e^x[i]·2^k, m = max x and ym = e^m·2^k
// as pass 1 computes it. complete is false if it stopped (an element above
// hi, or NaN).
func sumExpScaledChunks(x []float32, sc expScaling) (s, m, ym float32, complete bool) {
	m = negInf
	var s64 float64
	for i := 0; i < len(x); i += sumBlock() {
		j := min(i+sumBlock(), len(x))
		cs, cm, cy, n := expScaledSumMax(nil, x[i:j], sc.k, sc.lo, sc.hi)
		if n < j-i {
			return 0, 0, 0, false
		}
		s64 += float64(cs)
		if cm > m || i == 0 {
			m, ym = cm, cy
		}
	}
	return float32(s64), m, ym, true
}

// LogSoftmax computes dst[i] = src[i] − m − log Σ_j e^(src[j]−m),
// m = max src: the log-probabilities of logits src. dst may be src (in
// place); it panics as Softmax does.
//
// -Inf entries give -Inf; a row of only -Inf gives all -Inf; a NaN or +Inf
// anywhere gives a row of NaN. Each result is within 2 ulp of the exact
// value plus an absolute error of about (min(len(src), ~(4 + log2
// len(src))) + |src[i]−m|)·2^-24 (the sum in blocks, as Softmax's).
//
// Algorithm: two passes. Pass 1 is Softmax's first pass without the
// stores: s = Σ e^src[i]·2^k, and m = max src on the way; then
// ls = log(s/(e^m·2^k)) = log Σ e^(src[i]−m) by logRatio (e^m·2^k as
// pass 1 computed it, so that a row with one entry that is not -Inf gives
// exactly 0 there), and pass 2 writes dst[i] = (src[i] − m) − ls. The
// two passes take 1.17–1.31× Exp's time (n=4096 and 65536, AVX2 and
// AVX-512; the second is bound by stores, 0.18× Exp on AVX-512), in one
// assembly call on AVX-512, AVX2 and NEON up to sumBlock() elements. Where Softmax falls back to three
// passes, LogSoftmax does too, from the start (pass 1 wrote nothing):
// m = Max(src), s = Σ e^(src[i]−m), and the same pass 2.
func LogSoftmax(dst, src []float32) {
	if len(src) != len(dst) || partialOverlap(dst, src) {
		checkUnary("LogSoftmax", dst, src) // panics; the condition is inline, so that a short row pays no call
	}
	raceRead(src)
	raceWrite(dst)
	if len(src) == 0 {
		return
	}
	if len(src) <= sumBlock() {
		// log Σ e^(x−m) = log(s/ym), ym = e^m·2^k as pass 1 computed it:
		// exactly 0 for a row with one entry that is not -Inf.
		if _, _, _, _, done := expScaledPass(dst, src, xsAuto|xsLogSoftmax); done == len(src) {
			return
		}
	}
	var m, ls float32
	twoPass := false
	if len(src) > sumBlock() {
		if sc, ok := twoPassScaling(src); ok {
			var s, ym float32
			s, m, ym, twoPass = sumExpScaledChunks(src, sc)
			ls = logRatio(s, ym)
		}
	}
	if !twoPass {
		var ok bool
		if m, ok = softmaxMax(dst, src, negInf); !ok {
			return
		}
		ls = float32(math.Log(float64(sumExpChunks(src, m))))
	}
	for i := 0; i < len(src); i += maxChunk {
		j := min(i+maxChunk, len(src))
		shiftSub(dst[i:j], src[i:j], m, ls)
	}
}

// LogSumExp returns log Σ e^x[i], without overflow for any x. It returns
// -Inf for empty x or a row of only -Inf, +Inf if some element is +Inf,
// and NaN if some element is NaN. The result is within about
// (min(len(x), ~(4 + log2 len(x))) + 2)·2^-24 absolute plus 1 ulp of the
// exact value.
//
// Algorithm: one pass, LogSoftmax's first: s = Σ e^x[i]·2^k in float32
// vector lanes, block by block as Softmax's (the generic level: in
// float64), and m = max x, then m + log(s/(e^m·2^k)) in float64
// (logPositive: not LogSoftmax's float32 log, whose chain of roundings
// costs a short row more time than its pass, nor math.Log, which is as
// slow on amd64). Where
// that pass stops, m = Max(x) and m + log Σ e^(x[i]−m): two passes.
func LogSumExp(x []float32) float32 {
	raceRead(x)
	if len(x) > 0 && len(x) <= sumBlock() {
		if s, m, ym, _, done := expScaledPass(nil, x, xsAuto); done == len(x) {
			return float32(float64(m) + logPositive(float64(s)/float64(ym)))
		}
	} else if sc, ok := twoPassScaling(x); ok {
		if s, m, ym, complete := sumExpScaledChunks(x, sc); complete {
			return float32(float64(m) + logPositive(float64(s)/float64(ym)))
		}
	}
	m := Max(x)
	if m != m || math.IsInf(float64(m), 0) {
		return m // NaN, +Inf, or -Inf for an empty or all -Inf row
	}
	return float32(float64(m) + math.Log(float64(sumExpChunks(x, m))))
}

// sumExpChunks returns Σ e^(x[i]−m) over x in blocks of sumBlock(),
// their sums added in float64.
func sumExpChunks(x []float32, m float32) float32 {
	var s float64
	for i := 0; i < len(x); i += sumBlock() {
		s += float64(sumExpShift(x[i:min(i+sumBlock(), len(x))], m))
	}
	return float32(s)
}

// sumBlock returns how many elements the softmax family gives one call
// of the active level's summing passes (pass 1 of the two-pass form, and
// the sums of the three-pass form); the blocks' sums are added in
// float64. Each SIMD kernel sums its terms in the lanes of its
// accumulators (AVX2: one ymm, 8 partial sums; AVX-512: two zmm in pass
// 1, 32; NEON: one q register, 4), one term after another, so their
// error grows with the terms per lane: a row of 65536 equal logits came
// out 58 ulp off at AVX2 and Softmax of 65536 random ones 250 ulp off at
// NEON in one call. In blocks of sumBlockTerms terms per lane the sum's
// error is bounded independently of n. The generic level sums in
// float64 and takes whole chunks.
func sumBlock() int {
	switch active {
	case AVX2:
		return 8 * sumBlockTerms
	case AVX512:
		return 32 * sumBlockTerms
	case NEON:
		return 4 * sumBlockTerms
	}
	return maxChunk
}

// sumBlockTerms is how many terms one lane of a SIMD level's sum takes
// per call of the softmax family's summing passes.
const sumBlockTerms = 128

// softmaxMax returns the maximum of src and whether the row is ordinary.
// For a row that is not (NaN or +Inf somewhere, or all -Inf, or empty) it
// fills dst with the answer (NaN, or v for all -Inf) and returns false.
func softmaxMax(dst, src []float32, v float32) (float32, bool) {
	if len(src) == 0 {
		return 0, false
	}
	m := Max(src)
	switch {
	case m != m || m > math.MaxFloat32:
		v = float32(math.NaN())
	case m < -math.MaxFloat32:
		// all -Inf: fill as asked
	default:
		return m, true
	}
	fill(dst, v)
	return m, false
}

// logRatio returns log(s/ym) in float32 for positive finite s and ym with
// s/ym ≥ 1/2, exactly 0 where s = ym, and otherwise within 2^-24 (the
// rounding of s/ym) plus about an ulp of the result. It is the AVX-512
// log-softmax kernel's log, step for step: q = s/ym = 2^e·f with f in
// [√½, √2], log f = 2·atanh(t), t = (f−1)/(f+1), |t| ≤ 0.1716, by its
// series to t^9 (the first term left out, 2·t^11/11, is below 2^-28
// relative), and e·ln2 added in two parts.
func logRatio(s, ym float32) float32 {
	b := math.Float32bits(s / ym)
	e := int32(b>>23) - 127
	b = b&0x7fffff | 0x3f800000 // f in [1, 2)
	if b > 0x3fb504f3 {         // f > √2: f/2, e+1
		b -= 1 << 23
		e++
	}
	f := math.Float32frombits(b)
	t := (f - 1) / (f + 1)
	t2 := t * t
	p := t2 * fma32(fma32(fma32(lgC9, t2, lgC7), t2, lgC5), t2, lgC3)
	lf := fma32(t+t, p, t+t) // 2t + 2t·p
	ef := float32(e)
	return fma32(ef, expLn2Hi, fma32(ef, expLn2Lo, lf))
}

// logPositive returns log q for a normal positive float64 q, within
// 2^-40 absolute of math.Log(q) (TestLogPositive), for LogSumExp, whose
// result is rounded to float32: q = 2^e·f with f in [√½, √2],
// log f = 2·atanh(t), t = (f−1)/(f+1), |t| ≤ 0.1716, by its series to
// t^13 (the first term left out, 2·t^15/15, is below 2^-41), and e·ln2.
// It is exactly 0 for q = 1.
func logPositive(q float64) float64 {
	b := math.Float64bits(q)
	e := int64(b>>52) - 1023
	b = b&(1<<52-1) | 1023<<52  // f in [1, 2)
	if b > 0x3ff6a09e667f3bcd { // f > √2: f/2, e+1
		b -= 1 << 52
		e++
	}
	f := math.Float64frombits(b)
	t := (f - 1) / (f + 1)
	t2 := t * t
	p := t2 * (1.0/3 + t2*(1.0/5+t2*(1.0/7+t2*(1.0/9+t2*(1.0/11+t2*(1.0/13))))))
	return float64(e)*math.Ln2 + (t+t)*(1+p)
}

// The coefficients of logRatio's series, 1/(2i+1) rounded to float32.
const (
	lgC3 = float32(1.0 / 3)
	lgC5 = float32(1.0 / 5)
	lgC7 = float32(1.0 / 7)
	lgC9 = float32(1.0 / 9)
)
