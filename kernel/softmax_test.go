package kernel_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// checkSoftmax compares Softmax(src) in dst with the float64 reference.
// Bound (DESIGN §7): 2 ulp of each result, plus the relative error of
// the float32 sum (n·eps) and of rounding src[i]−m (|src[i]−m|·eps, which
// e^… turns into a relative error). The results must sum to 1 within
// (n+2)·eps.
func checkSoftmax(t *testing.T, what string, dst, src []float32) {
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
		bound := 2*kerneltest.ULPSize(w) + (n+2+math.Abs(float64(src[i])-m))*kerneltest.Eps*w
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
// 2 ulp, plus the absolute errors of rounding src[i]−m and log Σ (eps
// times each), and the relative error n·eps of the sum inside the log.
func checkLogSoftmax(t *testing.T, what string, dst, src []float32) {
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
		bound := 2*kerneltest.ULPSize(w) + (n+2+2*math.Abs(float64(src[i])-m)+2*ls)*kerneltest.Eps
		if d := math.Abs(g - w); d > bound {
			t.Fatalf("%s: LogSoftmax[%d] = %v, want %v (|err| %.3g > %.3g); src %v, max %v",
				what, i, g, w, d, bound, src[i], m)
		}
	}
}

func checkLogSumExp(t *testing.T, what string, x []float32) {
	t.Helper()
	got := float64(kernel.LogSumExp(x))
	want := ref.LogSumExp(x)
	if math.IsNaN(want) || math.IsInf(want, 0) {
		require.True(t, got == want || want != want && got != got, "%s: LogSumExp = %v, want %v", what, got, want)
		return
	}
	m := float64(ref.Max(x))
	bound := kerneltest.ULPSize(want) + (float64(len(x))+2)*kerneltest.Eps + kerneltest.Eps*math.Abs(m)
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

func TestSoftmaxFamily(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(7)
		for _, n := range kerneltest.Lengths() {
			for off := 0; off < kerneltest.MaxOffset; off += 1 + 4*(n/64) {
				bs, bd := kerneltest.NewBanded(n, off), kerneltest.NewBanded(n, (off*7)%kerneltest.MaxOffset)
				src, dst := bs.S(), bd.S()
				scale := []float32{1, 30, 300}[r.IntN(3)]
				softmaxRow(r, src, scale, n%3 == 0)
				srcCopy := slices.Clone(src)
				what := fmt.Sprintf("n=%d off=%d scale=%g", n, off, scale)

				kernel.Softmax(dst, src)
				checkSoftmax(t, what, dst, src)
				require.Equal(t, bits(srcCopy), bits(src))
				kernel.LogSoftmax(dst, src)
				checkLogSoftmax(t, what, dst, src)
				require.Equal(t, bits(srcCopy), bits(src))
				checkLogSumExp(t, what, src)

				// In place gives the same bits.
				want := slices.Clone(dst)
				kernel.LogSoftmax(src, src)
				require.Equal(t, bits(want), bits(src), "LogSoftmax in place, %s", what)
				copy(src, srcCopy)
				kernel.Softmax(dst, src)
				kernel.Softmax(src, src)
				require.Equal(t, bits(dst), bits(src), "Softmax in place, %s", what)
				bs.Check(t, what)
				bd.Check(t, what)
			}
		}
	})
}

func TestSoftmaxGuardPages(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(8)
		for _, n := range kerneltest.Lengths() {
			a, b := kerneltest.Guarded(t, n)
			softmaxRow(r, a, 10, false)
			copy(b, a)
			what := fmt.Sprintf("n=%d", n)
			want := make([]float32, n)
			kerneltest.NoFault(t, what, func() {
				kernel.Softmax(want, a)
				checkLogSumExp(t, what, a)
				checkLogSumExp(t, what, b)
				kernel.Softmax(a, a)
				kernel.Softmax(b, b)
			})
			require.Equal(t, bits(want), bits(a))
			require.Equal(t, bits(want), bits(b))
			copy(a, b) // b holds softmax; use it as logits again
			kerneltest.NoFault(t, what, func() {
				kernel.LogSoftmax(want, a)
				kernel.LogSoftmax(a, a)
				kernel.LogSoftmax(b, b)
			})
			require.Equal(t, bits(want), bits(a))
			require.Equal(t, bits(want), bits(b))
		}
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
			checkSoftmax(t, "equal", got, x)
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
	})
}

// TestSoftmaxLongRow runs rows longer than one chunk (1<<16), up to
// 1<<20, where a naive float32 sum would lose digits.
func TestSoftmaxLongRow(t *testing.T) {
	sizes := []int{1<<16 + 3, 1 << 20}
	if testing.Short() {
		sizes = sizes[:1]
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(10)
		for _, n := range sizes {
			x := make([]float32, n)
			softmaxRow(r, x, 8, true)
			got := make([]float32, n)
			what := fmt.Sprintf("n=%d", n)
			kernel.Softmax(got, x)
			checkSoftmax(t, what, got, x)
			kernel.LogSoftmax(got, x)
			checkLogSoftmax(t, what, got, x)
			checkLogSumExp(t, what, x)
		}
	})
}

func TestSoftmaxPanics(t *testing.T) {
	for name, f := range map[string]func(dst, src []float32){"Softmax": kernel.Softmax, "LogSoftmax": kernel.LogSoftmax} {
		require.PanicsWithValue(t, "kernel."+name+": len(src)=3 != len(dst)=4", func() {
			f(make([]float32, 4), make([]float32, 3))
		})
		buf := make([]float32, 10)
		require.PanicsWithValue(t, "kernel."+name+": dst overlaps src", func() { f(buf[2:7], buf[0:5]) })
	}
}

func TestSoftmaxAllocs(t *testing.T) {
	x := make([]float32, 1000)
	softmaxRow(kerneltest.Rand(11), x, 10, true)
	dst := make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Softmax(dst, x) }))
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.LogSoftmax(dst, x) }))
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.LogSumExp(x) }))
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
