package kernel_test

// The vector suite's driver for the Fused contract (Axpy), and the
// predicate that defines it.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// testAlphas are the multipliers Axpy and Scale are swept with.
var testAlphas = []float32{0, 1, -1, 0.5, 0.75, -1.5, 1.0 / 3, -2.75, 1e-7, 3e7}

func axpyDriver(t testing.TB, s kernel.Spec) vectorDriver {
	want := refOf[func(dst []float64, alpha float32, x, y []float32)](t, s)
	// check runs the kernel on (alpha, x, y), which may be the same
	// slice, and holds every element to the Fused contract: fma32 at the
	// SIMD levels; fma32 or two roundings at the generic level. The float64
	// reference is checked to agree before the kernel runs.
	check := func(t *testing.T, what string, l kernel.Level, alpha float32, x, y []float32) {
		t.Helper()
		y0, x0 := slices.Clone(y), slices.Clone(x)
		w := make([]float64, len(y))
		want(w, alpha, x0, y0)
		s.Axpy(alpha, x, y)
		for i := range y {
			fused := fma32(alpha, x0[i], y0[i])
			if !sameFloat(fused, float32(w[i])) && kerneltest.ULP(fused, w[i]) > 0.5+0x1p-20 {
				// float32(w) double-rounds only at a midpoint, where fma32
				// goes through math/big: both stay within half an ulp.
				t.Fatalf("%s: fma32=%v and the reference %v disagree", what, fused, w[i])
			}
			if !fusedOK(l, alpha, x0[i], y0[i], y[i]) {
				t.Fatalf("%s at %v: alpha=%v x[%d]=%v y[%d]=%v: got %v want %v (one rounding)", what, l, alpha, i, x0[i], i, y0[i], y[i], fused)
			}
		}
	}
	return vectorDriver{
		slices: 2,
		sweep: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, sl [][]float32) {
			x, y := sl[0], sl[1]
			kerneltest.Fill(r, x, -1, 1)
			kerneltest.Fill(r, y, -1, 1)
			alpha := testAlphas[r.IntN(len(testAlphas))]
			checkKeeps(t, s.Name, func() { check(t, what, l, alpha, x, y) }, x)
			// In place: y += alpha·y.
			check(t, what+" x==y", l, alpha, y, y)
			// Cancellation: y = -alpha·x, so the rounding of the product
			// is all that remains (two roundings differ most here).
			for i := range y {
				y[i] = -1.0 / 3 * x[i]
			}
			check(t, what+" cancel", l, 1.0/3, x, y)
		},
		guard: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32) {
			check(t, what+" end-guarded", l, 0.75, end[0], end[1])
			check(t, what+" start-guarded", l, 0.75, start[0], start[1])
			check(t, what+" in place end-guarded", l, -0.25, end[1], end[1])
			check(t, what+" in place start-guarded", l, -0.25, start[0], start[0])
		},
		specials: func(t *testing.T, l kernel.Level) {
			s.Axpy(2, nil, nil)
			sp := kerneltest.Specials
			// Every special as alpha, x and y, in vectors long enough for
			// the main loop and with a tail at every level.
			for _, alpha := range append(slices.Clone(sp), 3) {
				x := make([]float32, 0, len(sp)*len(sp))
				y := make([]float32, 0, cap(x))
				for _, a := range sp {
					for _, b := range sp {
						x = append(x, a)
						y = append(y, b)
					}
				}
				check(t, fmt.Sprintf("alpha=%v", alpha), l, alpha, x, y)
			}
			// Subnormal products and sums, and the overflow threshold.
			check(t, "subnormal", l, 0x1p-100, []float32{0x1p-40, 0x1p-49, 3 * 0x1p-50, -0x1p-45}, []float32{0, 0x1p-149, -0x1p-149, 0x1p-140})
			check(t, "overflow", l, 2, []float32{math.MaxFloat32 / 2, math.MaxFloat32, -math.MaxFloat32}, []float32{0x1p103, 0, math.MaxFloat32})
		},
		call: func(sl [][]float32) { s.Axpy(0.5, sl[0], sl[1]) },
		fuzz: func(t *testing.T, l kernel.Level, v []float32) {
			if len(v) == 0 {
				return
			}
			x, y := halves(v[1:])
			check(t, "fuzz", l, v[0], x, y)
		},
		seeds: alphaSeeds,
		panics: func(t *testing.T) {
			y := []float32{1, 2, 3, 4, 5, 6, 7}
			yc := slices.Clone(y)
			require.PanicsWithValue(t, "kernel."+s.Name+": len(x)=5 != len(y)=7", func() {
				s.Axpy(1, make([]float32, 5), y)
			})
			require.PanicsWithValue(t, "kernel."+s.Name+": y overlaps x", func() {
				s.Axpy(1, y[:6], y[1:])
			})
			require.Equal(t, yc, y, "%s wrote before panicking", s.Name)
		},
	}
}

// fusedOK reports whether got is y+alpha·x under the Fused contract at
// level l: rounded once (fma32) at every SIMD level; once or twice
// (y + float32(alpha·x)) at the generic level.
func fusedOK(l kernel.Level, alpha, x, y, got float32) bool {
	if sameFloat(got, fma32(alpha, x, y)) {
		return true
	}
	return l == kernel.Generic && sameFloat(got, twoRoundings(alpha, x, y))
}

// twoRoundings returns y + alpha·x with the product rounded to float32
// and then the sum. The product is formed exactly in float64 and rounded
// by the conversion, so the compiler cannot fuse it with the sum (it may
// fuse a float32 alpha*x despite a float32(…) conversion around it: arm64
// does).
func twoRoundings(alpha, x, y float32) float32 {
	return y + float32(float64(alpha)*float64(x))
}

// TestFusedIsStrict checks that the Fused contract rejects two roundings
// at every SIMD level (NEON included) and accepts them only at the
// generic level, on inputs where the two differ.
func TestFusedIsStrict(t *testing.T) {
	r := kerneltest.Rand(33)
	found := 0
	for range 10000 {
		alpha, x := float32(1.0/3), 2*r.Float32()-1
		// The conversion rounds y here, so that no later use fuses its
		// last multiplication.
		y := float32(-1.0 / 3 * x * (1 + 0x1p-20*float32(r.IntN(8))))
		two := twoRoundings(alpha, x, y)
		if sameFloat(two, fma32(alpha, x, y)) {
			continue
		}
		found++
		for _, l := range []kernel.Level{kernel.AVX2, kernel.AVX512, kernel.NEON} {
			require.False(t, fusedOK(l, alpha, x, y, two), "two roundings accepted at %v", l)
		}
		require.True(t, fusedOK(kernel.Generic, alpha, x, y, two))
	}
	require.Greater(t, found, 1000, "inputs where one and two roundings differ")
}
