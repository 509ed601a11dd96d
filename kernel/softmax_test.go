package kernel_test

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

// The softmax family's suite: the table's rows with a RowSum contract
// (Softmax, LogSoftmax, LogSumExp), each held to the bound its checker
// below states, with the row's Contract.ULP as its ulp term.

// isSoftmaxFamily reports whether s belongs to the softmax family.
func isSoftmaxFamily(s kernel.Spec) bool { return s.Contract.Kind == kernel.RowSum }

// rowSumCheck holds one softmax-family kernel's result to its bound:
// row for a ClassRow kernel (dst = f(src)), reduce for a ClassReduce one.
type rowSumCheck struct {
	row    func(t *testing.T, ulp float64, what string, dst, src []float32)
	reduce func(t *testing.T, ulp float64, what string, got float32, x []float32)
}

// rowSumChecks maps each softmax-family row to its check.
var rowSumChecks = map[string]rowSumCheck{
	"Softmax":    {row: checkSoftmax},
	"LogSoftmax": {row: checkLogSoftmax},
	"LogSumExp":  {reduce: checkLogSumExp},
}

// checkSoftmaxFamily runs every softmax-family row on x and checks it:
// a row kernel out of place (src left alone) and in place (the same
// bits); a reduction once.
func checkSoftmaxFamily(t *testing.T, what string, x []float32) {
	t.Helper()
	for _, s := range specsWhere(isSoftmaxFamily) {
		checkRowSum(t, s, what, x)
	}
}

// checkRowSum runs one softmax-family row on x and checks it (see
// checkSoftmaxFamily).
func checkRowSum(t *testing.T, s kernel.Spec, what string, x []float32) {
	t.Helper()
	c, ok := rowSumChecks[s.Name]
	require.True(t, ok, "%s: no softmax-family check", s.Name)
	if s.Class == kernel.ClassReduce {
		c.reduce(t, s.Contract.ULP, what, s.Reduce(x), x)
		return
	}
	orig := slices.Clone(x)
	got := make([]float32, len(x))
	s.Unary(got, x)
	c.row(t, s.Contract.ULP, what, got, x)
	require.Equal(t, bits(orig), bits(x), "%s %s changed src", s.Name, what)
	inPlace := slices.Clone(x)
	s.Unary(inPlace, inPlace)
	require.Equal(t, bits(got), bits(inPlace), "%s %s in place", s.Name, what)
}

// checkSoftmax compares Softmax(src) in dst with the float64 reference.
// Bound: ulp units in the last place of each result, plus the relative
// error of the float32 sum (n·eps) and of rounding src[i]−m
// (|src[i]−m|·eps, which e^… turns into a relative error). The results
// must sum to 1 within (n+2)·eps.
func checkSoftmax(t *testing.T, ulp float64, what string, dst, src []float32) {
	t.Helper()
	want := make([]float64, len(src))
	ref.Softmax(want, src)
	m := float64(ref.Max(src))
	n := float64(len(src))
	var sum float64
	for i := range src {
		w, g := want[i], float64(dst[i])
		if math.IsNaN(w) || w == 0 && math.IsInf(float64(src[i]), -1) {
			require.Equal(t, math.Float32bits(float32(w)) == math.Float32bits(dst[i]) || w != w && g != g, true,
				"%s: Softmax[%d] = %v, want %v (src %v)", what, i, g, w, src[i])
			continue
		}
		bound := ulp*kerneltest.ULPSize(w) + (n+2+math.Abs(float64(src[i])-m))*kerneltest.Eps*w
		if d := math.Abs(g - w); d > bound {
			t.Fatalf("%s: Softmax[%d] = %v, want %v (|err| %.3g > %.3g = %.2f ulp); src %v, max %v",
				what, i, g, w, d, bound, d/kerneltest.ULPSize(w), src[i], m)
		}
		sum += g
	}
	if len(src) > 0 && !math.IsNaN(want[0]) && m > math.Inf(-1) {
		require.InDelta(t, 1, sum, (n+2)*kerneltest.Eps, "%s: Σ softmax", what)
	}
}

// checkLogSoftmax compares LogSoftmax(src) in dst with the reference:
// ulp units in the last place, plus the absolute errors of rounding
// src[i]−m and log Σ (eps times each), and the relative error n·eps of
// the sum inside the log.
func checkLogSoftmax(t *testing.T, ulp float64, what string, dst, src []float32) {
	t.Helper()
	want := make([]float64, len(src))
	ref.LogSoftmax(want, src)
	m := float64(ref.Max(src))
	n := float64(len(src))
	ls := 0.0
	if len(src) > 0 && !math.IsInf(m, 0) && m == m {
		ls = ref.LogSumExpShifted(src, m)
	}
	for i := range src {
		w, g := want[i], float64(dst[i])
		if math.IsNaN(w) || math.IsInf(w, 0) {
			require.True(t, w == g || w != w && g != g, "%s: LogSoftmax[%d] = %v, want %v", what, i, g, w)
			continue
		}
		if w32 := float64(float32(w)); math.IsInf(w32, 0) {
			// x−m below −MaxFloat32: the exact result rounds to −Inf.
			require.Equal(t, w32, g, "%s: LogSoftmax[%d] = %v, want %v (overflows float32)", what, i, g, w)
			continue
		}
		bound := ulp*kerneltest.ULPSize(w) + (n+2+2*math.Abs(float64(src[i])-m)+2*ls)*kerneltest.Eps
		if d := math.Abs(g - w); d > bound {
			t.Fatalf("%s: LogSoftmax[%d] = %v, want %v (|err| %.3g > %.3g); src %v, max %v",
				what, i, g, w, d, bound, src[i], m)
		}
	}
}

// checkLogSumExp compares LogSumExp(x), got, with the reference: ulp
// units in the last place, plus the relative error (n+2)·eps of the sum
// inside the log and the rounding of the maximum, eps·|m|.
func checkLogSumExp(t *testing.T, ulp float64, what string, got32 float32, x []float32) {
	t.Helper()
	got := float64(got32)
	want := ref.LogSumExp(x)
	if math.IsNaN(want) || math.IsInf(want, 0) {
		require.True(t, got == want || want != want && got != got, "%s: LogSumExp = %v, want %v", what, got, want)
		return
	}
	m := float64(ref.Max(x))
	bound := ulp*kerneltest.ULPSize(want) + (float64(len(x))+2)*kerneltest.Eps + kerneltest.Eps*math.Abs(m)
	require.InDelta(t, want, got, bound, "%s: LogSumExp", what)
}

// softmaxRow fills x with values in [-lo, lo], with some -Inf (masked)
// entries when mask is true.
func softmaxRow(r interface {
	Float32() float32
	IntN(int) int
}, x []float32, lo float32, mask bool) {
	for i := range x {
		x[i] = lo * (2*r.Float32() - 1)
		if mask && r.IntN(5) == 0 {
			x[i] = float32(math.Inf(-1))
		}
	}
}

// forEachRowSum runs fn as a subtest for every softmax-family row of the
// table at every level.
func forEachRowSum(t *testing.T, fn func(t *testing.T, s kernel.Spec, l kernel.Level)) {
	for _, s := range specsWhere(isSoftmaxFamily) {
		t.Run(s.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { fn(t, s, l) })
		})
	}
}

func TestSoftmaxFamily(t *testing.T) {
	forEachRowSum(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		sweep(t, seedOf(s.Name, 7), 2, func(what string, r *rand.Rand, sl [][]float32) {
			src, dst := sl[0], sl[1]
			scale := []float32{1, 30, 300}[r.IntN(3)]
			softmaxRow(r, src, scale, len(src)%3 == 0)
			what = fmt.Sprintf("%s scale=%g", what, scale)
			checkRowSum(t, s, what, src)
			if s.Class != kernel.ClassRow {
				return
			}
			// Into the banded dst, and in place in the banded src: the
			// same bits as checkRowSum's out of place result.
			srcCopy := slices.Clone(src)
			s.Unary(dst, src)
			require.Equal(t, bits(srcCopy), bits(src))
			s.Unary(src, src)
			require.Equal(t, bits(dst), bits(src), "%s in place, %s", s.Name, what)
		})
	})
}

func TestSoftmaxGuardPages(t *testing.T) {
	forEachRowSum(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		fill := func(r *rand.Rand, x []float32) { softmaxRow(r, x, 10, false) }
		guarded(t, seedOf(s.Name, 8), 2, fill, func(what string, r *rand.Rand, end, start [][]float32) {
			a, b := end[0], start[0]
			if s.Class == kernel.ClassReduce {
				checkRowSum(t, s, what+" end-guarded", a)
				checkRowSum(t, s, what+" start-guarded", b)
				return
			}
			want := make([]float32, len(a))
			s.Unary(want, a)
			rowSumChecks[s.Name].row(t, s.Contract.ULP, what+" end-guarded", want, a)
			s.Unary(end[1], b) // from the guard page before b to the one after end[1]
			require.Equal(t, bits(want), bits(end[1]), "%s %s", s.Name, what)
			s.Unary(start[1], a)
			require.Equal(t, bits(want), bits(start[1]), "%s %s", s.Name, what)
			s.Unary(a, a)
			s.Unary(b, b)
			require.Equal(t, bits(want), bits(a), "%s %s end-guarded in place", s.Name, what)
			require.Equal(t, bits(want), bits(b), "%s %s start-guarded in place", s.Name, what)
			// b now holds results; use them as inputs too (for Softmax,
			// values in [0, 1]).
			copy(a, b)
			s.Unary(want, a)
			s.Unary(a, a)
			s.Unary(b, b)
			require.Equal(t, bits(want), bits(a), "%s %s again, end-guarded", s.Name, what)
			require.Equal(t, bits(want), bits(b), "%s %s again, start-guarded", s.Name, what)
		})
	})
}

func TestSoftmaxSpecials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		kernel.Softmax(nil, nil)
		kernel.LogSoftmax([]float32{}, []float32{})
		require.Equal(t, -inf, kernel.LogSumExp(nil))
		for _, n := range []int{1, 2, 7, 16, 17, 100} {
			x := make([]float32, n)
			got := make([]float32, n)
			// All -Inf: zeros; LogSoftmax all -Inf; LogSumExp -Inf.
			for i := range x {
				x[i] = -inf
			}
			kernel.Softmax(got, x)
			require.Equal(t, make([]float32, n), got)
			kernel.LogSoftmax(got, x)
			for _, v := range got {
				require.Equal(t, -inf, v)
			}
			require.Equal(t, -inf, kernel.LogSumExp(x))
			// One finite entry among -Inf: exactly 1 there, 0 elsewhere.
			pos := n / 2
			x[pos] = 3.5
			kernel.Softmax(got, x)
			for i, v := range got {
				require.Equal(t, float32(map[bool]int{true: 1}[i == pos]), v, "n=%d i=%d", n, i)
			}
			kernel.LogSoftmax(got, x)
			require.Equal(t, float32(0), got[pos])
			require.Equal(t, float32(3.5), kernel.LogSumExp(x))
			// Equal entries: exactly uniform for powers of two.
			for i := range x {
				x[i] = 1e30
			}
			kernel.Softmax(got, x)
			if n&(n-1) == 0 {
				for _, v := range got {
					require.Equal(t, 1/float32(n), v)
				}
			}
			checkSoftmax(t, mustSpec(t, "Softmax").Contract.ULP, "equal", got, x)
			// NaN or +Inf anywhere: NaN row (LogSumExp: NaN, or +Inf).
			for _, bad := range []float32{nan, inf} {
				softmaxRow(kerneltest.Rand(9), x, 5, true)
				x[pos] = bad
				kernel.Softmax(got, x)
				for _, v := range got {
					require.True(t, v != v, "Softmax with %v: %v", bad, got)
				}
				kernel.LogSoftmax(got, x)
				for _, v := range got {
					require.True(t, v != v, "LogSoftmax with %v: %v", bad, got)
				}
				lse := kernel.LogSumExp(x)
				require.True(t, lse != lse && bad != bad || lse == inf && bad == inf, "LogSumExp with %v: %v", bad, lse)
			}
		}
		// Huge spreads: one entry dominates; e^(x−m) underflows elsewhere.
		x := []float32{-math.MaxFloat32, 0, math.MaxFloat32, -1e38}
		got := make([]float32, 4)
		kernel.Softmax(got, x)
		require.Equal(t, []float32{0, 0, 1, 0}, got)
		require.Equal(t, float32(math.MaxFloat32), kernel.LogSumExp(x))
		// Every row of the family on the special values (±0, ±Inf, NaN,
		// the extremes, subnormals): rows of them all, without NaN, and
		// without NaN and +Inf (so that the result is finite), and each
		// alone among ordinary values, in rows with and without a tail.
		var finite, noNaN []float32
		for _, v := range kerneltest.Specials {
			if v == v {
				noNaN = append(noNaN, v)
				if v != inf {
					finite = append(finite, v)
				}
			}
		}
		for _, s := range specsWhere(isSoftmaxFamily) {
			for _, n := range []int{1, 7, 16, 17, 33} {
				for _, vals := range [][]float32{kerneltest.Specials, noNaN, finite} {
					row := make([]float32, n)
					for i := range row {
						row[i] = vals[(i+n)%len(vals)]
					}
					checkRowSum(t, s, fmt.Sprintf("specials n=%d %v", n, row), row)
				}
				r := kerneltest.Rand(uint64(n))
				for _, v := range kerneltest.Specials {
					row := make([]float32, n)
					softmaxRow(r, row, 3, false)
					row[r.IntN(n)] = v
					checkRowSum(t, s, fmt.Sprintf("%v among %v", v, row), row)
				}
			}
		}
	})
}

// TestSoftmaxLongRow runs rows longer than one chunk (1<<16), up to
// 1<<20, where a naive float32 sum would lose digits.
func TestSoftmaxLongRow(t *testing.T) {
	sizes := []int{1<<16 + 3, 1 << 20}
	if testing.Short() {
		sizes = sizes[:1]
	}
	forEachRowSum(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		r := kerneltest.Rand(10)
		for _, n := range sizes {
			x := make([]float32, n)
			softmaxRow(r, x, 8, true)
			checkRowSum(t, s, fmt.Sprintf("n=%d", n), x)
		}
	})
}

func TestSoftmaxPanics(t *testing.T) {
	for _, s := range specsWhere(isSoftmaxFamily) {
		if s.Class != kernel.ClassRow {
			continue // one slice: nothing to mismatch
		}
		f := s.Unary
		require.PanicsWithValue(t, "kernel."+s.Name+": len(src)=3 != len(dst)=4", func() {
			f(make([]float32, 4), make([]float32, 3))
		})
		buf := make([]float32, 10)
		require.PanicsWithValue(t, "kernel."+s.Name+": dst overlaps src", func() { f(buf[2:7], buf[0:5]) })
	}
}

func TestSoftmaxAllocs(t *testing.T) {
	x := make([]float32, 1000)
	softmaxRow(kerneltest.Rand(11), x, 10, true)
	dst := make([]float32, 1000)
	forEachRowSum(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		if s.Class == kernel.ClassReduce {
			require.Zero(t, testing.AllocsPerRun(100, func() { s.Reduce(x) }))
		} else {
			require.Zero(t, testing.AllocsPerRun(100, func() { s.Unary(dst, x) }))
		}
	})
}

func FuzzSoftmax(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf, 0, 0, 0x80, 0xff})
	f.Add(make([]byte, 4*67))
	// 20 zeros, then 100 (far above the first 16: the two-pass algorithm
	// stops and falls back), then 50 ones.
	stop := make([]byte, 4*71)
	copy(stop[4*20:], []byte{0, 0, 0xc8, 0x42})
	for i := 21; i < 71; i++ {
		copy(stop[4*i:], []byte{0, 0, 0x80, 0x3f})
	}
	f.Add(stop)
	f.Fuzz(func(t *testing.T, raw []byte) {
		x := kerneltest.FloatsFromBytes(raw)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			checkSoftmaxFamily(t, "fuzz", x)
		})
	})
}

// TestSoftmaxSumGrowth holds the softmax family on long rows (65536
// elements and beyond) to a bound whose sum term grows with log2 n, not
// n: (4 + log2 n)·eps in place of the (n+2)·eps of the general checks.
// Every level sums in blocks (kernel's sumBlock: at most 128 terms per
// SIMD lane per call, the blocks added in float64; the generic level in
// float64). The rows: random logits, masked ones, a ramp, and all equal
// (the hardest for a lane that adds one term after another: with 8
// partial sums over 65536 equal terms AVX2 was 58 ulp off).
func TestSoftmaxSumGrowth(t *testing.T) {
	sizes := []int{1 << 16, 1<<18 + 5}
	if !testing.Short() {
		sizes = append(sizes, 1<<20)
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(21)
		for _, n := range sizes {
			sumTerm := (4 + math.Log2(float64(n))) * kerneltest.Eps
			x := make([]float32, n)
			for kind, name := range []string{"random", "masked", "ramp", "equal"} {
				switch kind {
				case 0, 1:
					softmaxRow(r, x, 8, kind == 1)
				case 2:
					for i := range x {
						x[i] = -8 + 16*float32(i)/float32(n)
					}
				case 3:
					for i := range x {
						x[i] = 0.3
					}
				}
				what := fmt.Sprintf("%s n=%d", name, n)
				m := float64(ref.Max(x))

				got, want := make([]float32, n), make([]float64, n)
				kernel.Softmax(got, x)
				ref.Softmax(want, x)
				for i, w := range want {
					if w == 0 && math.IsInf(float64(x[i]), -1) {
						require.Equal(t, float32(0), got[i], "%s: Softmax[%d] of -Inf", what, i)
						continue
					}
					bound := 2*kerneltest.ULPSize(w) + (sumTerm+math.Abs(float64(x[i])-m)*kerneltest.Eps)*w
					require.InDelta(t, w, float64(got[i]), bound, "%s: Softmax[%d]", what, i)
				}

				ls := ref.LogSumExpShifted(x, m)
				kernel.LogSoftmax(got, x)
				ref.LogSoftmax(want, x)
				for i, w := range want {
					if math.IsInf(w, -1) {
						require.True(t, math.IsInf(float64(got[i]), -1), "%s: LogSoftmax[%d] of -Inf", what, i)
						continue
					}
					bound := 2*kerneltest.ULPSize(w) + sumTerm + (2*math.Abs(float64(x[i])-m)+2*ls)*kerneltest.Eps
					require.InDelta(t, w, float64(got[i]), bound, "%s: LogSoftmax[%d]", what, i)
				}

				lse := ref.LogSumExp(x)
				bound := 2*kerneltest.ULPSize(lse) + sumTerm + kerneltest.Eps*math.Abs(m)
				require.InDelta(t, lse, float64(kernel.LogSumExp(x)), bound, "%s: LogSumExp", what)
			}
		}
	})
}
