// Package kerneltest holds the test machinery shared by simdcore's kernel
// tests: level sweeps, guard pages, NaN guard bands, ULP distances, and
// the size and offset sweeps every kernel is run over (lengths 0..300 and
// a few past the vector loops and the wrappers' chunks, at every element
// offset within a 64-byte line).
package kerneltest

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// Lengths returns 0..300 and the large lengths 4095, 4096, 4097 and
// 65537 (which crosses the 1<<16 chunk boundary of the Go wrappers).
// With -short the large ones are dropped except 4097.
func Lengths() []int {
	ls := make([]int, 0, 305)
	for n := 0; n <= 300; n++ {
		ls = append(ls, n)
	}
	if testing.Short() {
		return append(ls, 4097)
	}
	return append(ls, 4095, 4096, 4097, 65537)
}

// MaxOffset is the number of element offsets (0..MaxOffset-1) that the
// sweeps shift a slice by, so every alignment within a 64-byte line is hit.
const MaxOffset = 16

// ForEachLevel runs fn as a subtest named after each level this CPU and
// build can run, with that level active, and restores the level after.
func ForEachLevel(t *testing.T, fn func(t *testing.T, l kernel.Level)) {
	t.Helper()
	for _, l := range kernel.Available() {
		restore, err := kernel.SetLevel(l)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("level="+l.String(), func(t *testing.T) { fn(t, l) })
		restore()
	}
}

// RequiredLevel returns the level named by SIMDCORE_REQUIRE, which CI sets
// so that a run on a capable machine fails rather than quietly skipping
// the implementations it was meant to test. ok is false when unset.
func RequiredLevel(t testing.TB) (l kernel.Level, ok bool) {
	v := os.Getenv("SIMDCORE_REQUIRE")
	if v == "" {
		return kernel.Generic, false
	}
	l, err := kernel.ParseLevel(v)
	if err != nil {
		t.Fatalf("SIMDCORE_REQUIRE: %v", err)
	}
	return l, true
}

// Rand returns a deterministic generator for a test.
func Rand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// Fill sets every element of x to a uniform value in [lo, hi).
func Fill(r *rand.Rand, x []float32, lo, hi float32) {
	for i := range x {
		x[i] = lo + (hi-lo)*r.Float32()
	}
}

// Specials are the special float32 values every kernel is tried on.
var Specials = []float32{
	0, float32(math.Copysign(0, -1)),
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.MaxFloat32, -math.MaxFloat32,
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, // subnormal
	0x1p-126, -0x1p-126, // smallest normal
	1, -1, 0.5, -0.5, 2, -2,
}

// ULP returns the distance between got and the exact value want, in
// units in the last place of a float32 at want's magnitude (subnormal
// spacing 2^-149 at the bottom). NaN against NaN and equal infinities are
// 0 apart; any other mismatch of NaN or infinity is +Inf.
func ULP(got float32, want float64) float64 {
	g := float64(got)
	switch {
	case math.IsNaN(want) || math.IsNaN(g):
		if math.IsNaN(want) && math.IsNaN(g) {
			return 0
		}
		return math.Inf(1)
	case math.IsInf(want, 0) || math.IsInf(g, 0):
		if g == want {
			return 0
		}
		// An infinite result stands for ±2^128, one ulp past
		// ±MaxFloat32: so exact values of 2^128·(1−2^-25) or more, which
		// round to infinity, are within half an ulp of it, and any value
		// beyond 2^128 (including an infinite want) is 0 away.
		if math.IsInf(g, 0) && math.Signbit(g) == math.Signbit(want) {
			if math.Abs(want) >= 0x1p128 {
				return 0
			}
			return math.Abs(math.Copysign(0x1p128, want)-want) / 0x1p104
		}
		return math.Inf(1)
	}
	return math.Abs(g-want) / ULPSize(want)
}

// ULPSize returns the spacing of float32 values at |v|'s magnitude:
// 2^(e-23) for v in [2^e, 2^(e+1)), and 2^-149 below 2^-126.
func ULPSize(v float64) float64 {
	v = math.Abs(v)
	if v < 0x1p-126 {
		return 0x1p-149
	}
	_, e := math.Frexp(v) // v = f·2^e, f in [0.5, 1)
	return math.Ldexp(1, e-1-23)
}

// Eps is float32's unit roundoff, 2^-24 (half the machine epsilon 2^-23).
const Eps = 0x1p-24

// ReductionBound is the error bound of the Reduction contract, for a
// float32 reduction (in any order) of n terms whose magnitudes sum to
// absSum: (n+1)·eps·Σ|terms| for the n roundings of the sum and the
// products, plus, since products and partial sums may fall among the
// subnormals where rounding error is absolute rather than relative, up to
// half a subnormal step (2^-150) for each of the 2n+1 operations.
func ReductionBound(n int, absSum float64) float64 {
	return float64(n+1)*Eps*absSum + float64(2*n+1)*0x1p-150
}

// FloatsFromBytes turns fuzzer bytes into float32 values, four bytes
// each, little-endian; trailing bytes are dropped.
func FloatsFromBytes(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return v
}
