package kerneltest

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel/ref"
)

// The recurrent cells' accuracy bound (the kernel table's Composed
// contract), computed per element by a running error analysis of the
// float32 evaluation order that kernel.LSTMCell's and kernel.GRUCell's
// doc comments state. Each quantity is a Bound: its exact value V (in
// float64, from the float32 inputs) and a bound E on how far the
// kernel's float32 value of it can be from V. The rules:
//
//   - an input is exact: E = 0;
//   - x·y, unrounded: |x̂ŷ − xy| ≤ |x|·E_y + |y|·E_x + E_x·E_y;
//   - x + y, unrounded: E_x + E_y;
//   - rounding to float32 (each product, sum and fused multiply-add of
//     the stated order, once): half an ulp at the largest magnitude the
//     value can have, |V| + E, plus 2^-53·(|V| + E) for the generic
//     level's fused multiply-add, which may round through float64 first;
//   - an activation f (σ or tanh, both increasing) of an argument â
//     within E of a: f̂(â) is within ulps of f(â) (the table's bound for
//     Sigmoid and Tanh, 2, measured over all 2^32 inputs in ACCURACY.md),
//     and f(â) lies between f(a − E) and f(a + E):
//     E_f = max |f(a ± E) − f(a)| + ulps·ulp(max |f(a ± E)|).
//
// Nothing here is fitted: each term is an upper bound of the error the
// step it stands for can add, so a result outside the bound is a bug in
// the kernel, or a kernel that does not follow its stated order.
type Bound struct{ V, E float64 }

// CellSpecials are the values the recurrent cells' inputs are tried on,
// each pair of inputs over every pair of them: Specials, saturating
// pre-activations (σ and tanh round to 0 or ±1 beyond about −104, 17.3
// and ±9.01), the largest finite e^x's argument, and huge and tiny ones.
var CellSpecials = append(append([]float32(nil), Specials...),
	9.010913, -9.010913, 17.32868, -17.32868, -103.97208, -104, 88.72284, 1e30, -1e30, 1e-30, -1e-30, 3, -3)

// exact is an input.
func exact(x float32) Bound { return Bound{float64(x), 0} }

func bMul(x, y Bound) Bound {
	return Bound{x.V * y.V, math.Abs(x.V)*y.E + math.Abs(y.V)*x.E + x.E*y.E}
}

func bAdd(x, y Bound) Bound { return Bound{x.V + y.V, x.E + y.E} }

// rounded is x after one rounding to float32.
func rounded(x Bound) Bound {
	m := math.Abs(x.V) + x.E
	return Bound{x.V, x.E + 0.5*ULPSize(m) + 0x1p-53*m}
}

// activated is f(x) by an implementation within ulps of f, f increasing.
func activated(f func(float64) float64, ulps float64, x Bound) Bound {
	v := f(x.V)
	if math.IsInf(x.V, 0) { // the kernel's argument is the same infinity
		return Bound{v, ulps * ULPSize(v)}
	}
	lo, hi := f(x.V-x.E), f(x.V+x.E)
	return Bound{v, max(hi-v, v-lo) + ulps*ULPSize(max(math.Abs(lo), math.Abs(hi)))}
}

// LSTMBound is the bound of one LSTM unit from its pre-activations
// [i f g o] and cPrev, for activations within ulps: its gates,
// c = fma(f, cPrev, round(i·g)) and h = round(o·tanh(c)).
func LSTMBound(ulps float64, pre [4]float32, cPrev float32) (gates [4]Bound, c, h Bound) {
	for j, p := range pre {
		f := ref.Sigmoid64
		if j == 2 {
			f = math.Tanh
		}
		gates[j] = activated(f, ulps, exact(p))
	}
	ig := rounded(bMul(gates[0], gates[2]))
	c = rounded(bAdd(bMul(gates[1], exact(cPrev)), ig))
	h = rounded(bMul(gates[3], activated(math.Tanh, ulps, c)))
	return gates, c, h
}

// GRUBound is the bound of one GRU unit from its input-side and
// hidden-side pre-activations [r z n] and hPrev, for activations within
// ulps: r = σ(round(xr + hr)), z = σ(round(xz + hz)),
// m = tanh(fma(r, hn, xn)), h = fma(z, round(hPrev − m), m).
func GRUBound(ulps float64, x, hg [3]float32, hPrev float32) (gates [3]Bound, h Bound) {
	r := activated(ref.Sigmoid64, ulps, rounded(bAdd(exact(x[0]), exact(hg[0]))))
	z := activated(ref.Sigmoid64, ulps, rounded(bAdd(exact(x[1]), exact(hg[1]))))
	m := activated(math.Tanh, ulps, rounded(bAdd(exact(x[2]), bMul(r, exact(hg[2])))))
	d := rounded(bAdd(exact(hPrev), Bound{-m.V, m.E}))
	h = rounded(bAdd(m, bMul(z, d)))
	return [3]Bound{r, z, m}, h
}

// Allows reports whether got is a float32 result that b allows for the
// exact value want: the same NaN or infinity where want is one, else
// within b.E of want, or an infinity of want's sign where rounding a
// value within b.E of want could overflow.
func (b Bound) Allows(got float32, want float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want) || math.IsInf(want, 0):
		return g == want || (math.IsNaN(want) && math.IsNaN(g))
	case math.IsInf(g, 0):
		return math.Signbit(g) == math.Signbit(want) && math.Abs(want)+b.E >= 0x1p128*(1-0x1p-25)
	}
	return math.Abs(g-want) <= b.E
}

// CellResult is one result of a cell against its reference: output
// Name's element Index, the kernel's value Got, the reference's Want,
// the bound, and the unit's inputs (for messages). OK says whether the
// contract holds; NaNRule, that the result is the documented NaN of an
// infinite operand times a gate that underflowed to 0 (where the float64
// formula gives an infinity), which OK then requires.
type CellResult struct {
	Name    string
	Index   int
	Got     float32
	Want    float64
	Bound   Bound
	NaNRule bool
	OK      bool
	Inputs  string
}

func (r CellResult) String() string {
	if r.NaNRule {
		return fmt.Sprintf("%s[%d] = %g, want NaN (an infinite operand times a gate that underflowed to 0); inputs %s",
			r.Name, r.Index, r.Got, r.Inputs)
	}
	return fmt.Sprintf("%s[%d] = %g [%#08x], want %.9g ± %.3g (off by %.3g); inputs %s", r.Name, r.Index,
		r.Got, math.Float32bits(r.Got), r.Want, r.Bound.E, math.Abs(float64(r.Got)-r.Want), r.Inputs)
}

// check returns the result of output name at index i.
func check(name string, i int, got float32, want float64, b Bound, nanRule bool, inputs string) CellResult {
	ok := b.Allows(got, want)
	if nanRule {
		ok = got != got
	}
	return CellResult{name, i, got, want, b, nanRule, ok, inputs}
}

// CheckLSTM compares the results of kernel.LSTMCell (h, c, gates) on the
// inputs cPrev and pre (the 4n pre-activations) with ref.LSTMCell, each
// gate within ulps and c and h within LSTMBound, and calls visit with
// every result.
func CheckLSTM(ulps float64, cPrev, pre, h, c, gates []float32, visit func(CellResult)) {
	n := len(cPrev)
	rh, rc, rg := make([]float64, n), make([]float64, n), make([]float64, 4*n)
	ref.LSTMCell(rh, rc, rg, cPrev, pre)
	for k := range n {
		p := [4]float32{pre[k], pre[n+k], pre[2*n+k], pre[3*n+k]}
		gb, cb, hb := LSTMBound(ulps, p, cPrev[k])
		in := fmt.Sprintf("pre=%g cPrev=%g", p, cPrev[k])
		for j := range 4 {
			i := j*n + k
			visit(check("gates", i, gates[i], rg[i], gb[j], false, in))
		}
		// f underflowed to 0 against an infinite cPrev: 0·Inf.
		under := math.IsInf(float64(cPrev[k]), 0) && gates[n+k] == 0 && rg[n+k] != 0
		visit(check("c", k, c[k], rc[k], cb, under, in))
		visit(check("h", k, h[k], rh[k], hb, under, in))
	}
}

// CheckGRU compares the results of kernel.GRUCell (h, and gates: xg on
// return) on the inputs hPrev, xg and hg with ref.GRUCell, r, z, m and h
// within GRUBound, and calls visit with every result.
func CheckGRU(ulps float64, hPrev, xg, hg, h, gates []float32, visit func(CellResult)) {
	n := len(hPrev)
	rh, rg := make([]float64, n), make([]float64, 3*n)
	ref.GRUCell(rh, rg, hPrev, xg, hg)
	for k := range n {
		x := [3]float32{xg[k], xg[n+k], xg[2*n+k]}
		hk := [3]float32{hg[k], hg[n+k], hg[2*n+k]}
		gb, hb := GRUBound(ulps, x, hk, hPrev[k])
		in := fmt.Sprintf("xg=%g hg=%g hPrev=%g", x, hk, hPrev[k])
		// r underflowed to 0 against an infinite hg_n, or z against an
		// infinite hPrev: 0·Inf.
		rUnder := math.IsInf(float64(hk[2]), 0) && gates[k] == 0 && rg[k] != 0
		zUnder := math.IsInf(float64(hPrev[k]), 0) && gates[n+k] == 0 && rg[n+k] != 0
		for j := range 3 {
			i := j*n + k
			visit(check("xg", i, gates[i], rg[i], gb[j], j == 2 && rUnder, in))
		}
		visit(check("h", k, h[k], rh[k], hb, rUnder || zUnder, in))
	}
}
