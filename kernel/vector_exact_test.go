package kernel_test

// The vector suite's drivers for exact arithmetic: Scale, Add and Mul.

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

func scaleDriver(t testing.TB, s kernel.Spec) vectorDriver {
	want := refOf[func(dst []float64, alpha float32, x []float32)](t, s)
	check := func(t *testing.T, what string, alpha float32, x []float32) {
		t.Helper()
		x0 := slices.Clone(x)
		w := make([]float64, len(x))
		want(w, alpha, x0)
		s.Scale(alpha, x)
		for i := range x {
			if !sameFloat(x[i], float32(w[i])) {
				t.Fatalf("%s: alpha=%v x[%d]=%v: got %v want %v", what, alpha, i, x0[i], x[i], float32(w[i]))
			}
		}
	}
	return vectorDriver{
		slices: 1,
		sweep: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, sl [][]float32) {
			kerneltest.Fill(r, sl[0], -1, 1)
			check(t, what, testAlphas[r.IntN(len(testAlphas))], sl[0])
		},
		guard: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32) {
			check(t, what+" end-guarded", 1.5, end[0])
			check(t, what+" start-guarded", -3, start[0])
		},
		specials: func(t *testing.T, l kernel.Level) {
			s.Scale(2, nil)
			for _, alpha := range append(slices.Clone(kerneltest.Specials), 3, 0x1p-100, 0x1p100) {
				check(t, fmt.Sprintf("alpha=%v", alpha), alpha, slices.Repeat(kerneltest.Specials, 3))
			}
		},
		call: func(sl [][]float32) { s.Scale(1, sl[0]) },
		fuzz: func(t *testing.T, l kernel.Level, v []float32) {
			if len(v) > 0 {
				check(t, "fuzz", v[0], slices.Clone(v[1:]))
			}
		},
		seeds: alphaSeeds,
	}
}

// ---- Exact: Add and Mul ----

func binaryDriver(t testing.TB, s kernel.Spec) vectorDriver {
	want := refOf[func(dst []float64, a, b []float32)](t, s)
	// check runs the kernel on (dst, a, b), which may alias, and checks
	// each element against float32(exact), bit for bit.
	check := func(t *testing.T, what string, dst, a, b []float32) {
		t.Helper()
		a0, b0 := slices.Clone(a), slices.Clone(b)
		w := make([]float64, len(dst))
		want(w, a0, b0)
		s.Binary(dst, a, b)
		for i := range dst {
			if !sameFloat(dst[i], float32(w[i])) {
				t.Fatalf("%s %s: a[%d]=%v b[%d]=%v: got %v want %v", s.Name, what, i, a0[i], i, b0[i], dst[i], float32(w[i]))
			}
		}
	}
	return vectorDriver{
		slices: 3,
		sweep: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, sl [][]float32) {
			dst, a, b := sl[0], sl[1], sl[2]
			kerneltest.Fill(r, a, -1, 1)
			kerneltest.Fill(r, b, -1, 1)
			checkKeeps(t, s.Name, func() { check(t, what, dst, a, b) }, a, b)
			// In place, on either input, and on both.
			check(t, what+" dst==a", a, a, b)
			check(t, what+" dst==b", b, a, b)
			check(t, what+" dst==a==b", a, a, a)
		},
		guard: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32) {
			check(t, what+" end-guarded", end[0], end[1], end[2])
			check(t, what+" start-guarded", start[0], start[1], start[2])
			check(t, what+" in place end-guarded", end[1], end[1], end[2])
			check(t, what+" in place start-guarded", start[2], start[1], start[2])
		},
		specials: func(t *testing.T, l kernel.Level) {
			s.Binary(nil, nil, nil)
			sp := kerneltest.Specials
			var a, b []float32
			for _, x := range sp {
				for _, y := range sp {
					a, b = append(a, x), append(b, y)
				}
			}
			// Overflow, underflow to subnormals and to zero.
			a = append(a, math.MaxFloat32, 0x1p-70, 0x1p-75, 0x1p-126, -0x1p-149)
			b = append(b, math.MaxFloat32, 0x1p-70, 0x1p-75, -0x1p-127, 0x1p-149)
			check(t, "specials", make([]float32, len(a)), a, b)
		},
		call: func(sl [][]float32) { s.Binary(sl[0], sl[1], sl[2]) },
		fuzz: func(t *testing.T, l kernel.Level, v []float32) {
			a, b := halves(v)
			check(t, "fuzz", make([]float32, len(a)), a, b)
			check(t, "fuzz in place", a, a, b)
		},
		seeds: plainSeeds,
		panics: func(t *testing.T) {
			dst := []float32{1, 2, 3, 4, 5, 6, 7}
			dc := slices.Clone(dst)
			require.PanicsWithValue(t, "kernel."+s.Name+": len(a)=5 != len(dst)=7", func() {
				s.Binary(dst, make([]float32, 5), make([]float32, 7))
			})
			require.PanicsWithValue(t, "kernel."+s.Name+": len(b)=6 != len(dst)=7", func() {
				s.Binary(dst, make([]float32, 7), make([]float32, 6))
			})
			require.PanicsWithValue(t, "kernel."+s.Name+": dst overlaps a", func() {
				buf := make([]float32, 8)
				s.Binary(buf[1:], buf[:7], make([]float32, 7))
			})
			require.PanicsWithValue(t, "kernel."+s.Name+": dst overlaps b", func() {
				s.Binary(dst[:6], make([]float32, 6), dst[1:])
			})
			require.Equal(t, dc, dst, "%s wrote before panicking", s.Name)
		},
	}
}
