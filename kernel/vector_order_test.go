package kernel_test

// The vector suite's driver for the exact order statistics, Max and
// Argmax.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// orderDriver tests Max (ClassReduce) or Argmax (ClassArgmax): exactly
// the reference, NaN for NaN, and for Max either zero where ±0 tie.
func orderDriver(t testing.TB, s kernel.Spec) vectorDriver {
	var wantIdx func(x []float32) int
	var wantMax func(x []float32) float32
	if s.Argmax != nil {
		wantIdx = refOf[func(x []float32) int](t, s)
	} else {
		wantMax = refOf[func(x []float32) float32](t, s)
	}
	check := func(t *testing.T, what string, x []float32) {
		t.Helper()
		if s.Argmax != nil {
			if gi, wi := s.Argmax(x), wantIdx(x); gi != wi {
				t.Fatalf("%s: %s=%d want %d (x[got]=%v x[want]=%v)", what, s.Name, gi, wi, elemAt(x, gi), elemAt(x, wi))
			}
			return
		}
		got, want := s.Reduce(x), wantMax(x)
		if !sameFloat(got, want) && !(want == 0 && got == 0) {
			t.Fatalf("%s: %s=%v want %v", what, s.Name, got, want)
		}
	}
	call := func(x []float32) {
		if s.Argmax != nil {
			s.Argmax(x)
		} else {
			s.Reduce(x)
		}
	}
	return vectorDriver{
		slices: 1,
		sweep: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, sl [][]float32) {
			x := sl[0]
			kerneltest.Fill(r, x, -1, 1)
			checkKeeps(t, s.Name, func() { check(t, what, x) }, x)
			if len(x) == 0 {
				return
			}
			// The maximum at the first, last and a random position, and
			// all-negative data (masked lanes must not contribute 0).
			kerneltest.Fill(r, x, -3, -2)
			check(t, what+" negative", x)
			for _, p := range []int{0, len(x) - 1, r.IntN(len(x))} {
				kerneltest.Fill(r, x, -3, -2)
				x[p] = -1
				check(t, fmt.Sprintf("%s max at %d", what, p), x)
				// A NaN anywhere wins Max, and the first NaN wins Argmax.
				q := r.IntN(len(x))
				x[q] = nan32
				check(t, fmt.Sprintf("%s NaN at %d", what, q), x)
				x[len(x)-1-q/2] = nan32
				check(t, fmt.Sprintf("%s two NaNs", what), x)
			}
			// Ties: many copies of the maximum, from few or very few values.
			fillTies(r, x, 7)
			check(t, what+" ties", x)
			fillTies(r, x, 4)
			check(t, what+" ties of 4", x)
		},
		guard: func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32) {
			a, b := end[0], start[0]
			// Negative values, so that a read past the end of masked
			// lanes would have to come from the guard page.
			kerneltest.Fill(r, a, -2, -1)
			copy(b, a)
			check(t, what+" end-guarded", a)
			check(t, what+" start-guarded", b)
			fillTies(r, a, 7)
			copy(b, a)
			check(t, what+" ties end-guarded", a)
			check(t, what+" ties start-guarded", b)
			if n := len(a); n > 0 {
				// Argmax's second pass searches for the first NaN.
				a[n-1], b[n-1] = nan32, nan32
				check(t, what+" NaN end-guarded", a)
				check(t, what+" NaN start-guarded", b)
			}
		},
		specials: func(t *testing.T, l kernel.Level) {
			orderSpecials(t, s, check)
			orderPositions(t, s)
			orderLong(t, check)
		},
		call:  func(sl [][]float32) { call(sl[0]) },
		fuzz:  func(t *testing.T, l kernel.Level, v []float32) { check(t, "fuzz", v) },
		seeds: plainSeeds[:2],
	}
}

// fillTies fills x with k distinct values, so that the maximum occurs
// several times and "first index" matters.
func fillTies(r *rand.Rand, x []float32, k int) {
	for i := range x {
		x[i] = float32(r.IntN(k)) - float32(k-1)
	}
}

// orderSpecials tries Max or Argmax on empty input, uniform rows of
// special values, every special value at many positions among several
// backgrounds, ±0 ties, subnormals, and every pair of special values in
// a row long enough for the vector loop and a tail.
func orderSpecials(t *testing.T, s kernel.Spec, check func(t *testing.T, what string, x []float32)) {
	if s.Argmax != nil {
		require.Equal(t, -1, s.Argmax(nil))
		require.Equal(t, -1, s.Argmax([]float32{}))
	} else {
		require.Equal(t, negInf, s.Reduce(nil))
		require.Equal(t, negInf, s.Reduce([]float32{}))
	}
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127, 128, 129, 257, 1000} {
		x := make([]float32, n)
		for _, fill := range []float32{negInf, inf, 0, negZ, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, nan32} {
			for i := range x {
				x[i] = fill
			}
			check(t, fmt.Sprintf("n=%d all %v", n, fill), x)
		}
		for pos := 0; pos < n; pos += max(1, n/7) {
			for _, v := range kerneltest.Specials {
				for _, bg := range []float32{negInf, -1, 0, negZ, math.SmallestNonzeroFloat32} {
					for i := range x {
						x[i] = bg
					}
					x[pos] = v
					check(t, fmt.Sprintf("n=%d %v at %d in %v", n, v, pos, bg), x)
				}
			}
			// -0 before +0: both are the maximum; Argmax gives the first.
			for i := range x {
				x[i] = -1
			}
			x[pos] = negZ
			x[n-1] = 0
			check(t, fmt.Sprintf("n=%d -0 at %d then +0", n, pos), x)
			// Subnormals order correctly (no flush to zero).
			x[pos], x[n-1] = 2*math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32
			check(t, fmt.Sprintf("n=%d subnormals", n), x)
		}
	}
	// Every pair of specials, in 40 elements: vector loop and tail.
	sp := kerneltest.Specials
	for i := range sp {
		for j := range sp {
			x := []float32{sp[i], sp[j], 0.25, sp[j], sp[i]}
			x = append(x, x...)
			x = append(x, x...)
			x = append(x, x...)
			check(t, fmt.Sprintf("%v", x), x)
		}
	}
}

// orderPositions checks the NaN rule, ±0, -Inf and ties at every
// position a vector loop, its unrolled blocks, or the tail may see them,
// against the answers known by construction: the maximum's value for
// Max, its position for Argmax.
func orderPositions(t *testing.T, s kernel.Spec) {
	expect := func(x []float32, wantMax float32, wantIdx int, format string, args ...any) {
		t.Helper()
		if s.Argmax != nil {
			if got := s.Argmax(x); got != wantIdx {
				t.Fatalf(format+": %s=%d want %d", append(args, s.Name, got, wantIdx)...)
			}
			return
		}
		if got := s.Reduce(x); !(got == wantMax || got != got && wantMax != wantMax) {
			t.Fatalf(format+": %s=%v want %v", append(args, s.Name, got, wantMax)...)
		}
	}
	for _, n := range []int{1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 129} {
		x := make([]float32, n)
		fill := func(v float32) {
			for i := range x {
				x[i] = v
			}
		}
		// All -Inf: Max is -Inf, Argmax 0.
		fill(negInf)
		expect(x, negInf, 0, "n=%d all -Inf", n)
		for pos := 0; pos < n; pos++ {
			// One NaN anywhere.
			fill(1)
			x[pos] = nan32
			expect(x, nan32, pos, "n=%d NaN at %d", n, pos)
			// A second NaN later, and a larger value after the first.
			if pos+1 < n {
				x[n-1] = nan32
				x[pos+1] = inf
				expect(x, nan32, pos, "n=%d NaNs at %d,%d", n, pos, n-1)
			}
			// One maximum, and then a tie after it.
			fill(-3)
			x[pos] = 7
			expect(x, 7, pos, "n=%d max at %d", n, pos)
			for q := pos + 1; q < n; q += 1 + n/7 {
				x[q] = 7
				expect(x, 7, pos, "n=%d max at %d tie at %d", n, pos, q)
				x[q] = -3
			}
			// -0 first then +0: equal, so the first wins; Max is a zero.
			fill(-1)
			x[pos] = negZ
			if pos+1 < n {
				x[n-1] = 0
			}
			expect(x, 0, pos, "n=%d -0 at %d", n, pos)
			// +Inf is a maximum like any other.
			fill(negInf)
			x[pos] = inf
			expect(x, inf, pos, "n=%d +Inf at %d", n, pos)
		}
	}
}

// orderLong works across the 1<<16 chunks of the Go wrapper: a NaN in a
// later chunk still wins, and the first maximum in an earlier chunk beats
// a tie.
func orderLong(t *testing.T, check func(t *testing.T, what string, x []float32)) {
	n := 3<<16 + 5
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i % 1000)
	}
	check(t, "long", x)
	x[2<<16+3] = nan32
	check(t, "long NaN", x)
	x[2<<16+3] = 5000
	x[n-1] = 5000
	check(t, "long tie", x)
}
