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

// These tests run Sum, Max, Argmax, Axpy, Scale, Add and Mul at every
// level this CPU and build can run (NEON under qemu-aarch64 included)
// against kernel/ref, over the lengths × offsets sweep with NaN guard
// bands, in place, with guard pages, and on special values.

// checkVector runs every vector kernel once on x and y (equal lengths)
// and compares with the reference. x and y are restored afterwards.
func checkVector(t *testing.T, what string, x, y []float32) {
	t.Helper()
	n := len(x)
	xc, yc := slices.Clone(x), slices.Clone(y)

	if got, want := kernel.Sum(x), ref.Sum(x); !math.IsNaN(want) && !math.IsInf(want, 0) {
		if d := math.Abs(float64(got) - want); d > kerneltest.ReductionBound(n, ref.SumAbs(x)) {
			t.Fatalf("%s: Sum=%v want %v", what, got, want)
		}
	}
	if got, want := kernel.Max(x), ref.Max(x); !(got == want || (got != got && want != want)) {
		t.Fatalf("%s: Max=%v want %v", what, got, want)
	}
	if got, want := kernel.Argmax(x), ref.Argmax(x); got != want {
		t.Fatalf("%s: Argmax=%d want %d (x[got]=%v x[want]=%v)", what, got, want, elemAt(x, got), elemAt(x, want))
	}

	// Axpy: fused at the SIMD levels, perhaps twice rounded in Go.
	alpha := float32(0.75)
	want := make([]float64, n)
	ref.Axpy(want, alpha, x, y)
	kernel.Axpy(alpha, x, y)
	for i := range y {
		bound := 2*kerneltest.Eps*(math.Abs(float64(yc[i]))+math.Abs(float64(alpha)*float64(x[i]))) + 0x1p-149
		if d := math.Abs(float64(y[i]) - want[i]); !(d <= bound) && !(math.IsNaN(want[i]) && y[i] != y[i]) {
			t.Fatalf("%s: Axpy y[%d]=%v want %v", what, i, y[i], want[i])
		}
	}
	require.Equal(t, xc, x, "%s: Axpy changed x", what)
	copy(y, yc)

	// Axpy in place: y = x, so x[i] += alpha·x[i].
	kernel.Axpy(alpha, x, x)
	for i := range x {
		w := float64(xc[i]) * (1 + float64(alpha))
		if d := math.Abs(float64(x[i]) - w); !(d <= 2*kerneltest.Eps*2*math.Abs(float64(xc[i]))+0x1p-149) {
			t.Fatalf("%s: Axpy in place x[%d]=%v want %v", what, i, x[i], w)
		}
	}
	copy(x, xc)

	// Scale, Add and Mul round once: the Go float32 operation is exact.
	kernel.Scale(-1.5, x)
	for i := range x {
		if !sameFloat(x[i], xc[i]*-1.5) {
			t.Fatalf("%s: Scale x[%d]=%v want %v", what, i, x[i], xc[i]*-1.5)
		}
	}
	copy(x, xc)

	dst := make([]float32, n)
	for _, op := range []struct {
		name string
		fn   func(dst, a, b []float32)
		f    func(a, b float32) float32
	}{
		{"Add", kernel.Add, func(a, b float32) float32 { return a + b }},
		{"Mul", kernel.Mul, func(a, b float32) float32 { return a * b }},
	} {
		op.fn(dst, x, y)
		for i := range dst {
			if w := op.f(x[i], y[i]); !sameFloat(dst[i], w) {
				t.Fatalf("%s: %s dst[%d]=%v want %v", what, op.name, i, dst[i], w)
			}
		}
		require.Equal(t, xc, x, "%s: %s changed a", what, op.name)
		require.Equal(t, yc, y, "%s: %s changed b", what, op.name)
		// In place, both ways round.
		op.fn(x, x, y)
		op.fn(y, xc, y)
		for i := range dst {
			if !sameFloat(x[i], dst[i]) || !sameFloat(y[i], dst[i]) {
				t.Fatalf("%s: %s in place [%d]: %v, %v want %v", what, op.name, i, x[i], y[i], dst[i])
			}
		}
		copy(x, xc)
		copy(y, yc)
	}
}

func TestVectorKernels(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(11)
		for _, n := range kerneltest.Lengths() {
			for off := 0; off < kerneltest.MaxOffset; off += 1 + 4*(n/64) {
				bx, by := kerneltest.NewBanded(n, off), kerneltest.NewBanded(n, (off*5)%kerneltest.MaxOffset)
				x, y := bx.S(), by.S()
				kerneltest.Fill(r, x, -1, 1)
				kerneltest.Fill(r, y, -1, 1)
				what := fmt.Sprintf("n=%d off=%d", n, off)
				checkVector(t, what, x, y)
				// Repeated values: Argmax must return the first maximum.
				for i := range x {
					x[i] = float32(r.IntN(4))
				}
				checkVector(t, what+" ties", x, y)
				bx.Check(t, what)
				by.Check(t, what)
			}
		}
	})
}

func TestVectorGuardPages(t *testing.T) { checkGuardedPairs(t, 12, checkVector) }

// TestMaxArgmaxSpecials checks the NaN rule, ±0, -Inf and ties at every
// position a vector loop, its unrolled blocks, or the tail may see them.
func TestMaxArgmaxSpecials(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Equal(t, float32(math.Inf(-1)), kernel.Max(nil))
		require.Equal(t, -1, kernel.Argmax(nil))
		for _, n := range []int{1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 129} {
			x := make([]float32, n)
			// All -Inf: Max is -Inf, Argmax 0.
			for i := range x {
				x[i] = float32(math.Inf(-1))
			}
			require.Equal(t, float32(math.Inf(-1)), kernel.Max(x), "n=%d all -Inf", n)
			require.Equal(t, 0, kernel.Argmax(x), "n=%d all -Inf", n)
			for pos := 0; pos < n; pos++ {
				fill := func(v float32) {
					for i := range x {
						x[i] = v
					}
				}
				// One NaN anywhere.
				fill(1)
				x[pos] = nan
				require.True(t, math.IsNaN(float64(kernel.Max(x))), "n=%d NaN at %d", n, pos)
				require.Equal(t, pos, kernel.Argmax(x), "n=%d NaN at %d", n, pos)
				// A second NaN later, and a larger value after the first.
				if pos+1 < n {
					x[n-1] = nan
					x[pos+1] = inf
					require.Equal(t, pos, kernel.Argmax(x), "n=%d NaNs at %d,%d", n, pos, n-1)
				}
				// One maximum, and then a tie after it.
				fill(-3)
				x[pos] = 7
				require.Equal(t, float32(7), kernel.Max(x))
				require.Equal(t, pos, kernel.Argmax(x), "n=%d max at %d", n, pos)
				for q := pos + 1; q < n; q += 1 + n/7 {
					x[q] = 7
					require.Equal(t, pos, kernel.Argmax(x), "n=%d max at %d tie at %d", n, pos, q)
					x[q] = -3
				}
				// -0 first then +0: equal, so the first wins.
				fill(-1)
				x[pos] = negZero
				if pos+1 < n {
					x[n-1] = 0
				}
				require.Equal(t, pos, kernel.Argmax(x), "n=%d -0 at %d", n, pos)
				require.Equal(t, float32(0), kernel.Max(x))
				// +Inf is a maximum like any other.
				fill(-inf)
				x[pos] = inf
				require.Equal(t, inf, kernel.Max(x))
				require.Equal(t, pos, kernel.Argmax(x))
			}
		}
		// Specials in every combination the list gives.
		s := kerneltest.Specials
		for i := range s {
			for j := range s {
				x := []float32{s[i], s[j], 0.25, s[j], s[i]}
				x = append(x, x...)
				x = append(x, x...)
				x = append(x, x...) // 40 elements: vector loop and tail
				want := ref.Max(x)
				if got := kernel.Max(x); !(got == want || (got != got && want != want)) {
					t.Fatalf("Max(%v)=%v want %v", x, got, want)
				}
				require.Equal(t, ref.Argmax(x), kernel.Argmax(x), "Argmax(%v)", x)
			}
		}
	})
}

func TestElementwiseSpecials(t *testing.T) {
	s := kerneltest.Specials
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		n := len(s) * len(s)
		a, b, dst := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range s {
			for j := range s {
				a[i*len(s)+j], b[i*len(s)+j] = s[i], s[j]
			}
		}
		kernel.Add(dst, a, b)
		for i := range dst {
			require.True(t, sameFloat(dst[i], a[i]+b[i]), "Add(%v, %v)=%v", a[i], b[i], dst[i])
		}
		kernel.Mul(dst, a, b)
		for i := range dst {
			require.True(t, sameFloat(dst[i], a[i]*b[i]), "Mul(%v, %v)=%v", a[i], b[i], dst[i])
		}
		for _, alpha := range s {
			copy(dst, a)
			kernel.Scale(alpha, dst)
			for i := range dst {
				require.True(t, sameFloat(dst[i], a[i]*alpha), "Scale(%v, %v)=%v", alpha, a[i], dst[i])
			}
			copy(dst, b)
			kernel.Axpy(alpha, a, dst)
			for i := range dst {
				w := float32(math.FMA(float64(alpha), float64(a[i]), float64(b[i])))
				w2 := b[i] + alpha*a[i]
				require.True(t, sameFloat(dst[i], w) || sameFloat(dst[i], w2), "Axpy(%v, %v, %v)=%v", alpha, a[i], b[i], dst[i])
			}
		}
		// Sum of specials: NaN and opposite infinities give NaN.
		require.True(t, math.IsNaN(float64(kernel.Sum(s))))
		require.Equal(t, float32(math.Inf(1)), kernel.Sum([]float32{1, float32(math.Inf(1)), 2, 3, 4, 5, 6, 7, 8}))
	})
}

func TestVectorAllocs(t *testing.T) {
	x, y := make([]float32, 1000), make([]float32, 1000)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		require.Zero(t, testing.AllocsPerRun(20, func() {
			kernel.Sum(x)
			kernel.Max(x)
			kernel.Argmax(x)
			kernel.Axpy(2, x, y)
			kernel.Scale(0.5, y)
			kernel.Add(y, x, y)
			kernel.Mul(y, x, y)
		}))
	})
}
