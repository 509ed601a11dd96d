package kernel_test

// The drivers shared by the kernel families' suites (vector_test.go,
// activation_test.go, softmax_test.go, gemv_test.go, gemm_test.go). Each
// suite iterates kernel.Specs, picks the rows of its family by class, and
// holds each row to the contract its table row states: the contract is
// written once, in the table, and tested once, by the family's driver.

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

var (
	inf    = float32(math.Inf(1))
	negInf = float32(math.Inf(-1))
	nan32  = float32(math.NaN())
	negZ   = float32(math.Copysign(0, -1))
)

// refOf returns s's reference function as type F, failing the test if
// the table names none of that type.
func refOf[F any](t testing.TB, s kernel.Spec) F {
	t.Helper()
	f, ok := refFuncs[s.Ref].(F)
	if !ok {
		t.Fatalf("%s: no reference %q of type %T in refFuncs", s.Name, s.Ref, f)
	}
	return f
}

// specsWhere returns the table's public kernels for which keep is true.
func specsWhere(keep func(s kernel.Spec) bool) []kernel.Spec {
	var out []kernel.Spec
	for _, s := range kernel.Specs() {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// mustSpec returns the table row of the public kernel name.
func mustSpec(t testing.TB, name string) kernel.Spec {
	t.Helper()
	s, ok := kernel.SpecOf(name)
	require.True(t, ok, "no table row %s", name)
	return s
}

// TestEverySpecHasSuite checks that every row of the kernel table belongs
// to a family suite that knows its class and contract, and names a
// reference that exists: a new row cannot go untested.
func TestEverySpecHasSuite(t *testing.T) {
	require.NotEmpty(t, kernel.Specs())
	for _, s := range kernel.Specs() {
		_, ok := refFuncs[s.Ref]
		require.True(t, ok, "%s: reference %q not in refFuncs", s.Name, s.Ref)
		var family string
		switch {
		case isVector(s):
			_, ok := vectorDriverOf(t, s)
			require.True(t, ok, "%s: no vector driver for class %s, contract %s", s.Name, s.Class, s.Contract.Kind)
			family = "vector"
		case isActivation(s):
			require.NotNil(t, s.Ref1, "%s: an elementwise kernel needs a scalar reference", s.Name)
			if s.Contract.Kind == kernel.ULP {
				require.Positive(t, s.Contract.ULP, s.Name)
			}
			family = "activation"
		case isSoftmaxFamily(s):
			_, ok := rowSumChecks[s.Name]
			require.True(t, ok, "%s: no softmax-family check", s.Name)
			require.Positive(t, s.Contract.ULP, s.Name)
			family = "softmax"
		case isGemvFamily(s):
			_, ok := gemvShapes[s.Name]
			require.True(t, ok, "%s: no gemv shape rule", s.Name)
			family = "gemv"
		case s.Class == kernel.ClassGemm && s.Contract.Kind == kernel.Reduction:
			family = "gemm"
		case isInt8Family(s):
			family = "int8"
		case isNorm(s) && s.Contract.Kind == kernel.Norm:
			family = "norm"
		case isCell(s) && s.Contract.Kind == kernel.Composed:
			require.Positive(t, s.Contract.ULP, s.Name)
			family = "cell"
		}
		require.NotEmpty(t, family, "%s (class %s, contract %s) belongs to no family suite", s.Name, s.Class, s.Contract.Kind)
	}
}

// sweep calls fn for every test length (kerneltest.Lengths) and a spread
// of element offsets (all 16 for short slices, fewer as they grow), with
// k banded slices whose offsets differ from one another, then checks
// every NaN guard band.
func sweep(t *testing.T, seed uint64, k int, fn func(what string, r *rand.Rand, s [][]float32)) {
	t.Helper()
	r := kerneltest.Rand(seed)
	for _, n := range kerneltest.Lengths() {
		for off := 0; off < kerneltest.MaxOffset; off += 1 + 4*(n/64) {
			bands := make([]*kerneltest.Banded, k)
			s := make([][]float32, k)
			for i := range bands {
				bands[i] = kerneltest.NewBanded(n, (off*(2*i+1)+i)%kerneltest.MaxOffset)
				s[i] = bands[i].S()
			}
			what := fmt.Sprintf("n=%d off=%d", n, off)
			fn(what, r, s)
			for _, b := range bands {
				b.Check(t, what)
			}
		}
	}
}

// guarded calls fn for every test length with k slices ending against an
// unmapped page (end) and k starting right after one (start), each end[i]
// filled from fill and copied to start[i], inside kerneltest.NoFault: a
// read or write past either end of any slice fails the test.
func guarded(t *testing.T, seed uint64, k int, fill func(r *rand.Rand, x []float32), fn func(what string, r *rand.Rand, end, start [][]float32)) {
	t.Helper()
	r := kerneltest.Rand(seed)
	for _, n := range kerneltest.Lengths() {
		end, start := make([][]float32, k), make([][]float32, k)
		for i := range end {
			end[i], start[i] = kerneltest.Guarded(t, n)
			fill(r, end[i])
			copy(start[i], end[i])
		}
		what := fmt.Sprintf("n=%d", n)
		kerneltest.NoFault(t, what, func() { fn(what, r, end, start) })
	}
}

// uniform returns a fill of values in [lo, hi).
func uniform(lo, hi float32) func(r *rand.Rand, x []float32) {
	return func(r *rand.Rand, x []float32) { kerneltest.Fill(r, x, lo, hi) }
}

// seedOf gives each kernel's sweep its own deterministic inputs.
func seedOf(name string, salt uint64) uint64 {
	h := salt
	for _, c := range name {
		h = h*131 + uint64(c)
	}
	return h
}

// sameFloat reports whether got is want bit for bit, or both are NaN.
func sameFloat(got, want float32) bool {
	return math.Float32bits(got) == math.Float32bits(want) || (got != got && want != want)
}

// bits returns x's bit patterns, so that require.Equal compares NaNs and
// signed zeros exactly.
func bits(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
	}
	return b
}

// elemAt returns x[i], or a note if i is out of range, for messages.
func elemAt(x []float32, i int) any {
	if i < 0 || i >= len(x) {
		return "out of range"
	}
	return x[i]
}

// fma32 returns alpha·x + y rounded once to float32 (to nearest, ties to
// even, with gradual underflow and overflow to ±Inf), the value a fused
// multiply-add gives.
//
// w, the float64 result, is alpha·x + y rounded once to float64 (the
// product is exact in float64). Every float32 rounding boundary (each
// midpoint between neighbours, and the overflow threshold) is a float64,
// and rounding is monotone, so unless w is itself such a midpoint the
// exact value lies strictly on w's side of every boundary and float32(w)
// is right. Only when w is a midpoint may double rounding go wrong; then
// the exact sum is rounded with math/big.
func fma32(alpha, x, y float32) float32 {
	w := float64(alpha)*float64(x) + float64(y)
	f := float32(w)
	if w == 0 || math.IsNaN(w) || math.IsInf(w, 0) || float64(f) == w {
		return f // exact zero (IEEE sign), special, or exactly representable
	}
	lo, hi := f, f
	if float64(f) < w {
		hi = math.Nextafter32(f, inf)
	} else {
		lo = math.Nextafter32(f, negInf)
	}
	if !math.IsInf(float64(lo), 0) && !math.IsInf(float64(hi), 0) && w != (float64(lo)+float64(hi))/2 {
		return f
	}
	// 600 bits hold any alpha·x + y exactly: the terms span 2^-298..2^129.
	var p, s big.Float
	p.SetPrec(600).SetFloat64(float64(alpha))
	p.Mul(&p, new(big.Float).SetFloat64(float64(x)))
	s.SetPrec(600).Add(&p, new(big.Float).SetFloat64(float64(y)))
	r, _ := s.Float32() // rounds to nearest even, subnormals and overflow included
	return r
}

func TestFMA32(t *testing.T) {
	// The double-rounding hazard fma32 must avoid: a = 8390624·2^-23 and
	// x = 16773185·2^-48 make a·x = 2^-24 + 262112·2^-71, so a·x + 1 lies
	// just above the midpoint 1+2^-24 between 1 and 1+2^-23, by less than
	// half a float64 ulp. Rounding to float64 lands on the midpoint, and
	// ties-to-even then gives 1; the correctly rounded answer is 1+2^-23.
	a, x := float32(8390624*0x1p-23), float32(16773185*0x1p-48)
	require.Equal(t, float32(1), float32(float64(a)*float64(x)+1), "the hazard is real")
	require.Equal(t, float32(1+0x1p-23), fma32(a, x, 1))
	require.Equal(t, float32(1-0x1p-24), fma32(-a, x, 1), "below 1 the spacing halves: no tie")
	require.Equal(t, float32(-1-0x1p-23), fma32(-a, x, -1))
	// Exact ties round to even.
	require.Equal(t, float32(1), fma32(0x1p-24, 1, 1))
	require.Equal(t, float32(1+0x1p-22), fma32(0x1p-24, 3, 1))
	// Overflow: past the midpoint between MaxFloat32 and 2^128 is +Inf.
	require.Equal(t, inf, fma32(math.MaxFloat32, 2, 0))
	require.Equal(t, float32(math.MaxFloat32), fma32(math.MaxFloat32, 1, 0x1p102))
	require.Equal(t, inf, fma32(math.MaxFloat32, 1, 0x1p103)) // the tie: even is 2^128
	// Gradual underflow.
	require.Equal(t, float32(0x1p-149), fma32(0x1p-75, 0x1p-74, 0))
	require.Equal(t, float32(0), fma32(0x1p-75, 0x1p-75, 0))                    // 2^-150: tie to even 0
	require.Equal(t, float32(0x1p-149), fma32(0x1p-75, 0x1p-75*(1+0x1p-23), 0)) // just above it
	// Signed zeros.
	require.Equal(t, math.Float32bits(negZ), math.Float32bits(fma32(negZ, 1, negZ)))
	require.Equal(t, uint32(0), math.Float32bits(fma32(1, 1, -1)))
	// Cross-check the fast path against big.Float on random values whose
	// magnitudes make many cancellations and midpoints.
	r := kerneltest.Rand(99)
	for range 20000 {
		alpha := float32(r.IntN(1<<12)) * 0x1p-12
		x := float32(r.IntN(1<<13)) * 0x1p-13
		y := float32(r.IntN(1<<24)) * 0x1p-25
		var p, s big.Float
		p.SetPrec(600).SetFloat64(float64(alpha))
		p.Mul(&p, new(big.Float).SetFloat64(float64(x)))
		s.SetPrec(600).Add(&p, new(big.Float).SetFloat64(float64(y)))
		want, _ := s.Float32()
		require.Equal(t, want, fma32(alpha, x, y), "%g·%g+%g", alpha, x, y)
	}
}

// checkReduction holds a float32 reduction result got to the Reduction
// contract (see withinReduction), failing with what in the message.
func checkReduction(t testing.TB, what string, got float32, want, abs float64, n int) {
	t.Helper()
	if !withinReduction(got, want, abs, n) {
		t.Fatalf("%s = %v want %v (|err| %g, bound %g)", what, got, want,
			math.Abs(float64(got)-want), kerneltest.ReductionBound(n, abs))
	}
}

// withinReduction reports whether got, a float32 reduction of n terms,
// meets the Reduction contract: within kerneltest.ReductionBound(n, abs)
// of the exact want, whose terms' magnitudes sum to abs. A NaN or
// infinite want must be matched (NaN by any NaN). Partial sums may
// overflow float32 even where the exact total does not; any order of
// summation is allowed, so Inf or NaN is then a legitimate answer, but a
// finite answer must still be accurate.
func withinReduction(got float32, want, abs float64, n int) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(want) && got != got || float64(got) == want
	}
	if abs > math.MaxFloat32 && (got != got || math.IsInf(float64(got), 0)) {
		return true
	}
	return got == got && math.Abs(float64(got)-want) <= kerneltest.ReductionBound(n, abs)
}
