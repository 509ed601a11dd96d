package main

import "fmt"

// GELU (erf form) and GELUTanh: each lane runs exactly the float32 steps
// of gelu32 and geluTanh32 in kernel/gelu.go, in the same order, with the
// same fused multiply-adds and true divisions (FDIV), so the results are
// the generic level's to the bit. One vector per iteration: x is V0, the
// temporaries V1..V15 ({t0}..{t14}), sixteen constants stay in V16..V31 and
// the others are set in {t14} where they are used (splat).

// geluCode builds a body: v(i) names temporary i (0 is x), k a constant.
type geluCode struct {
	body     []string
	resident map[string]bool
}

func (c *geluCode) add(format string, a ...any) { c.body = append(c.body, fmt.Sprintf(format, a...)) }

// v names register i of the draft's numbering: 0 is x, 1..15 are {t0}..{t14}.
func v(i int) string {
	if i == 0 {
		return "{x}"
	}
	return fmt.Sprintf("{t%d}", i-1)
}

// k returns the register holding constant name (package kernel's, or a
// fixed one of vconsts), setting {t14} to it if it is not resident.
func (c *geluCode) k(name string) string {
	if c.resident[name] {
		return "{k_" + name + "}"
	}
	c.add("splat {t14}, %s", name)
	return "{t14}"
}

func (c *geluCode) three(mn, d, a, b string) { c.add("%s %s.4s, %s.4s, %s.4s", mn, d, a, b) }
func (c *geluCode) two(mn, d, a string)      { c.add("%s %s.4s, %s.4s", mn, d, a) }
func (c *geluCode) mov(d, a string) {
	if d != a {
		c.add("mov %s.16b, %s.16b", d, a)
	}
}

// fma: d = a·b + d0 where d0 = c (c may be d; a and b must not be d
// unless d is c).
func (c *geluCode) fma(d, a, b, acc string) {
	if d != acc {
		if d == a || d == b {
			panic("fma: d aliases a factor")
		}
		c.mov(d, acc)
	}
	c.three("fmla", d, a, b)
}

// fnma: d = acc − a·b.
func (c *geluCode) fnma(d, a, b, acc string) {
	if d != acc {
		if d == a || d == b {
			panic("fnma: d aliases a factor")
		}
		c.mov(d, acc)
	}
	c.three("fmls", d, a, b)
}

// fms: d = a·b − acc (fma(a, b, −acc)): −acc, then d += a·b, which rounds
// exactly as the fused a·b − acc.
func (c *geluCode) fms(d, a, b, acc string) {
	if d == a || d == b {
		panic("fms: d aliases a factor")
	}
	c.two("fneg", d, acc)
	c.three("fmla", d, a, b)
}

// horner: d = (((k0·x + k1)·x + k2)…) for constants ks, as the Go code's
// fma32(k0, x, k1), fma32(q, x, k2), …; d and tmp alternate.
func (c *geluCode) horner(d, tmp, x string, ks ...string) {
	cur := tmp
	if len(ks)%2 == 0 {
		cur = d
	}
	c.mov(cur, c.k(ks[1]))
	c.three("fmla", cur, c.k(ks[0]), x)
	for _, kn := range ks[2:] {
		next := d
		if cur == d {
			next = tmp
		}
		c.mov(next, c.k(kn))
		c.three("fmla", next, cur, x)
		cur = next
	}
	if cur != d {
		panic("horner ended in tmp")
	}
}

// pow2 sets f1·f2 = 2^(n−j) from the shifter sum z, magic being the
// shifter's bits without the bias (j = 0) or plus one (j = 1): two normal
// factors 2^(a−63)·2^(b−64), a = m>>1, b = m − a, m = n − j + 127, as
// kernel's scale2n applies them.
func (c *geluCode) pow2(magic, z, f1, f2 string) {
	c.three("sub", f2, z, c.k(magic))
	c.add("sshr %s.4s, %s.4s, #1", f1, f2)
	c.three("sub", f2, f2, f1)
	c.three("add", f1, f1, c.k("i64"))
	c.three("add", f2, f2, c.k("i63"))
	c.add("shl %s.4s, %s.4s, #23", f1, f1)
	c.add("shl %s.4s, %s.4s, #23", f2, f2)
}

// expm1: w = e^r − 1 as kernel's expm1Poly (q by Horner, then r + (r·r)·q);
// q is scratch, and so is {t14}.
func (c *geluCode) expm1(w, r, q string) {
	c.horner(q, w, r, "expm1C7", "expm1C6", "expm1C5", "expm1C4", "expm1C3", "expm1C2")
	c.three("fmul", v(15), r, r)
	c.mov(w, r)
	c.three("fmla", w, v(15), q)
}

// geluFixed are the constants that package kernel writes inline or as
// bits.
var geluFixed = []vconst{one, fixed("magic", bitsMagic), fixed("magic1", bitsMagic+1),
	fixed("i64", 64), fixed("i63", 63), fixed("mhalf", 0xbf000000), fixed("quarter", 0x3e800000),
	fixed("negInf", 0xff800000), fixed("siluNaN", 0x7fc00000)}

const bitsMagic = 0x4b400000 // expShifter's bits without the bias

// geluKernel returns the kernel named name with the resident constants
// res (package kernel's names, or geluFixed's) and the body build writes.
func geluKernel(name string, doc []string, res []string, build func(c *geluCode)) *kernel {
	c := &geluCode{resident: map[string]bool{}}
	var consts []vconst
	for _, r := range res {
		c.resident[r] = true
		vc := named(r, r)
		for _, f := range geluFixed {
			if f.name == r {
				vc = f
			}
		}
		consts = append(consts, vc)
	}
	build(c)
	// The non-resident fixed constants are splat by their bits.
	for i, ins := range c.body {
		for _, f := range geluFixed {
			if ins == "splat {t14}, "+f.name {
				c.body[i] = "splat {t14}, " + fmt.Sprintf("0x%08x", f.bits)
			}
		}
	}
	return &kernel{name: name, doc: doc, consts: consts, body: c.body, nregs: 15, kind: mapKind, unroll: 1}
}

// absClampSign sets v(t) = min(|x|, clamp) (NaN passes), v(14) = the
// sign bit of x and v(13) = xc, t with that sign.
func (c *geluCode) absClampSign(clamp string, t int) {
	c.two("fabs", v(1), v(0))
	c.three("fmin", v(t), v(1), c.k(clamp))
	c.add("ushr %s.4s, %s.4s, #31", v(14), v(0))
	c.add("shl %s.4s, %s.4s, #31", v(14), v(14))
	c.add("orr %s.16b, %s.16b, %s.16b", v(13), v(t), v(14))
}

var expm1Res = []string{"expShifter", "expLog2e", "expLn2Hi", "expLn2Lo",
	"expm1C7", "expm1C6", "expm1C5", "expm1C4", "expm1C3", "expm1C2", "i64", "i63"}

var geluTanhK = geluKernel("GELUTanh", []string{
	"GELUTanhNEON: dst[i] = geluTanh32(src[i]), x·σ(w) with |w| as a double-float,",
	"e^−|w| by Exp's reduction and the expm1 polynomial, a compensated quotient."},
	append([]string{"one", "geluTanhClamp", "geluTanhC1Hi", "geluTanhC2Hi"}, expm1Res...), func(c *geluCode) {
		c.add("// t = min(|x|, 12) (NaN passes), {t13} = the sign bit of x, xc = t with it.")
		c.absClampSign("geluTanhClamp", 1)
		c.add("// |w| = c1·t + c2·t³ as wh + wl.")
		c.three("fmul", v(2), v(1), v(1)) // sh
		c.fms(v(3), v(1), v(1), v(2))     // sl
		c.three("fmul", v(4), v(2), v(1)) // ch
		c.fms(v(5), v(2), v(1), v(4))     // cl
		c.fma(v(5), v(3), v(1), v(5))
		c.three("fmul", v(6), c.k("geluTanhC1Hi"), v(1)) // ah
		c.fms(v(7), c.k("geluTanhC1Hi"), v(1), v(6))     // al
		c.fma(v(7), c.k("geluTanhC1Lo"), v(1), v(7))
		c.three("fmul", v(8), c.k("geluTanhC2Hi"), v(4)) // bh
		c.fms(v(9), c.k("geluTanhC2Hi"), v(4), v(8))     // bl
		c.fma(v(9), c.k("geluTanhC2Hi"), v(5), v(9))
		c.fma(v(9), c.k("geluTanhC2Lo"), v(4), v(9))
		c.three("fmax", v(2), v(6), v(8)) // big
		c.three("fmin", v(3), v(6), v(8)) // small
		c.three("fadd", v(4), v(2), v(3)) // wh
		c.three("fsub", v(5), v(2), v(4))
		c.three("fadd", v(5), v(5), v(3)) // wl
		c.three("fadd", v(7), v(7), v(9))
		c.three("fadd", v(5), v(5), v(7))
		c.xSigmoid(true)
	})

// xSigmoid emits geluTanh32's steps 2 to 5 (kernel's xSigmoid), x·σ(w),
// from x, wh in v(4), wl in v(5) (when hasWl; SiLU's wl is 0), xc in
// v(13) and the sign bit of x in v(14), leaving the result in x with x's
// sign.
func (c *geluCode) xSigmoid(hasWl bool) {
	c.add("// −|w| reduced as in Exp; w' = expm1(r), e = (1+w')·2^n.")
	c.mov(v(6), c.k("expShifter"))
	c.three("fmls", v(6), v(4), c.k("expLog2e"))   // z = shifter − wh·log2e
	c.three("fsub", v(7), v(6), c.k("expShifter")) // nf
	c.two("fneg", v(8), v(4))                      // −wh
	c.three("fmls", v(8), v(7), c.k("expLn2Hi"))   // r
	c.three("fmls", v(8), v(7), c.k("expLn2Lo"))
	if hasWl {
		c.three("fsub", v(8), v(8), v(5))
	}
	c.expm1(v(9), v(8), v(10))
	c.pow2("magic", v(6), v(10), v(11))
	c.three("fadd", v(2), v(9), c.k("one"))
	c.three("fmul", v(2), v(2), v(10))
	c.three("fmul", v(2), v(2), v(11)) // e
	c.add("// a·(1+v) = xc·(1+w') for x < 0, 1 for x ≥ 0; 1+e = dh + dl; q0, c.")
	c.add("sshr %s.4s, %s.4s, #31", v(12), v(0)) // mask: sign bit set
	c.mov(v(3), v(12))
	c.add("bsl %s.16b, %s.16b, %s.16b", v(3), v(13), c.k("one")) // a
	c.add("and %s.16b, %s.16b, %s.16b", v(4), v(12), v(9))       // v
	c.three("fadd", v(5), v(2), c.k("one"))                      // dh
	c.three("fsub", v(6), c.k("one"), v(5))
	c.three("fadd", v(6), v(6), v(2)) // dl
	c.fma(v(7), v(3), v(4), v(3))     // a·v + a
	c.three("fdiv", v(7), v(7), v(5)) // q0
	c.fnma(v(8), v(7), v(5), v(3))    // a − q0·dh
	c.fma(v(8), v(3), v(4), v(8))
	c.fnma(v(8), v(7), v(6), v(8))
	c.three("fdiv", v(8), v(8), v(5)) // c
	c.add("// x < 0: (q0 + c)·2^n; x ≥ 0: x·q0 + xc·c; then the sign of x.")
	c.three("fadd", v(9), v(7), v(8))
	c.three("fmul", v(9), v(9), v(10))
	c.three("fmul", v(9), v(9), v(11))
	c.three("fmul", v(8), v(13), v(8))
	c.fma(v(8), v(0), v(7), v(8))
	c.add("bsl %s.16b, %s.16b, %s.16b", v(12), v(9), v(8))
	c.add("orr %s.16b, %s.16b, %s.16b", v(0), v(12), v(14))
}

var geluK = geluKernel("GELU", []string{
	"GELUNEON: dst[i] = gelu32(src[i]), x·Φ(x) with Φ(−t) = ½·s·e^(−t²/2 + H(s)),",
	"s = 4/(4+t), the roundings of s and s − 1 corrected in the exponent."},
	append([]string{"one", "geluClamp", "geluK", "geluH1"}, expm1Res...), func(c *geluCode) {
		c.add("// t = min(|x|, 15) (NaN passes), {t13} = the sign bit of x, xc = t with it.")
		c.two("fabs", v(1), v(0))
		c.three("fmin", v(1), v(1), c.k("geluClamp"))
		c.add("ushr %s.4s, %s.4s, #31", v(14), v(0))
		c.add("shl %s.4s, %s.4s, #31", v(14), v(14))
		c.add("orr %s.16b, %s.16b, %s.16b", v(13), v(1), v(14))
		c.add("// d = 4 + t and s = 4/d with their errors ed, sd; u = s − 1 and eu.")
		c.three("fadd", v(2), c.k("geluK"), v(1)) // d
		c.three("fmax", v(7), v(1), c.k("geluK"))
		c.three("fmin", v(9), v(1), c.k("geluK"))
		c.three("fsub", v(7), v(7), v(2))
		c.three("fadd", v(7), v(7), v(9))         // ed
		c.three("fdiv", v(3), c.k("geluK"), v(2)) // s
		c.mov(v(8), c.k("geluK"))
		c.three("fmls", v(8), v(3), v(2))       // ρ = 4 − s·d
		c.fms(v(4), v(3), v(7), v(8))           // sd = s·ed − ρ
		c.three("fsub", v(5), v(3), c.k("one")) // u
		c.three("fadd", v(6), v(5), c.k("one"))
		c.three("fsub", v(6), v(3), v(6)) // eu
		c.add("// H = h1·u + u²·q(u): q, ph + pl = h1·u, rh = u·(u·q).")
		c.horner(v(7), v(8), v(5), "geluH11", "geluH10", "geluH9", "geluH8", "geluH7", "geluH6",
			"geluH5", "geluH4", "geluH3", "geluH2")
		c.three("fmul", v(8), c.k("geluH1"), v(5)) // ph
		c.fms(v(9), c.k("geluH1"), v(5), v(8))     // pl
		c.three("fmul", v(7), v(5), v(7))
		c.three("fmul", v(10), v(5), v(7)) // rh
		c.add("// −t²/2 = hs + hl.")
		c.three("fmul", v(7), v(1), v(1))           // sh
		c.fms(v(11), v(1), v(1), v(7))              // sl
		c.three("fmul", v(7), c.k("mhalf"), v(7))   // hs
		c.three("fmul", v(11), c.k("mhalf"), v(11)) // hl
		c.add("// The exponent reduced as in Exp, with the corrections for s and u.")
		c.three("fadd", v(1), v(8), v(10))
		c.three("fadd", v(1), v(7), v(1))
		c.mov(v(12), c.k("expShifter"))
		c.three("fmla", v(12), v(1), c.k("expLog2e"))   // z
		c.three("fsub", v(1), v(12), c.k("expShifter")) // nf
		c.three("fmls", v(7), v(1), c.k("expLn2Hi"))    // r = hs − nf·ln2hi
		c.three("fadd", v(7), v(7), v(8))
		c.three("fmls", v(7), v(1), c.k("expLn2Lo"))
		c.horner(v(1), v(8), v(5), "geluG3", "geluG2", "geluG1", "geluG0") // g
		c.three("fsub", v(8), v(1), c.k("quarter"))
		c.three("fmul", v(8), v(8), v(2))
		c.three("fadd", v(9), v(9), v(11))
		c.three("fadd", v(9), v(9), v(10))
		c.three("fmla", v(9), v(6), v(8)) // corr
		c.three("fmls", v(9), v(4), v(1)) // − sd·g
		c.three("fadd", v(7), v(7), v(9)) // r
		c.expm1(v(8), v(7), v(9))
		c.pow2("magic1", v(12), v(10), v(11))
		c.add("// x < 0: (mh + (mh·w + (ml·w + ml)))·2^(n−1), mh + ml = xc·s.")
		c.three("fmul", v(1), v(13), v(3)) // mh
		c.fms(v(2), v(13), v(3), v(1))     // ml
		c.fma(v(4), v(2), v(8), v(2))      // ml·w + ml
		c.three("fmla", v(4), v(1), v(8))  // mh·w + …
		c.three("fadd", v(4), v(1), v(4))
		c.three("fmul", v(4), v(4), v(10))
		c.three("fmul", v(4), v(4), v(11))
		c.add("// x ≥ 0: x − xc·(s·w + s)·2^(n−1); then the sign of x.")
		c.fma(v(5), v(3), v(8), v(3)) // s·w + s
		c.three("fmul", v(5), v(5), v(10))
		c.three("fmul", v(5), v(5), v(11))
		c.fnma(v(6), v(13), v(5), v(0)) // x − xc·Φ(−t)
		c.add("sshr %s.4s, %s.4s, #31", v(12), v(0))
		c.add("bsl %s.16b, %s.16b, %s.16b", v(12), v(4), v(6))
		c.add("orr %s.16b, %s.16b, %s.16b", v(0), v(12), v(14))
	})

func init() {
	register(activationFrom("GELUTanhNEON", "kernel/gelu.go", geluTanhK.emit),
		activationFrom("GELUNEON", "kernel/gelu.go", geluK.emit))
}
