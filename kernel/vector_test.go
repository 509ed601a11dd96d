package kernel_test

// Tests for Sum, Max, Argmax, Axpy, Scale, Add and Mul, on dot_test.go's
// template: every level this CPU can run, against kernel/ref, over
// lengths 0..300 plus large ones × offsets 0..15 inside NaN guard bands,
// between guard pages, in place, on special values, with the exact panic
// messages, zero allocations, and a fuzz target per kernel.
//
// What "correct" means for each kernel:
//   - Sum: within kerneltest.ReductionBound of the float64 sum.
//   - Max, Argmax: exactly ref.Max and ref.Argmax (NaN as NaN; a ±0 tie
//     for Max may give either zero).
//   - Scale, Add, Mul: bit for bit float32(exact) at every level. A
//     single float32 operation is correctly rounded, and the float64
//     reference is exact (products) or rounds innocuously (a sum of two
//     float32 in float64, then to float32, since 53 ≥ 2·24+2).
//   - Axpy: at AVX2, AVX-512 and NEON, which fuse, bit for bit the
//     correctly rounded y+alpha·x (one rounding; see fma32). At the
//     generic level Go may or may not fuse (amd64 GOAMD64=v1 does not,
//     arm64 does), so each element must be either that value or
//     y + float32(alpha·x) (two roundings) and nothing else.

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

var (
	inf    = float32(math.Inf(1))
	negInf = float32(math.Inf(-1))
	nan32  = float32(math.NaN())
	negZ   = float32(math.Copysign(0, -1))
)

// sweep calls fn for every test length and a spread of offsets (all 16
// for short slices, fewer as they grow), with k banded slices whose
// offsets differ from one another, then checks every band.
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

// sameFloat reports whether got is want bit for bit, or both are NaN.
func sameFloat(got, want float32) bool {
	return math.Float32bits(got) == math.Float32bits(want) || (got != got && want != want)
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

// ---- Sum ----

func checkSum(t *testing.T, what string, x []float32) {
	t.Helper()
	got := kernel.Sum(x)
	want := ref.Sum(x)
	if math.IsNaN(want) || math.IsInf(want, 0) {
		if !(math.IsNaN(want) && got != got) && float64(got) != want {
			t.Fatalf("%s: Sum=%v want %v", what, got, want)
		}
		return
	}
	abs := ref.SumAbs(x)
	if abs > math.MaxFloat32 && (got != got || math.IsInf(float64(got), 0)) {
		return // partial sums may overflow in any order of summation
	}
	bound := kerneltest.ReductionBound(len(x), abs)
	if d := math.Abs(float64(got) - want); d > bound {
		t.Fatalf("%s: Sum=%v want %v (|err| %g > bound %g)", what, got, want, d, bound)
	}
}

func TestSum(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		sweep(t, 11, 1, func(what string, r *rand.Rand, s [][]float32) {
			x := s[0]
			kerneltest.Fill(r, x, -1, 1)
			xc := slices.Clone(x)
			checkSum(t, what, x)
			require.Equal(t, xc, x, "Sum changed x")
			// All positive, so that the bound is tight (no cancellation).
			kerneltest.Fill(r, x, 1, 2)
			checkSum(t, what+" positive", x)
		})
	})
}

func TestSumGuardPages(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(12)
		for _, n := range kerneltest.Lengths() {
			a, b := kerneltest.Guarded(t, n)
			kerneltest.Fill(r, a, -1, 1)
			copy(b, a)
			what := fmt.Sprintf("n=%d", n)
			kerneltest.NoFault(t, what, func() {
				checkSum(t, what+" end-guarded", a)
				checkSum(t, what+" start-guarded", b)
			})
		}
	})
}

func TestSumSpecials(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Equal(t, float32(0), kernel.Sum(nil))
		require.Equal(t, float32(0), kernel.Sum([]float32{}))
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 64, 65, 129, 257} {
			for pos := 0; pos < n; pos += max(1, n/5) {
				x := make([]float32, n)
				for i := range x {
					x[i] = 1
				}
				x[pos] = nan32
				require.True(t, math.IsNaN(float64(kernel.Sum(x))), "NaN at %d of %d", pos, n)
				x[pos] = inf
				require.Equal(t, inf, kernel.Sum(x), "+Inf at %d of %d", pos, n)
				x[pos] = negInf
				require.Equal(t, negInf, kernel.Sum(x), "-Inf at %d of %d", pos, n)
				x[(pos+1)%n] = inf
				if n > 1 {
					require.True(t, math.IsNaN(float64(kernel.Sum(x))), "Inf-Inf at %d of %d", pos, n)
				}
				x[(pos+1)%n] = 1
				x[pos] = math.MaxFloat32
				x[(pos+1)%n] = math.MaxFloat32
				if n > 1 {
					require.Equal(t, inf, kernel.Sum(x), "overflow at %d of %d", pos, n)
				}
			}
			// Subnormals add exactly (no flush to zero).
			x := make([]float32, n)
			for i := range x {
				x[i] = math.SmallestNonzeroFloat32
			}
			require.Equal(t, float32(n)*math.SmallestNonzeroFloat32, kernel.Sum(x), "subnormals n=%d", n)
			// Zeros of both signs sum to a zero.
			for i := range x {
				x[i] = negZ
			}
			require.Zero(t, kernel.Sum(x))
		}
		for _, v := range kerneltest.Specials {
			checkSum(t, fmt.Sprint(v), []float32{v})
			checkSum(t, fmt.Sprint(v, "×33"), slices.Repeat([]float32{v}, 33))
		}
	})
}

func TestSumAllocs(t *testing.T) {
	x := make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Sum(x) }))
	})
}

func FuzzSum(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		x := kerneltest.FloatsFromBytes(raw)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			checkSum(t, "fuzz", x)
		})
	})
}

// ---- Max and Argmax ----

// checkMax compares Max and Argmax with the references: NaN for NaN, a
// zero for a ±0 maximum, otherwise the same bits; the same index.
func checkMax(t *testing.T, what string, x []float32) {
	t.Helper()
	got, want := kernel.Max(x), ref.Max(x)
	ok := sameFloat(got, want) || (want == 0 && got == 0)
	if !ok {
		t.Fatalf("%s: Max=%v want %v", what, got, want)
	}
	if gi, wi := kernel.Argmax(x), ref.Argmax(x); gi != wi {
		t.Fatalf("%s: Argmax=%d want %d (x[got]=%v x[want]=%v)", what, gi, wi, elemAt(x, gi), elemAt(x, wi))
	}
}

func elemAt(x []float32, i int) any {
	if i < 0 || i >= len(x) {
		return "out of range"
	}
	return x[i]
}

// fillTies fills x with few distinct values, so that the maximum occurs
// several times and "first index" matters.
func fillTies(r *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(r.IntN(7)) - 6
	}
}

func TestMaxArgmax(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		sweep(t, 21, 1, func(what string, r *rand.Rand, s [][]float32) {
			x := s[0]
			kerneltest.Fill(r, x, -1, 1)
			xc := slices.Clone(x)
			checkMax(t, what, x)
			require.Equal(t, xc, x, "Max/Argmax changed x")
			if len(x) == 0 {
				return
			}
			// The maximum at the first, last and a random position, and
			// all-negative data (masked lanes must not contribute 0).
			kerneltest.Fill(r, x, -3, -2)
			checkMax(t, what+" negative", x)
			for _, p := range []int{0, len(x) - 1, r.IntN(len(x))} {
				kerneltest.Fill(r, x, -3, -2)
				x[p] = -1
				checkMax(t, fmt.Sprintf("%s max at %d", what, p), x)
				// A NaN anywhere wins Max, and the first NaN wins Argmax.
				q := r.IntN(len(x))
				x[q] = nan32
				checkMax(t, fmt.Sprintf("%s NaN at %d", what, q), x)
				x[len(x)-1-q/2] = nan32
				checkMax(t, fmt.Sprintf("%s two NaNs", what), x)
			}
			// Ties: many copies of the maximum.
			fillTies(r, x)
			checkMax(t, what+" ties", x)
		})
	})
}

func TestMaxArgmaxGuardPages(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(22)
		for _, n := range kerneltest.Lengths() {
			a, b := kerneltest.Guarded(t, n)
			what := fmt.Sprintf("n=%d", n)
			kerneltest.NoFault(t, what, func() {
				// Negative values, so that a read past the end of
				// masked lanes would have to come from the guard page.
				kerneltest.Fill(r, a, -2, -1)
				copy(b, a)
				checkMax(t, what+" end-guarded", a)
				checkMax(t, what+" start-guarded", b)
				fillTies(r, a)
				copy(b, a)
				checkMax(t, what+" ties end-guarded", a)
				checkMax(t, what+" ties start-guarded", b)
				if n > 0 {
					// Argmax's second pass searches for the first NaN.
					a[n-1], b[n-1] = nan32, nan32
					checkMax(t, what+" NaN end-guarded", a)
					checkMax(t, what+" NaN start-guarded", b)
				}
			})
		}
	})
}

func TestMaxArgmaxSpecialValues(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Equal(t, negInf, kernel.Max(nil))
		require.Equal(t, -1, kernel.Argmax(nil))
		require.Equal(t, negInf, kernel.Max([]float32{}))
		require.Equal(t, -1, kernel.Argmax([]float32{}))
		for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127, 128, 129, 257, 1000} {
			x := make([]float32, n)
			for _, fill := range []float32{negInf, inf, 0, negZ, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, nan32} {
				for i := range x {
					x[i] = fill
				}
				checkMax(t, fmt.Sprintf("n=%d all %v", n, fill), x)
			}
			for pos := 0; pos < n; pos += max(1, n/7) {
				for _, v := range kerneltest.Specials {
					for _, bg := range []float32{negInf, -1, 0, negZ, math.SmallestNonzeroFloat32} {
						for i := range x {
							x[i] = bg
						}
						x[pos] = v
						checkMax(t, fmt.Sprintf("n=%d %v at %d in %v", n, v, pos, bg), x)
					}
				}
				// -0 before +0: both are the maximum; Argmax gives the first.
				for i := range x {
					x[i] = -1
				}
				x[pos] = negZ
				x[n-1] = 0
				checkMax(t, fmt.Sprintf("n=%d -0 at %d then +0", n, pos), x)
				// Subnormals order correctly (no flush to zero).
				x[pos], x[n-1] = 2*math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32
				checkMax(t, fmt.Sprintf("n=%d subnormals", n), x)
			}
		}
	})
}

func TestMaxArgmaxLongNaN(t *testing.T) {
	// Across the 1<<16 chunks of the Go wrapper: a NaN in a later chunk
	// still wins, and the first maximum in an earlier chunk beats a tie.
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		n := 3<<16 + 5
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i % 1000)
		}
		checkMax(t, "long", x)
		x[2<<16+3] = nan32
		checkMax(t, "long NaN", x)
		x[2<<16+3] = 5000
		x[n-1] = 5000
		checkMax(t, "long tie", x)
	})
}

func TestMaxArgmaxAllocs(t *testing.T) {
	x := make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Max(x) }))
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Argmax(x) }))
	})
}

func FuzzMax(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		x := kerneltest.FloatsFromBytes(raw)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			got, want := kernel.Max(x), ref.Max(x)
			if !sameFloat(got, want) && !(want == 0 && got == 0) {
				t.Fatalf("Max=%v want %v", got, want)
			}
		})
	})
}

func FuzzArgmax(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		x := kerneltest.FloatsFromBytes(raw)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			if got, want := kernel.Argmax(x), ref.Argmax(x); got != want {
				t.Fatalf("Argmax=%d want %d", got, want)
			}
		})
	})
}

// ---- Axpy ----

// checkAxpy runs Axpy(alpha, x, y) on a copy y0 of y's old contents and
// checks every element (see the file comment for the rounding rule).
// x == y (the same slice) is allowed and tested by passing the same slice.
func checkAxpy(t *testing.T, what string, l kernel.Level, alpha float32, x, y []float32) {
	t.Helper()
	y0, x0 := slices.Clone(y), slices.Clone(x)
	kernel.Axpy(alpha, x, y)
	for i := range y {
		want := fma32(alpha, x0[i], y0[i])
		if sameFloat(y[i], want) {
			continue
		}
		if l == kernel.Generic && sameFloat(y[i], y0[i]+float32(alpha*x0[i])) {
			continue // two roundings are allowed at the generic level
		}
		t.Fatalf("%s: alpha=%v x[%d]=%v y[%d]=%v: got %v want %v", what, alpha, i, x0[i], i, y0[i], y[i], want)
	}
}

// testAlphas are the multipliers Axpy and Scale are swept with.
var testAlphas = []float32{0, 1, -1, 0.5, 1.0 / 3, -2.75, 1e-7, 3e7}

func TestAxpy(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		sweep(t, 31, 2, func(what string, r *rand.Rand, s [][]float32) {
			x, y := s[0], s[1]
			kerneltest.Fill(r, x, -1, 1)
			kerneltest.Fill(r, y, -1, 1)
			xc := slices.Clone(x)
			alpha := testAlphas[r.IntN(len(testAlphas))]
			checkAxpy(t, what, l, alpha, x, y)
			require.Equal(t, xc, x, "Axpy changed x")
			// In place: y += alpha·y.
			checkAxpy(t, what+" x==y", l, alpha, y, y)
			// Cancellation: y = -alpha·x, so the rounding of the product
			// is all that remains (two roundings differ most here).
			for i := range y {
				y[i] = -1.0 / 3 * x[i]
			}
			checkAxpy(t, what+" cancel", l, 1.0/3, x, y)
		})
	})
}

func TestAxpyGuardPages(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(32)
		for _, n := range kerneltest.Lengths() {
			xa, xb := kerneltest.Guarded(t, n)
			ya, yb := kerneltest.Guarded(t, n)
			kerneltest.Fill(r, xa, -1, 1)
			kerneltest.Fill(r, ya, -1, 1)
			copy(xb, xa)
			copy(yb, ya)
			what := fmt.Sprintf("n=%d", n)
			kerneltest.NoFault(t, what, func() {
				checkAxpy(t, what+" end-guarded", l, 0.75, xa, ya)
				checkAxpy(t, what+" start-guarded", l, 0.75, xb, yb)
				checkAxpy(t, what+" in place end-guarded", l, -0.25, ya, ya)
			})
		}
	})
}

func TestAxpySpecials(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		kernel.Axpy(2, nil, nil)
		sp := kerneltest.Specials
		// Every special as alpha, x and y, in vectors long enough for the
		// main loop and with a tail at every level.
		for _, alpha := range append(slices.Clone(sp), 3) {
			x := make([]float32, 0, 3*len(sp)*len(sp))
			y := make([]float32, 0, cap(x))
			for _, a := range sp {
				for _, b := range sp {
					x = append(x, a)
					y = append(y, b)
				}
			}
			checkAxpy(t, fmt.Sprintf("alpha=%v", alpha), l, alpha, x, y)
		}
		// Subnormal products and sums, and the overflow threshold.
		checkAxpy(t, "subnormal", l, 0x1p-100, []float32{0x1p-40, 0x1p-49, 3 * 0x1p-50, -0x1p-45}, []float32{0, 0x1p-149, -0x1p-149, 0x1p-140})
		checkAxpy(t, "overflow", l, 2, []float32{math.MaxFloat32 / 2, math.MaxFloat32, -math.MaxFloat32}, []float32{0x1p103, 0, math.MaxFloat32})
	})
}

func TestAxpyPanics(t *testing.T) {
	y := []float32{1, 2, 3, 4, 5, 6, 7}
	yc := slices.Clone(y)
	require.PanicsWithValue(t, "kernel.Axpy: len(x)=5 != len(y)=7", func() {
		kernel.Axpy(1, make([]float32, 5), y)
	})
	require.PanicsWithValue(t, "kernel.Axpy: y overlaps x", func() {
		kernel.Axpy(1, y[:6], y[1:])
	})
	require.Equal(t, yc, y, "Axpy wrote before panicking")
}

func TestAxpyAllocs(t *testing.T) {
	x, y := make([]float32, 1000), make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Axpy(0.5, x, y) }))
	})
}

func FuzzAxpy(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4+4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := kerneltest.FloatsFromBytes(raw)
		if len(v) == 0 {
			return
		}
		alpha, v := v[0], v[1:]
		n := len(v) / 2
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			x, y := slices.Clone(v[:n]), slices.Clone(v[n:2*n])
			checkAxpy(t, "fuzz", l, alpha, x, y)
		})
	})
}

// ---- Scale ----

func checkScale(t *testing.T, what string, alpha float32, x []float32) {
	t.Helper()
	x0 := slices.Clone(x)
	kernel.Scale(alpha, x)
	for i := range x {
		if want := float32(float64(alpha) * float64(x0[i])); !sameFloat(x[i], want) {
			t.Fatalf("%s: alpha=%v x[%d]=%v: got %v want %v", what, alpha, i, x0[i], x[i], want)
		}
	}
}

func TestScale(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		sweep(t, 41, 1, func(what string, r *rand.Rand, s [][]float32) {
			kerneltest.Fill(r, s[0], -1, 1)
			checkScale(t, what, testAlphas[r.IntN(len(testAlphas))], s[0])
		})
	})
}

func TestScaleGuardPages(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(42)
		for _, n := range kerneltest.Lengths() {
			a, b := kerneltest.Guarded(t, n)
			kerneltest.Fill(r, a, -1, 1)
			copy(b, a)
			what := fmt.Sprintf("n=%d", n)
			kerneltest.NoFault(t, what, func() {
				checkScale(t, what+" end-guarded", 1.5, a)
				checkScale(t, what+" start-guarded", -3, b)
			})
		}
	})
}

func TestScaleSpecials(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		kernel.Scale(2, nil)
		for _, alpha := range append(slices.Clone(kerneltest.Specials), 3, 0x1p-100, 0x1p100) {
			x := slices.Repeat(kerneltest.Specials, 3)
			checkScale(t, fmt.Sprintf("alpha=%v", alpha), alpha, x)
		}
	})
}

func TestScaleAllocs(t *testing.T) {
	x := make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Scale(1, x) }))
	})
}

func FuzzScale(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4+4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := kerneltest.FloatsFromBytes(raw)
		if len(v) == 0 {
			return
		}
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			checkScale(t, "fuzz", v[0], slices.Clone(v[1:]))
		})
	})
}

// ---- Add and Mul ----

// binary describes Add or Mul: the kernel and its exact float64 result.
type binary struct {
	name string
	fn   func(dst, a, b []float32)
	ref  func(a, b float32) float64
}

var binaries = []binary{
	{"Add", kernel.Add, func(a, b float32) float64 { return float64(a) + float64(b) }},
	{"Mul", kernel.Mul, func(a, b float32) float64 { return float64(a) * float64(b) }},
}

// checkBinary runs k on (dst, a, b), which may alias, and checks each
// element against float32(exact), bit for bit.
func checkBinary(t *testing.T, what string, k binary, dst, a, b []float32) {
	t.Helper()
	a0, b0 := slices.Clone(a), slices.Clone(b)
	k.fn(dst, a, b)
	for i := range dst {
		if want := float32(k.ref(a0[i], b0[i])); !sameFloat(dst[i], want) {
			t.Fatalf("%s %s: a[%d]=%v b[%d]=%v: got %v want %v", k.name, what, i, a0[i], i, b0[i], dst[i], want)
		}
	}
}

func TestBinary(t *testing.T) {
	for _, k := range binaries {
		t.Run(k.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				sweep(t, 51, 3, func(what string, r *rand.Rand, s [][]float32) {
					dst, a, b := s[0], s[1], s[2]
					kerneltest.Fill(r, a, -1, 1)
					kerneltest.Fill(r, b, -1, 1)
					ac, bc := slices.Clone(a), slices.Clone(b)
					checkBinary(t, what, k, dst, a, b)
					require.Equal(t, ac, a, "%s changed a", k.name)
					require.Equal(t, bc, b, "%s changed b", k.name)
					// In place, on either input, and on both.
					checkBinary(t, what+" dst==a", k, a, a, b)
					checkBinary(t, what+" dst==b", k, b, a, b)
					checkBinary(t, what+" dst==a==b", k, a, a, a)
				})
			})
		})
	}
}

func TestBinaryGuardPages(t *testing.T) {
	for _, k := range binaries {
		t.Run(k.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				r := kerneltest.Rand(52)
				for _, n := range kerneltest.Lengths() {
					da, db := kerneltest.Guarded(t, n)
					aa, ab := kerneltest.Guarded(t, n)
					ba, bb := kerneltest.Guarded(t, n)
					kerneltest.Fill(r, aa, -1, 1)
					kerneltest.Fill(r, ba, -1, 1)
					copy(ab, aa)
					copy(bb, ba)
					what := fmt.Sprintf("n=%d", n)
					kerneltest.NoFault(t, what, func() {
						checkBinary(t, what+" end-guarded", k, da, aa, ba)
						checkBinary(t, what+" start-guarded", k, db, ab, bb)
						checkBinary(t, what+" in place end-guarded", k, aa, aa, ba)
					})
				}
			})
		})
	}
}

func TestBinarySpecials(t *testing.T) {
	sp := kerneltest.Specials
	for _, k := range binaries {
		t.Run(k.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				k.fn(nil, nil, nil)
				var a, b []float32
				for _, x := range sp {
					for _, y := range sp {
						a, b = append(a, x), append(b, y)
					}
				}
				// Overflow, underflow to subnormals and to zero.
				a = append(a, math.MaxFloat32, 0x1p-70, 0x1p-75, 0x1p-126, -0x1p-149)
				b = append(b, math.MaxFloat32, 0x1p-70, 0x1p-75, -0x1p-127, 0x1p-149)
				checkBinary(t, "specials", k, make([]float32, len(a)), a, b)
			})
		})
	}
}

func TestBinaryPanics(t *testing.T) {
	for _, k := range binaries {
		dst := []float32{1, 2, 3, 4, 5, 6, 7}
		dc := slices.Clone(dst)
		require.PanicsWithValue(t, "kernel."+k.name+": len(a)=5 != len(dst)=7", func() {
			k.fn(dst, make([]float32, 5), make([]float32, 7))
		})
		require.PanicsWithValue(t, "kernel."+k.name+": len(b)=6 != len(dst)=7", func() {
			k.fn(dst, make([]float32, 7), make([]float32, 6))
		})
		require.PanicsWithValue(t, "kernel."+k.name+": dst overlaps a", func() {
			buf := make([]float32, 8)
			k.fn(buf[1:], buf[:7], make([]float32, 7))
		})
		require.PanicsWithValue(t, "kernel."+k.name+": dst overlaps b", func() {
			k.fn(dst[:6], make([]float32, 6), dst[1:])
		})
		require.Equal(t, dc, dst, "%s wrote before panicking", k.name)
	}
}

func TestBinaryAllocs(t *testing.T) {
	a, b, dst := make([]float32, 1000), make([]float32, 1000), make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Add(dst, a, b) }))
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Mul(dst, a, b) }))
	})
}

func fuzzBinary(f *testing.F, k binary) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4*2*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := kerneltest.FloatsFromBytes(raw)
		n := len(v) / 2
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			a, b := slices.Clone(v[:n]), slices.Clone(v[n:2*n])
			checkBinary(t, "fuzz", k, make([]float32, n), a, b)
			checkBinary(t, "fuzz in place", k, a, a, b)
		})
	})
}

func FuzzAdd(f *testing.F) { fuzzBinary(f, binaries[0]) }
func FuzzMul(f *testing.F) { fuzzBinary(f, binaries[1]) }

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
