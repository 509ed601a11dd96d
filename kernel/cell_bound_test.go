package kernel_test

import (
	"math"

	"github.com/simdcore/simdcore/internal/kerneltest"
)

// The cells' accuracy bound (the Composed contract), computed per element
// by a running error analysis of the float32 evaluation order that the
// cells' doc comments state. Each quantity is an ev: its exact value v
// (in float64, from the float32 inputs) and a bound e on how far the
// kernel's float32 value of it can be from v. The rules:
//
//   - an input is exact: e = 0;
//   - x·y, unrounded: |x̂ŷ − xy| ≤ |x|·e_y + |y|·e_x + e_x·e_y;
//   - x + y, unrounded: e_x + e_y;
//   - rounding to float32 (each product, sum and fused multiply-add of
//     the stated order, once): half an ulp at the largest magnitude the
//     value can have, |v| + e, plus 2^-53·(|v| + e) for the generic
//     level's fused multiply-add, which may round through float64 first;
//   - an activation f (σ or tanh, both increasing) of an argument â
//     within e of a: f̂(â) is within ULP ulps of f(â) (the table's bound
//     for Sigmoid and Tanh, measured over all 2^32 inputs in ACCURACY.md),
//     and f(â) lies between f(a − e) and f(a + e): e_f = max |f(a ± e) −
//     f(a)| + ULP·ulp(max |f(a ± e)|).
//
// Nothing here is fitted: each term is an upper bound of the error the
// step it stands for can add, so a result outside the bound is a bug in
// the kernel (or in a stated order the kernel does not follow).
type ev struct{ v, e float64 }

// exact is an input.
func exact(x float32) ev { return ev{float64(x), 0} }

func evMul(x, y ev) ev {
	return ev{x.v * y.v, math.Abs(x.v)*y.e + math.Abs(y.v)*x.e + x.e*y.e}
}

func evAdd(x, y ev) ev { return ev{x.v + y.v, x.e + y.e} }

// rounded is x after one rounding to float32.
func rounded(x ev) ev {
	m := math.Abs(x.v) + x.e
	return ev{x.v, x.e + 0.5*kerneltest.ULPSize(m) + 0x1p-53*m}
}

// activated is f(x) by an implementation within ulps of f, f increasing.
func activated(f func(float64) float64, ulps float64, x ev) ev {
	v := f(x.v)
	if math.IsInf(x.v, 0) { // the kernel's argument is the same infinity
		return ev{v, ulps * kerneltest.ULPSize(v)}
	}
	lo, hi := f(x.v-x.e), f(x.v+x.e)
	return ev{v, max(hi-v, v-lo) + ulps*kerneltest.ULPSize(max(math.Abs(lo), math.Abs(hi)))}
}

// sigmoid64 is σ in float64, in the form that keeps its relative accuracy
// for large negative arguments.
func sigmoid64(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// lstmBound is the bound of one LSTM unit: its gates i, f, g, o from the
// pre-activations, c = fma(f, cPrev, round(i·g)), h = round(o·tanh(c)).
func lstmBound(ulps float64, pre [4]float32, cPrev float32) (gates [4]ev, c, h ev) {
	for j, p := range pre {
		f := sigmoid64
		if j == 2 {
			f = math.Tanh
		}
		gates[j] = activated(f, ulps, exact(p))
	}
	ig := rounded(evMul(gates[0], gates[2]))
	c = rounded(evAdd(evMul(gates[1], exact(cPrev)), ig))
	h = rounded(evMul(gates[3], activated(math.Tanh, ulps, c)))
	return gates, c, h
}

// gruBound is the bound of one GRU unit: r = σ(round(xr + hr)),
// z = σ(round(xz + hz)), m = tanh(fma(r, hn, xn)),
// h = fma(z, round(hPrev − m), m).
func gruBound(ulps float64, x, hg [3]float32, hPrev float32) (gates [3]ev, h ev) {
	r := activated(sigmoid64, ulps, rounded(evAdd(exact(x[0]), exact(hg[0]))))
	z := activated(sigmoid64, ulps, rounded(evAdd(exact(x[1]), exact(hg[1]))))
	m := activated(math.Tanh, ulps, rounded(evAdd(exact(x[2]), evMul(r, exact(hg[2])))))
	d := rounded(evAdd(exact(hPrev), ev{-m.v, m.e}))
	h = rounded(evAdd(m, evMul(z, d)))
	return [3]ev{r, z, m}, h
}

// within reports whether got is a float32 result that the bound b allows:
// the same NaN or infinity where b's value is one, else within b.e of
// b.v, or an infinity of b.v's sign where rounding b.v + b.e could
// overflow.
func within(got float32, want float64, b ev) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want) || math.IsInf(want, 0):
		return g == want || (math.IsNaN(want) && math.IsNaN(g))
	case math.IsInf(g, 0):
		return math.Signbit(g) == math.Signbit(want) && math.Abs(want)+b.e >= 0x1p128*(1-0x1p-25)
	}
	return math.Abs(g-want) <= b.e
}
