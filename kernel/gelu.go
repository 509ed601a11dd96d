package kernel

import "math"

// GELU computes dst[i] = x·Φ(x) = x/2·(1+erf(x/√2)), x = src[i]:
// torch.nn.functional.gelu with approximate='none'. dst may be src (in
// place); it panics as Exp does.
//
// Algorithm (every SIMD level evaluates the same float32 steps, fused
// multiply-adds and true divisions, so they agree to the bit; the
// generic level evaluates the same formula in float64, rounded once, and
// agrees with them to the bound): for
// t = |x| (clamped at 15), Φ(−t) = ½·s·e^(−t²/2+H(s)) with s = 4/(4+t) and
// H a degree-11 polynomial in s − 1 fitted to 1.6e-9; −t²/2 is split
// exactly, the roundings of s and of s − 1 are recovered exactly and
// corrected in the exponent, and the exponent is reduced as in Exp with
// Tanh's expm1 polynomial. x < 0: x·Φ(−t) with the power of two applied
// last (gradual underflow); x ≥ 0: x − x·Φ(−t) in one FMA. No
// cancellation anywhere, so the negative tail keeps full relative
// accuracy down to the subnormals (torch's float32 CPU kernel, which
// computes 1+erf, loses it from about x = −3 on). gelu(x) = x for
// x > 5.3475; −0 for x < −14.3561. AVX2 and NEON take one vector per
// iteration, AVX-512 two (the same steps per lane, so the same bits).
//
// Accuracy: at most 2.5 ulp over all 2^32 inputs; the exhaustive sweep
// measured 2.20 ulp at the SIMD levels, 0.53 at the generic one
// (ACCURACY.md). Every result has the sign of x.
// gelu(±0) = ±0, gelu(+Inf) = +Inf, gelu(−Inf) = −0 (the limit; torch's
// float32 CPU kernel gives NaN), NaN → NaN.
func GELU(dst, src []float32) {
	dispatchGELU(dst, src)
}

// GELUTanh computes torch.nn.functional.gelu with approximate='tanh':
// dst[i] = x/2·(1+tanh(√(2/π)·(x+0.044715·x³))), x = src[i]. dst may be
// src (in place); it panics as Exp does.
//
// Algorithm (the same float32 steps at every SIMD level, as GELU; the
// generic level: x/(1+e^−w) in float64, rounded once): x·σ(w),
// w = 2√(2/π)·(x+0.044715·x³) (the same function, since
// 1+tanh(w/2) = 2σ(w)), with |w| as an exact-to-2^-40 double-float (|x|
// clamped at 12), e^−|w| by Exp's reduction and Tanh's expm1 polynomial,
// and a compensated quotient as in Sigmoid (two true divisions):
// x·e^−|w|/(1+e^−|w|) for x < 0 (scaled by the power of two last),
// x/(1+e^−|w|) for x ≥ 0. gelu(x) = x for x > 4.9941; −0 for x < −10.7709.
//
// Accuracy: at most 2 ulp over all 2^32 inputs; the exhaustive sweep
// measured 1.52 ulp at the SIMD levels, 0.50 at the generic one
// (ACCURACY.md). Every result has the sign of x.
// ±0 → ±0, +Inf → +Inf, −Inf → −0, NaN → NaN.
func GELUTanh(dst, src []float32) {
	dispatchGELUTanh(dst, src)
}

// Constants of GELU's two forms (GELU: x·Φ(x), GELUTanh: torch's tanh
// approximation). The NEON generator (asm/_asm/neon) reads them from this
// file; the amd64 generator (asm/_asm/amd64/gelu.go) holds their bits, and
// the two must change together (TestUnaryLevelsAgree and the sweeps in
// ACCURACY.md compare the levels bit for bit).
const (
	// Erf form: for t = |x|, Φ(−t) = ½·s·e^(−t²/2 + H(s)) with s = 4/(4+t)
	// and H(s) = u·(h1 + h2·u + … + h11·u^10), u = s − 1 (H(1) = 0, since
	// Φ(0) = ½): the least-squares fit (near minimax) of ln(2Φ(−t)/s) +
	// t²/2 on t in [0, 15], the coefficients rounded to float32 one at a
	// time from h1 up with the rest refitted (Lawson's algorithm): absolute
	// error 1.6e-9, so relative 1.6e-9 in Φ(−t).
	geluK   = 4
	geluH1  = 0x1.188456p+01
	geluH2  = 0x1.b9670ep-03
	geluH3  = -0x1.426d3ep-01
	geluH4  = 0x1.2757d2p-05
	geluH5  = 0x1.ca424cp-02
	geluH6  = 0x1.0e574ap-03
	geluH7  = 0x1.80b7a4p-01
	geluH8  = 0x1.12e75ap+01
	geluH9  = 0x1.265a84p+01
	geluH10 = 0x1.23aca2p+00
	geluH11 = 0x1.c75efap-03
	// G(u)/4 ≈ g0 + g1·u + g2·u² + g3·u³: G = −L'(t)·(4+t), L(t) = ln Φ(−t)
	// + t²/2, is by how much a relative error δ of s moves ln Φ (G·δ, G in
	// [1, 3.2]); a least-squares fit, absolute error 0.0054 in G, which is
	// plenty for a correction of at most 2^-21.
	geluG0 = 0x1.993276p+01 / 4
	geluG1 = 0x1.6650dep+01 / 4
	geluG2 = -0x1.49f35ap-01 / 4
	geluG3 = -0x1.5f959p+00 / 4
	// |x| is clamped here. gelu(x) rounds to x for x > 0x1.563dbp2 (≈ 5.35),
	// to a subnormal below −0x1.a4ae0ep3 (≈ −13.15) and to −0 below
	// −0x1.cb64e8p3 (≈ −14.36); 15·Φ(−15) is far below 2^-150.
	geluClamp = 15

	// Tanh form: |w| = 2·√(2/π)·(t + 0.044715·t³) = c1·t + c2·t³, each
	// constant split into its float32 rounding and the float32 rounding of
	// the rest (the float64 values are 2·√(2/π) and 0.044715·2·√(2/π)).
	geluTanhC1Hi = 0x1.988454p+00  // 1.5957691216057308 rounded
	geluTanhC1Lo = -0x1.857936p-25 // the rest
	geluTanhC2Hi = 0x1.2444f2p-04  // 0.071354816272600249 rounded
	geluTanhC2Lo = 0x1.49b16ap-29  // the rest
	// |x| is clamped here: |w(12)| = 142.4, e^−142.4 is 0 in float32. The
	// tanh form rounds to x for x > 0x1.3f9ffp2 (≈ 4.99), to a subnormal
	// below −0x1.43386cp3 (≈ −10.10) and to −0 below −0x1.58aaf2p3
	// (≈ −10.77).
	geluTanhClamp = 12
)

// gelu32 is the scalar GELU (erf form), x·Φ(x) = x/2·(1+erf(x/√2)).
// Every step is a float32 operation or an FMA, with no branch other than
// the per-lane selects on the sign of x (a SIMD version blends both
// sides), so every level can evaluate the same steps and agree to the bit.
//
// With t = min(|x|, 15) (NaN stays NaN) and xc = t with the sign of x:
//
//  1. d = 4 + t and s = 4/d, with their errors: ed = 4 + t − d exactly
//     (Fast2Sum of max(t,4) and min(t,4)), ρ = 4 − s·d exactly (one FMA),
//     so s·(1+δ) = 4/(4+t) with 4δ = sd = s·ed − ρ. u = s − 1, with its
//     rounding (for s < 0.5) eu = s − (u+1) by Fast2Sum.
//  2. H(u) = h1·u + u²·q(u): q by Horner with FMAs, h1·u = ph + pl exactly,
//     rh = u·(u·q) small (0 ≤ rh < 0.36), so its roundings are too.
//  3. −t²/2 = hs + hl exactly (t·t and its FMA residue, halved).
//  4. The exponent a = hs + hl + H − G·δ + eu·H'(u) is reduced as in Exp:
//     n = round((hs + (ph + rh))·log2 e), r = fma(n, −ln2hi, hs) + ph, then
//     fma(n, −ln2lo, ·), then + ((pl + hl + rh) + eu·(g − ¼)·d − sd·g),
//     with g = G/4 from its cubic (the corrections for the roundings of s
//     and u: −G·δ, and eu·H'(u) = eu·(G−1)/s, 1/s ≈ d/4). |r| ends
//     within ln2/2 and a few ulps, every rounding on the way is of a value
//     below 1 in size, and w = e^r − 1 by Tanh's expm1 polynomial, so
//     Φ(−t) = s·(1+w)·2^(n−1).
//  5. x < 0 (sign bit set, −0 included): xc·s = mh + ml exactly, gelu =
//     (mh + (mh·w + (ml·w + ml)))·2^(n−1), the power of two applied last,
//     in two factors where it is below 2^-126, so it is exact or is the
//     one rounding of a subnormal result (gradual underflow, then −0). The
//     sign bit is then set, so −0 gives −0. (scale2n serves beyond the
//     range its comment states: n ≥ −167 here, and wherever n < −126 the
//     value scaled is at least 0.1, so its first factor 2^⌊n/2⌋ leaves it
//     normal and exact; the same holds in geluTanh32, n ≥ −206.)
//     x ≥ 0: gelu = x − xc·Q in one FMA, Q = (s·w + s)·2^(n−1) = Φ(−t):
//     x·Φ(x) with the single rounding of an FMA; x itself once Q < 2^-25,
//     +Inf for +Inf (xc = 15 keeps Inf·0 out).
//
// The roundings that remain uncompensated are those of mh + (…) (or of
// the final FMA), of the reduced argument r and of w: the exhaustive
// sweep's maximum is recorded in ACCURACY.md.
func gelu32(x float32) float32 {
	bits := math.Float32bits(x)
	neg := bits>>31 != 0
	t := math.Float32frombits(bits &^ (1 << 31))
	if t > geluClamp { // min(t, 15); a NaN t stays x's NaN, as VMINPS and FMIN keep it
		t = geluClamp // (Go's min would mix the clamp's bits into its payload)
	}
	xc := math.Float32frombits(math.Float32bits(t) | bits&(1<<31))

	d := geluK + t
	big, small := max(t, geluK), min(t, geluK)
	ed := (big - d) + small // d + ed = 4 + t exactly (Fast2Sum)
	s := geluK / d
	rho := fma32(-s, d, geluK) // exact: 4 − s·d
	// s·(1+δ) = 4/(4+t) exactly, δ = (s·ed − ρ)/4
	sd := fma32(s, ed, -rho)
	u := s - 1
	eu := s - (u + 1) // u + eu = s − 1 exactly (Fast2Sum): u rounds for s < 0.5
	q := fma32(geluH11, u, geluH10)
	q = fma32(q, u, geluH9)
	q = fma32(q, u, geluH8)
	q = fma32(q, u, geluH7)
	q = fma32(q, u, geluH6)
	q = fma32(q, u, geluH5)
	q = fma32(q, u, geluH4)
	q = fma32(q, u, geluH3)
	q = fma32(q, u, geluH2)
	// H = h1·u + u²·q: h1·u = ph + pl exactly; the rest, rh, is small
	// (0 ≤ rh < 0.36), so its roundings are small too.
	ph := float32(geluH1 * u)
	pl := fma32(geluH1, u, -ph)
	rh := float32(u * float32(u*q))

	sh := float32(t * t)
	sl := fma32(t, t, -sh)
	hs := -0.5 * sh
	hl := -0.5 * sl

	z := fma32(hs+(ph+rh), expLog2e, expShifter)
	nf := z - expShifter
	r := fma32(nf, -expLn2Hi, hs)
	r += ph
	r = fma32(nf, -expLn2Lo, r)
	g := fma32(geluG3, u, geluG2)
	g = fma32(g, u, geluG1)
	g = fma32(g, u, geluG0)
	// The exponent moves by −G·δ for s's error and by eu·(G−1)/s for u's;
	// 1/s ≈ d/4.
	corr := fma32(eu, float32((g-0.25)*d), pl+hl+rh)
	r += fma32(-sd, g, corr)
	n := int32(math.Float32bits(z)) - int32(math.Float32bits(expShifter)) - 1
	w := expm1Poly(r) // e^r − 1
	if neg {
		// xc·s = mh + ml exactly; xc·s·e^r = mh + (mh·w + ml·(1+w)).
		mh := float32(xc * s)
		ml := fma32(xc, s, -mh)
		y := scale2n(mh+fma32(mh, w, fma32(ml, w, ml)), n)
		return math.Float32frombits(math.Float32bits(y) | 1<<31) // −0 for −0 (the sum gives +0)
	}
	return fma32(-xc, scale2n(fma32(s, w, s), n), x) // x − xc·Φ(−t)
}

// geluTanh32 is the scalar GELUTanh, x/2·(1+tanh(√(2/π)·(x+0.044715·x³)))
// = x·σ(w) with w = 2·√(2/π)·(x+0.044715·x³) and σ(w) = 1/(1+e^−w).
// Branch-free per lane like gelu32.
//
// With t = min(|x|, 12) (NaN stays NaN) and xc = t with the sign of x:
//
//  1. |w| = c1·t + c2·t³ as a double-float wh + wl: t² and t³ as products
//     with their FMA residues, c1·t and c2·t³ likewise (c1 and c2 are
//     double-floats), the two positive terms added by Fast2Sum (larger
//     first, by max and min), every residue gathered in wl. Its error is
//     below 2^-40 absolute, so e^−|w| loses nothing to it even where |w|
//     is near 104 (a float32 |w| would be off by 2^-17 there).
//  2. −|w| is reduced as in Exp: n = round(−wh·log2 e), r = fma(n, −ln2hi,
//     −wh) (exact), fma(n, −ln2lo, ·), − wl; w' = e^r − 1 by Tanh's expm1
//     polynomial and e = e^−|w| = (1+w')·2^n (two factors below 2^-126,
//     0 for |w| > 104).
//  3. The numerator is a·(1+v) with a = xc, v = w' for x < 0 (x·σ(w) =
//     xc·e^r·2^n/(1+e)) and a = 1, v = 0 for x ≥ 0 (σ(|w|) = 1/(1+e)).
//     The quotient is compensated as in Sigmoid: 1+e = dh + dl exactly
//     (Fast2Sum, e ≤ 1), q0 = (a·v + a)/dh, ρ = a − q0·dh + a·v − q0·dl
//     in three FMAs (the first, a − q0·dh ≈ a·v, rounds relative to a·v's
//     size), c = ρ/dh, so q0 + c is the quotient to about 2^-46.
//  4. x < 0: gelu = (q0 + c)·2^n, the power of two last (exact, or the one
//     rounding of a subnormal result). x ≥ 0: gelu = x·q0 + xc·c in one
//     FMA (xc = 12 for x ≥ 12, where c = 0, keeps Inf·0 out).
//  5. The sign bit of x is copied onto the result, so −0 gives −0 (the
//     compensation would give +0) and the underflowing tail gives −0.
func geluTanh32(x float32) float32 {
	bits := math.Float32bits(x)
	sign := bits & (1 << 31)
	t := min(math.Float32frombits(bits&^(1<<31)), geluTanhClamp) // NaN stays NaN
	xc := math.Float32frombits(math.Float32bits(t) | sign)

	sh := float32(t * t)
	sl := fma32(t, t, -sh)
	ch := float32(sh * t)
	cl := fma32(sh, t, -ch)
	cl = fma32(sl, t, cl)
	ah := float32(geluTanhC1Hi * t)
	al := fma32(geluTanhC1Hi, t, -ah)
	al = fma32(geluTanhC1Lo, t, al)
	bh := float32(geluTanhC2Hi * ch)
	bl := fma32(geluTanhC2Hi, ch, -bh)
	bl = fma32(geluTanhC2Hi, cl, bl)
	bl = fma32(geluTanhC2Lo, ch, bl)
	big, small := max(ah, bh), min(ah, bh)
	wh := big + small
	wl := (big - wh) + small
	wl += al + bl

	return xSigmoid(x, xc, wh, wl, sign)
}

// xSigmoid returns x·σ(w) for |w| = wh + wl (a double-float, wh ≥ 0),
// steps 2 to 5 of geluTanh32, which SiLU (w = x) shares: t = |x| clamped,
// xc = t with the sign of x, sign = x's sign bit.
func xSigmoid(x, xc, wh, wl float32, sign uint32) float32 {
	z := fma32(wh, -expLog2e, expShifter)
	nf := z - expShifter
	r := fma32(nf, -expLn2Hi, -wh)
	r = fma32(nf, -expLn2Lo, r)
	r -= wl
	n := int32(math.Float32bits(z)) - int32(math.Float32bits(expShifter))
	w := expm1Poly(r) // e^r − 1
	e := scale2n(1+w, n)

	// The numerator is a·(1+v): xc·e^r for x < 0, 1 for x ≥ 0.
	a, v := float32(1), float32(0)
	if sign != 0 {
		a, v = xc, w
	}
	dh := 1 + e
	dl := (1 - dh) + e
	q0 := fma32(a, v, a) / dh
	var q float32
	rho := fma32(-q0, dh, a) // a − q0·dh: about a·v, rounded finely
	rho = fma32(a, v, rho)   // a·(1+v) − q0·dh
	rho = fma32(-q0, dl, rho)
	c := rho / dh // q0 + c is the quotient to about 2^-46 relative
	if sign != 0 {
		q = scale2n(q0+c, n)
	} else {
		q = fma32(x, q0, float32(xc*c)) // x·(q0 + c), one rounding
	}
	return math.Float32frombits(math.Float32bits(q) | sign)
}
