package kernel_test

// The vector suite's drivers for the Reduction contract: Dot and Sum.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

func dotDriver(t testing.TB, s kernel.Spec) vectorDriver {
	want := refOf[func(x, y []float32) float64](t, s)
	check := func(t *testing.T, what string, x, y []float32) {
		t.Helper()
		checkReduction(t, s.Name+" "+what, s.Dot(x, y), want(x, y), ref.DotAbs(x, y), len(x))
	}
	return vectorDriver{
		slices: 2,
		sweep: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, sl [][]float32) {
			x, y := sl[0], sl[1]
			kerneltest.Fill(r, x, -1, 1)
			kerneltest.Fill(r, y, -1, 1)
			checkKeeps(t, s.Name, func() {
				check(t, what, x, y)
				check(t, what+" self", x, x) // both arguments the same slice
			}, x, y)
		},
		guard: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32) {
			check(t, what+" end-guarded", end[0], end[1])
			check(t, what+" start-guarded", start[0], start[1])
		},
		specials: func(t *testing.T, l kernel.Level) {
			require.Equal(t, float32(0), s.Dot(nil, nil))
			require.Equal(t, float32(0), s.Dot([]float32{}, []float32{}))
			for _, n := range []int{1, 7, 8, 9, 31, 64, 65, 257} {
				for pos := 0; pos < n; pos += max(1, n/5) {
					x, y := make([]float32, n), make([]float32, n)
					for i := range x {
						x[i], y[i] = 1, 1
					}
					x[pos] = nan32
					require.True(t, math.IsNaN(float64(s.Dot(x, y))), "NaN at %d of %d", pos, n)
					x[pos] = inf
					require.Equal(t, inf, s.Dot(x, y), "+Inf at %d of %d", pos, n)
					y[pos] = 0 // Inf·0 is NaN
					require.True(t, math.IsNaN(float64(s.Dot(x, y))), "Inf·0 at %d of %d", pos, n)
					x[pos], y[pos] = math.MaxFloat32, 2 // overflow to +Inf
					require.Equal(t, inf, s.Dot(x, y))
				}
			}
			// -0 · +0 summed alone stays a zero.
			require.Equal(t, float32(0), s.Dot([]float32{negZ}, []float32{0}))
			// Every pair of special values (±0, ±Inf, NaN, the extremes,
			// subnormals), alone and repeated past the vector loop into a
			// tail, against the reference.
			for _, a := range kerneltest.Specials {
				for _, b := range kerneltest.Specials {
					check(t, fmt.Sprint(a, "·", b), []float32{a}, []float32{b})
					check(t, fmt.Sprint(a, "·", b, "×33"), slices.Repeat([]float32{a}, 33), slices.Repeat([]float32{b}, 33))
				}
			}
			// Subnormal terms, and products that underflow to subnormals,
			// sum exactly (no flush to zero): n·2^-149 and n·2^-140.
			for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 64, 65, 129, 257} {
				for _, c := range [][3]float32{
					{math.SmallestNonzeroFloat32, 1, float32(n) * math.SmallestNonzeroFloat32},
					{1, -math.SmallestNonzeroFloat32, -float32(n) * math.SmallestNonzeroFloat32},
					{0x1p-100, 0x1p-40, float32(n) * 0x1p-140},
				} {
					got := s.Dot(slices.Repeat([]float32{c[0]}, n), slices.Repeat([]float32{c[1]}, n))
					require.Equal(t, math.Float32bits(c[2]), math.Float32bits(got), "%s of %d × %g·%g = %g, want %g", s.Name, n, c[0], c[1], got, c[2])
				}
			}
		},
		call:  func(sl [][]float32) { s.Dot(sl[0], sl[0]) },
		fuzz:  func(t *testing.T, l kernel.Level, v []float32) { x, y := halves(v); check(t, "fuzz", x, y) },
		seeds: plainSeeds,
		panics: func(t *testing.T) {
			require.PanicsWithValue(t, "kernel."+s.Name+": len(x)=5 != len(y)=7", func() {
				s.Dot(make([]float32, 5), make([]float32, 7))
			})
		},
	}
}

// ---- Reduction: Sum ----

func sumDriver(t testing.TB, s kernel.Spec) vectorDriver {
	want := refOf[func(x []float32) float64](t, s)
	check := func(t *testing.T, what string, x []float32) {
		t.Helper()
		checkReduction(t, s.Name+" "+what, s.Reduce(x), want(x), ref.SumAbs(x), len(x))
	}
	return vectorDriver{
		slices: 1,
		sweep: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, sl [][]float32) {
			x := sl[0]
			kerneltest.Fill(r, x, -1, 1)
			checkKeeps(t, s.Name, func() { check(t, what, x) }, x)
			// All positive, so that the bound is tight (no cancellation).
			kerneltest.Fill(r, x, 1, 2)
			check(t, what+" positive", x)
		},
		guard: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32) {
			check(t, what+" end-guarded", end[0])
			check(t, what+" start-guarded", start[0])
		},
		specials: func(t *testing.T, l kernel.Level) {
			sum := s.Reduce
			require.Equal(t, float32(0), sum(nil))
			require.Equal(t, float32(0), sum([]float32{}))
			for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 64, 65, 129, 257} {
				for pos := 0; pos < n; pos += max(1, n/5) {
					x := make([]float32, n)
					for i := range x {
						x[i] = 1
					}
					x[pos] = nan32
					require.True(t, math.IsNaN(float64(sum(x))), "NaN at %d of %d", pos, n)
					x[pos] = inf
					require.Equal(t, inf, sum(x), "+Inf at %d of %d", pos, n)
					x[pos] = negInf
					require.Equal(t, negInf, sum(x), "-Inf at %d of %d", pos, n)
					x[(pos+1)%n] = inf
					if n > 1 {
						require.True(t, math.IsNaN(float64(sum(x))), "Inf-Inf at %d of %d", pos, n)
					}
					x[(pos+1)%n] = 1
					x[pos] = math.MaxFloat32
					x[(pos+1)%n] = math.MaxFloat32
					if n > 1 {
						require.Equal(t, inf, sum(x), "overflow at %d of %d", pos, n)
					}
				}
				// Subnormals add exactly (no flush to zero).
				x := make([]float32, n)
				for i := range x {
					x[i] = math.SmallestNonzeroFloat32
				}
				require.Equal(t, float32(n)*math.SmallestNonzeroFloat32, sum(x), "subnormals n=%d", n)
				// Zeros of both signs sum to a zero.
				for i := range x {
					x[i] = negZ
				}
				require.Zero(t, sum(x))
			}
			for _, v := range kerneltest.Specials {
				check(t, fmt.Sprint(v), []float32{v})
				check(t, fmt.Sprint(v, "×33"), slices.Repeat([]float32{v}, 33))
			}
			// The special values together: NaN (and opposite infinities)
			// give NaN; one infinity among finite values gives it.
			require.True(t, math.IsNaN(float64(sum(kerneltest.Specials))))
			require.Equal(t, inf, sum([]float32{1, inf, 2, 3, 4, 5, 6, 7, 8}))
		},
		call:  func(sl [][]float32) { s.Reduce(sl[0]) },
		fuzz:  func(t *testing.T, l kernel.Level, v []float32) { check(t, "fuzz", v) },
		seeds: plainSeeds[:2],
	}
}
