package kernel

import "math"

// Constants of the float32 steps that the SIMD levels take for Exp, Tanh,
// Sigmoid and the softmax family, and below, those steps as scalar Go
// (exp32, tanh32, sigmoid32: the reference loops of the assembly, which
// the tests hold the SIMD levels to). The assembly holds the same values
// in its DATA sections (the NEON generator reads them from this file);
// the two must change together. The generic level evaluates in float64
// instead (activation_float64.go).
const (
	expLog2e   = 0x1.715476p+0   // log2(e) rounded to float32
	expLn2Hi   = 0x1.62e430p-1   // ln 2 rounded to float32
	expLn2Lo   = -0x1.05c610p-29 // ln 2 − expLn2Hi, rounded to float32
	expShifter = 0x1.8000fep23   // 1.5·2^23 + 127: x·log2e + shifter rounds to an integer, biased in the low bits

	expMin = -0x1.a0p6 // −104: e^x rounds to +0 below −103.97
	expMax = 0x1.64p6  // 89: e^x overflows above 88.72

	// e^r ≈ 1 + r·(c1 + c2·r + c3·r² + c4·r³ + c5·r⁴ + c6·r⁵) on
	// |r| ≤ ln2/2: degree-6 minimax, coefficients rounded to float32 one by one
	// with the rest refitted: relative error 4.4e-9.
	expC1 = 0x1.000000p+0
	expC2 = 0x1.000000p-1
	expC3 = 0x1.555466p-3
	expC4 = 0x1.5552fep-5
	expC5 = 0x1.1257d2p-7
	expC6 = 0x1.6ff254p-10

	// expm1(r) ≈ r + r²·(m2 + m3·r + … + m7·r⁵) on |r| ≤ ln2/2:
	// degree-7 minimax, refitted after rounding as above: relative error
	// 4.7e-10.
	expm1C2 = 0x1.000000p-1
	expm1C3 = 0x1.555554p-3
	expm1C4 = 0x1.5554eap-5
	expm1C5 = 0x1.1113acp-7
	expm1C6 = 0x1.6d4c0ep-10
	expm1C7 = 0x1.9c6600p-13

	tanhTiny  = 0x1p-13 // |x| below this: tanh(x) rounds to x
	tanhClamp = -40     // −2|x| is clamped here; tanh is ±1 long before
)

// fma32 returns a·b+c rounded once to float32 (up to a double rounding
// through float64 in about one case in 2^29, which moves the result by
// at most one ulp and only at an exact float32 tie). It is what the
// assembly's VFMADD does.
//
// It is written without math.FMA, which is the same here: a float32
// product is exact in float64 (24+24 bits < 53), so a·b+c in float64
// rounds once, just as math.FMA(a, b, c) does, whether or not the compiler
// fuses it. math.FMA is a slow software routine on amd64 below GOAMD64=v3.
func fma32(a, b, c float32) float32 {
	return float32(float64(a)*float64(b) + float64(c))
}

// pow2i returns 2^n for n in [-126, 127].
func pow2i(n int32) float32 { return math.Float32frombits(uint32(n+127) << 23) }

// scale2n returns v·2^n rounded once, for v in [0.5, 2] and n in
// [-151, 129]: directly where 2^n is a normal float32, else in two steps
// so that only the last multiply rounds (gradual underflow, exact
// overflow).
func scale2n(v float32, n int32) float32 {
	if n >= -126 && n <= 127 {
		return v * pow2i(n)
	}
	h := n >> 1
	return float32(v*pow2i(h)) * pow2i(n-h)
}

// expReduce performs Exp's range reduction of a clamped, non-NaN x:
// x = n·ln2 + r with |r| ≤ ln2/2.
func expReduce(x float32) (n int32, nf, r float32) {
	z := fma32(x, expLog2e, expShifter)
	nf = z - expShifter
	r = fma32(nf, -expLn2Hi, x)
	r = fma32(nf, -expLn2Lo, r)
	n = int32(math.Float32bits(z)) - int32(math.Float32bits(expShifter))
	return n, nf, r
}

// expPoly returns e^r ≈ 1 + r·p(r) for the reduced argument r.
func expPoly(r float32) float32 {
	p := fma32(expC6, r, expC5)
	p = fma32(p, r, expC4)
	p = fma32(p, r, expC3)
	p = fma32(p, r, expC2)
	p = fma32(p, r, expC1)
	return fma32(p, r, 1)
}

// exp32 is the scalar Exp.
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, expMin), expMax)
	n, _, r := expReduce(x)
	return scale2n(expPoly(r), n)
}

// expm1Poly returns expm1(r) ≈ r + r²·q(r) for the reduced argument r.
func expm1Poly(r float32) float32 {
	q := fma32(expm1C7, r, expm1C6)
	q = fma32(q, r, expm1C5)
	q = fma32(q, r, expm1C4)
	q = fma32(q, r, expm1C3)
	q = fma32(q, r, expm1C2)
	r2 := r * r
	return fma32(r2, q, r)
}

// tanh32 is the scalar Tanh.
func tanh32(x float32) float32 {
	if x != x {
		return x
	}
	bits := math.Float32bits(x)
	a := math.Float32frombits(bits &^ (1 << 31))
	if a < tanhTiny {
		return x
	}
	na2 := max(-(a + a), tanhClamp) // −2a, exact
	n, _, r := expReduce(na2)
	w := expm1Poly(r)
	s := pow2i(n) // n in [-58, 0]
	t := tanhQuotient(s, w, 1/fma32(s, w, 1+s))
	return math.Float32frombits(math.Float32bits(t) | bits&(1<<31))
}

// tanhQuotient returns ((1−s) − s·w) / ((1+s) + s·w) for s = 2^n, n ≤ 0,
// with the roundings of numerator, denominator and quotient compensated:
// q0 is the quotient of the rounded numerator and denominator, ρ is the
// exact numerator minus q0 times the exact denominator, computed as
//
//	ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w
//
// in FMAs whose results shrink step by step (so each rounds little), and
// q0 + ρ·y with y ≈ 1/denominator is the quotient to within about half
// an ulp. y needs only about 12 bits: AVX2 uses VRCPPS, AVX-512
// VRCP14PS (whose 14 bits serve for q0 as well, instead of a division).
func tanhQuotient(s, w, y float32) float32 {
	num := fma32(-s, w, 1-s)
	den := fma32(s, w, 1+s)
	q0 := num / den
	rho := fma32(-q0, 1+s, 1-s)
	rho = fma32(-s, w, rho)
	rho = fma32(-(q0 * s), w, rho)
	return fma32(rho, y, q0)
}

// sigmoid32 is the scalar Sigmoid.
func sigmoid32(x float32) float32 {
	if x != x {
		return x
	}
	na := math.Float32frombits(math.Float32bits(x) | 1<<31) // −|x|
	na = max(na, expMin)
	n, _, r := expReduce(na)
	e := scale2n(expPoly(r), n)
	num := float32(1)
	if x < 0 {
		num = e
	}
	return sigmoidQuotient(num, e, 1/(1+e))
}

// sigmoidQuotient returns num/(1+e) for num = 1 or e, compensated: the
// denominator is split exactly into dh + dl (dh = 1+e rounded, Fast2Sum
// since e ≤ 1), q0 = num/dh, ρ = num − q0·dh − q0·dl by two FMAs (the
// first exact), and the result q0 + ρ·y with y ≈ 1/(1+e) to 12 bits.
func sigmoidQuotient(num, e, y float32) float32 {
	dh := 1 + e
	dl := (1 - dh) + e
	q0 := num / dh
	rho := fma32(-q0, dh, num)
	rho = fma32(-q0, dl, rho)
	return fma32(rho, y, q0)
}
