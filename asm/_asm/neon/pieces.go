package main

import "fmt"

// The building blocks the kernels share, as instruction templates over
// the register names given.

// reduce writes z = n·ln2 + r: z·log2e + shifter rounds to n in the low
// bits (of register n), r = z − n·ln2 in two fused steps into z, with s a
// temporary. With biasedPow2 the shifter's bias leaves n+127 in the low
// bits and n becomes 2^n; else n becomes the integer n.
func reduce(z, n, s string, biasedPow2 bool) []string {
	out := []string{
		"// Range reduction: z·log2e + shifter rounds to n in the low bits;",
		"// r = z − n·ln2 in two fused steps (ln2 = hi + lo).",
		fmt.Sprintf("mov {%s}.16b, {k_shifter}.16b", n),
		fmt.Sprintf("fmla {%s}.4s, {%s}.4s, {k_log2e}.4s", n, z),
		fmt.Sprintf("fsub {%s}.4s, {%s}.4s, {k_shifter}.4s", s, n),
		fmt.Sprintf("fmls {%s}.4s, {%s}.4s, {k_ln2hi}.4s", z, s),
		fmt.Sprintf("fmls {%s}.4s, {%s}.4s, {k_ln2lo}.4s", z, s),
	}
	if biasedPow2 {
		return append(out,
			"// The low bits of z hold n+127, so z<<23 is 2^n for n in [−126, 127].",
			fmt.Sprintf("shl {%s}.4s, {%s}.4s, #23", n, n))
	}
	return append(out, fmt.Sprintf("sub {%s}.4s, {%s}.4s, {k_shifter}.4s", n, n))
}

// horner evaluates (...((k_first·r + k_cs[0])·r + k_cs[1])...) with
// fused steps, alternating between registers a and b, and returns the
// code and the register that holds the result.
func horner(cs []string, r, a, b, first string) ([]string, string) {
	out := []string{
		fmt.Sprintf("mov {%s}.16b, {k_%s}.16b", a, cs[0]),
		fmt.Sprintf("fmla {%s}.4s, {k_%s}.4s, {%s}.4s", a, first, r),
	}
	cur, next := a, b
	for _, c := range cs[1:] {
		out = append(out,
			fmt.Sprintf("mov {%s}.16b, {k_%s}.16b", next, c),
			fmt.Sprintf("fmla {%s}.4s, {%s}.4s, {%s}.4s", next, cur, r))
		cur, next = next, cur
	}
	return out, cur
}

// scale2n writes out = v·2^n, n an integer vector, in two steps so that
// the result is rounded once, with gradual underflow; h is a temporary
// and v and n are overwritten.
func scale2n(v, n, h, out string) []string {
	return []string{
		"// v·2^n as (v·2^h)·2^(n−h) with h = n>>1: the first product is exact,",
		"// so the result is rounded once, with gradual underflow.",
		fmt.Sprintf("sshr {%s}.4s, {%s}.4s, #1", h, n),
		fmt.Sprintf("sub {%s}.4s, {%s}.4s, {%s}.4s", n, n, h),
		fmt.Sprintf("add {%s}.4s, {%s}.4s, {k_bias}.4s", h, h),
		fmt.Sprintf("shl {%s}.4s, {%s}.4s, #23", h, h),
		fmt.Sprintf("add {%s}.4s, {%s}.4s, {k_bias}.4s", n, n),
		fmt.Sprintf("shl {%s}.4s, {%s}.4s, #23", n, n),
		fmt.Sprintf("fmul {%s}.4s, {%s}.4s, {%s}.4s", v, v, h),
		fmt.Sprintf("fmul {%s}.4s, {%s}.4s, {%s}.4s", out, v, n),
	}
}

// recip writes y ≈ 1/d to about 16 bits: FRECPE, then one Newton step;
// tmp is a temporary (it may be d, which is then lost).
func recip(d, y, tmp string) []string {
	return []string{
		"// y ≈ 1/d: FRECPE's 8 bits, one Newton step (FRECPS = 2 − d·y) to ~16.",
		fmt.Sprintf("frecpe {%s}.4s, {%s}.4s", y, d),
		fmt.Sprintf("frecps {%s}.4s, {%s}.4s, {%s}.4s", tmp, d, y),
		fmt.Sprintf("fmul {%s}.4s, {%s}.4s, {%s}.4s", y, y, tmp),
	}
}

// other returns whichever of a and b is not v.
func other(v, a, b string) string {
	if v == a {
		return b
	}
	return a
}

// cat joins lists of templates.
func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
