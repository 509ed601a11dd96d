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

// checkDot compares one Dot result with the float64 reference under the
// reduction bound n·eps·Σ|x·y|.
func checkDot(t *testing.T, what string, x, y []float32) {
	t.Helper()
	got := kernel.Dot(x, y)
	want := ref.Dot(x, y)
	if math.IsNaN(want) || math.IsInf(want, 0) {
		if !(math.IsNaN(want) && got != got) && float64(got) != want {
			t.Fatalf("%s: Dot=%v want %v", what, got, want)
		}
		return
	}
	abs := ref.DotAbs(x, y)
	if abs > math.MaxFloat32 && (got != got || math.IsInf(float64(got), 0)) {
		// Partial sums may overflow float32 even where the exact total
		// does not; any order of summation is allowed, so Inf or NaN is
		// a legitimate answer. A finite answer must still be accurate.
		return
	}
	bound := kerneltest.ReductionBound(len(x), abs)
	if d := math.Abs(float64(got) - want); d > bound {
		t.Fatalf("%s: Dot=%v want %v (|err| %g > bound %g)", what, got, want, d, bound)
	}
}

func TestDot(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(1)
		for _, n := range kerneltest.Lengths() {
			for off := 0; off < kerneltest.MaxOffset; off += 1 + 4*(n/64) {
				bx, by := kerneltest.NewBanded(n, off), kerneltest.NewBanded(n, (off*3)%kerneltest.MaxOffset)
				x, y := bx.S(), by.S()
				kerneltest.Fill(r, x, -1, 1)
				kerneltest.Fill(r, y, -1, 1)
				xc, yc := slices.Clone(x), slices.Clone(y)
				what := fmt.Sprintf("n=%d off=%d", n, off)
				checkDot(t, what, x, y)
				checkDot(t, what+" self", x, x) // both arguments the same slice
				bx.Check(t, what)
				by.Check(t, what)
				require.Equal(t, xc, x, "Dot changed x")
				require.Equal(t, yc, y, "Dot changed y")
			}
		}
	})
}

func TestDotGuardPages(t *testing.T) { checkGuardedPairs(t, 2, checkDot) }

// checkGuardedPairs runs check, at every level, on pairs x, y of every
// test length filled in [-1, 1): once ending against a guard page and once
// starting after one, so that a read past either end faults.
func checkGuardedPairs(t *testing.T, seed uint64, check func(t *testing.T, what string, x, y []float32)) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(seed)
		for _, n := range kerneltest.Lengths() {
			xa, xb := kerneltest.Guarded(t, n)
			ya, yb := kerneltest.Guarded(t, n)
			kerneltest.Fill(r, xa, -1, 1)
			kerneltest.Fill(r, ya, -1, 1)
			copy(xb, xa)
			copy(yb, ya)
			what := fmt.Sprintf("n=%d", n)
			kerneltest.NoFault(t, what, func() {
				check(t, what+" end-guarded", xa, ya)
				check(t, what+" start-guarded", xb, yb)
			})
		}
	})
}

func TestDotSpecials(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Equal(t, float32(0), kernel.Dot(nil, nil))
		require.Equal(t, float32(0), kernel.Dot([]float32{}, []float32{}))
		for _, n := range []int{1, 7, 8, 9, 31, 64, 65, 257} {
			for pos := 0; pos < n; pos += max(1, n/5) {
				x, y := make([]float32, n), make([]float32, n)
				for i := range x {
					x[i], y[i] = 1, 1
				}
				x[pos] = nan
				require.True(t, math.IsNaN(float64(kernel.Dot(x, y))), "NaN at %d of %d", pos, n)
				x[pos] = inf
				require.Equal(t, inf, kernel.Dot(x, y), "+Inf at %d of %d", pos, n)
				y[pos] = 0 // Inf·0 is NaN
				require.True(t, math.IsNaN(float64(kernel.Dot(x, y))), "Inf·0 at %d of %d", pos, n)
				x[pos], y[pos] = math.MaxFloat32, 2 // overflow to +Inf
				require.Equal(t, inf, kernel.Dot(x, y))
			}
		}
		// -0 · +0 summed alone stays a zero.
		require.Equal(t, float32(0), kernel.Dot([]float32{float32(math.Copysign(0, -1))}, []float32{0}))
	})
}

func TestDotPanics(t *testing.T) {
	require.PanicsWithValue(t, "kernel.Dot: len(x)=5 != len(y)=7", func() {
		kernel.Dot(make([]float32, 5), make([]float32, 7))
	})
}

func TestDotAllocs(t *testing.T) {
	x := make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(100, func() { kernel.Dot(x, x) }))
	})
}

func FuzzDot(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := kerneltest.FloatsFromBytes(raw)
		n := len(v) / 2
		x, y := v[:n], v[n:2*n]
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			checkDot(t, "fuzz", x, y)
		})
	})
}
