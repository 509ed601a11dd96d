package kernel_test

// The vector family's suite: Dot, Sum, Max, Argmax, Axpy, Scale, Add, Mul
// and any row of the same classes the table gains. Each row is run at
// every level this CPU and build can run (NEON under qemu-aarch64
// included) against its reference in kernel/ref, over lengths 0..300
// plus large ones × offsets 0..15 inside NaN guard bands, between guard
// pages, in place, on special values, with the exact panic messages,
// zero allocations, and a fuzz target per kernel.
//
// The contract comes from the row (kernel.Spec.Contract), and the
// driver of its class holds it:
//   - Reduction (Dot, Sum): within kerneltest.ReductionBound of the
//     float64 value.
//   - Exact, order statistics (Max, Argmax): exactly the reference (NaN
//     as NaN; a ±0 tie for Max may give either zero).
//   - Exact, arithmetic (Scale, Add, Mul): bit for bit the float64
//     reference rounded once to float32. The reference is exact
//     (products) or rounds innocuously (a sum of two float32 in float64,
//     then to float32, since 53 ≥ 2·24+2).
//   - Fused (Axpy): at every SIMD level (AVX2, AVX-512, NEON) bit for bit
//     the correctly rounded y+alpha·x, one rounding (see fma32). At the
//     generic level Go may or may not fuse (amd64 GOAMD64=v1 does not,
//     arm64 does), so each element must be either that value or
//     y + float32(alpha·x) (two roundings) and nothing else.

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

// isVector reports whether s belongs to the vector family.
func isVector(s kernel.Spec) bool {
	switch s.Class {
	case kernel.ClassDot, kernel.ClassArgmax, kernel.ClassAxpy, kernel.ClassScale, kernel.ClassBinary:
		return true
	case kernel.ClassReduce:
		return s.Contract.Kind != kernel.RowSum
	}
	return false
}

// vectorDriver is how the vector suite tests one row: built from its
// class and contract by vectorDriverOf.
type vectorDriver struct {
	slices int // how many slices one call takes
	// sweep tests one point of the lengths × offsets sweep, on s (banded):
	// several fills, in-place calls where the kernel allows them, and
	// inputs left unchanged.
	sweep func(t *testing.T, what string, l kernel.Level, r *rand.Rand, s [][]float32)
	// guard tests the slices that end against a guard page and those
	// that start after one (filled in [-1, 1), start a copy of end).
	guard func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32)
	// specials tests special values and special lengths at level l.
	specials func(t *testing.T, l kernel.Level)
	// call calls the kernel once, for the allocation count.
	call func(s [][]float32)
	// fuzz checks one fuzzer input at level l.
	fuzz func(t *testing.T, l kernel.Level, v []float32)
	// seeds are the fuzz target's seed corpus.
	seeds [][]byte
	// panics checks the panic messages (nil: the kernel cannot panic).
	panics func(t *testing.T)
}

// vectorDriverOf returns the driver for s's class and contract, and false
// if the suite has none.
func vectorDriverOf(t testing.TB, s kernel.Spec) (vectorDriver, bool) {
	switch c := s.Contract.Kind; {
	case s.Class == kernel.ClassDot && c == kernel.Reduction:
		return dotDriver(t, s), true
	case s.Class == kernel.ClassReduce && c == kernel.Reduction:
		return sumDriver(t, s), true
	case (s.Class == kernel.ClassReduce || s.Class == kernel.ClassArgmax) && c == kernel.Exact:
		return orderDriver(t, s), true
	case s.Class == kernel.ClassAxpy && c == kernel.Fused:
		return axpyDriver(t, s), true
	case s.Class == kernel.ClassScale && c == kernel.Exact:
		return scaleDriver(t, s), true
	case s.Class == kernel.ClassBinary && c == kernel.Exact:
		return binaryDriver(t, s), true
	}
	return vectorDriver{}, false
}

// forEachVector runs fn as a subtest for every vector row of the table,
// with its driver.
func forEachVector(t *testing.T, fn func(t *testing.T, s kernel.Spec, d vectorDriver)) {
	for _, s := range specsWhere(isVector) {
		t.Run(s.Name, func(t *testing.T) {
			d, ok := vectorDriverOf(t, s)
			require.True(t, ok, "%s: no vector driver", s.Name)
			fn(t, s, d)
		})
	}
}

func TestVector(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			sweep(t, seedOf(s.Name, 1), d.slices, func(what string, r *rand.Rand, sl [][]float32) {
				d.sweep(t, what, l, r, sl)
			})
		})
	})
}

func TestVectorGuardPages(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			guarded(t, seedOf(s.Name, 2), d.slices, uniform(-1, 1), func(what string, r *rand.Rand, end, start [][]float32) {
				d.guard(t, what, l, r, end, start)
			})
		})
	})
}

func TestVectorSpecials(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { d.specials(t, l) })
	})
}

func TestVectorAllocs(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		sl := make([][]float32, d.slices)
		for i := range sl {
			sl[i] = make([]float32, 1000)
		}
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			require.Zero(t, testing.AllocsPerRun(100, func() { d.call(sl) }))
		})
	})
}

func TestVectorPanics(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		if d.panics == nil {
			t.Skipf("%s takes one slice: no length or overlap to check", s.Name)
		}
		d.panics(t)
	})
}

// fuzzVector is the fuzz target of the vector row name.
func fuzzVector(f *testing.F, name string) {
	s := mustSpec(f, name)
	d, ok := vectorDriverOf(f, s)
	require.True(f, ok, name)
	for _, seed := range d.seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := kerneltest.FloatsFromBytes(raw)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { d.fuzz(t, l, v) })
	})
}

func FuzzDot(f *testing.F)    { fuzzVector(f, "Dot") }
func FuzzSum(f *testing.F)    { fuzzVector(f, "Sum") }
func FuzzMax(f *testing.F)    { fuzzVector(f, "Max") }
func FuzzArgmax(f *testing.F) { fuzzVector(f, "Argmax") }
func FuzzAxpy(f *testing.F)   { fuzzVector(f, "Axpy") }
func FuzzScale(f *testing.F)  { fuzzVector(f, "Scale") }
func FuzzAdd(f *testing.F)    { fuzzVector(f, "Add") }
func FuzzMul(f *testing.F)    { fuzzVector(f, "Mul") }

// The fuzz seeds: plain values, and (alphaSeeds) a leading alpha of 1.
var (
	plainSeeds = [][]byte{{1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 4*67), make([]byte, 4*2*67)}
	alphaSeeds = [][]byte{{0, 0, 0x80, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 4+4*67)}
)

// checkKeeps runs check and fails if it changed any of inputs, which
// the kernel name only reads.
func checkKeeps(t *testing.T, name string, check func(), inputs ...[]float32) {
	t.Helper()
	before := make([][]uint32, len(inputs))
	for i, in := range inputs {
		before[i] = bits(in)
	}
	check()
	for i, in := range inputs {
		require.Equal(t, before[i], bits(in), "%s changed input %d", name, i)
	}
}

// halves splits fuzzer values into two slices of equal length.
func halves(v []float32) (a, b []float32) {
	n := len(v) / 2
	return slices.Clone(v[:n]), slices.Clone(v[n : 2*n])
}

// ---- Reduction: Dot ----

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

// ---- Exact order statistics: Max and Argmax ----

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

// ---- Fused: Axpy ----

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

// ---- Exact: Scale ----

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

func ExampleSum() {
	fmt.Println(kernel.Sum([]float32{0.5, 1.5, 2, 4}))
	// Output: 8
}

func ExampleMax() {
	fmt.Println(kernel.Max([]float32{-2, 3, 0, -1}))
	fmt.Println(kernel.Max(nil))                                  // the maximum of nothing
	fmt.Println(kernel.Max([]float32{1, float32(math.NaN()), 5})) // any NaN wins
	// Output:
	// 3
	// -Inf
	// NaN
}

func ExampleAxpy() {
	x := []float32{1, 2, 3}
	y := []float32{10, 20, 30}
	kernel.Axpy(0.5, x, y) // y += 0.5·x
	fmt.Println(y)
	// Output: [10.5 21 31.5]
}

func ExampleScale() {
	x := []float32{1, -2, 3}
	kernel.Scale(-2, x)
	fmt.Println(x)
	// Output: [-2 4 -6]
}

func ExampleAdd() {
	a := []float32{1, 2, 3}
	b := []float32{10, 20, 30}
	kernel.Add(a, a, b) // in place: a += b
	fmt.Println(a)
	// Output: [11 22 33]
}

func ExampleMul() {
	a := []float32{1, 2, 3}
	b := []float32{10, 20, 30}
	dst := make([]float32, 3)
	kernel.Mul(dst, a, b)
	fmt.Println(dst)
	// Output: [10 40 90]
}
