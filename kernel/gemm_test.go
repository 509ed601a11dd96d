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

// gemmMinKC is the smallest k block the Gemm driver uses (blockFor clamps
// kc to at least 64); tests that shrink the blocks pass their own.
const gemmMinKC = 64

// gemmBound is the rounding error bound for one element of a float32
// Gemm whose exact value has scale abs = |alpha|·Σ|a·b| + |beta·c| (from
// ref.Gemm), with k products summed in k blocks of at least kc: along the
// path of any term there are at most k roundings in the products and sums
// within the blocks, one for alpha, and one per block for adding into c,
// so γ_(k+nb+2) = (k+nb+2)·u/(1-(k+nb+2)·u) relative to abs. Subnormal
// products and sums may add an absolute half-step (2^-150) each, 2k+4 of
// them at most.
func gemmBound(k, kc int, abs float64) float64 {
	nb := (k + kc - 1) / kc
	n := float64(k + nb + 2)
	return n*kerneltest.Eps/(1-n*kerneltest.Eps)*abs + float64(2*k+4)*0x1p-150
}

// operand is a rows×cols matrix view with the given stride inside a
// buffer with NaN guard bands; the padding between rows holds the guard
// NaN too, so a kernel that reads it gets NaN and one that writes it is
// caught by check.
type operand struct {
	band *kerneltest.Banded
	m    kernel.Matrix
}

func newOperand(rows, cols, stride, offset int) operand {
	n := 0
	if rows > 0 && cols > 0 {
		n = (rows-1)*stride + cols
	}
	b := kerneltest.NewBanded(n, offset)
	s := b.S()
	return operand{band: b, m: kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: s}}
}

func (o operand) fill(r interface{ Float32() float32 }) {
	for i := 0; i < o.m.Rows; i++ {
		row := o.m.Data[i*o.m.Stride:][:o.m.Cols]
		for j := range row {
			row[j] = 2*r.Float32() - 1
		}
	}
}

// check fails if the bands or the padding between rows changed.
func (o operand) check(t *testing.T, what string) {
	t.Helper()
	o.band.Check(t, what)
	for i := 0; i+1 < o.m.Rows; i++ {
		for j := o.m.Cols; j < o.m.Stride; j++ {
			if v := o.m.Data[i*o.m.Stride+j]; math.Float32bits(v) != kerneltest.GuardNaN {
				t.Fatalf("%s: padding of row %d col %d overwritten: %v", what, i, j, v)
			}
		}
	}
}

// checkGemm runs kernel.Gemm on copies-free views and compares every
// element of c with ref.Gemm under gemmBound; a and b must be unchanged.
func checkGemm(t *testing.T, what string, tA, tB kernel.Transpose, alpha float32, a, b kernel.Matrix, beta float32, c kernel.Matrix, kc int) {
	t.Helper()
	m, n := c.Rows, c.Cols
	k := a.Cols
	if tA {
		k = a.Rows
	}
	c0 := slices.Clone(c.Data)
	ac, bc := slices.Clone(a.Data), slices.Clone(b.Data)
	want := make([]float64, m*n)
	abs := make([]float64, m*n)
	ref.Gemm(bool(tA), bool(tB), m, n, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c0, c.Stride, want, abs)
	kernel.Gemm(tA, tB, alpha, a, b, beta, c)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			got := c.Data[i*c.Stride+j]
			w := want[i*n+j]
			if !gemmClose(got, w, abs[i*n+j], alpha, k, kc) {
				t.Fatalf("%s: c[%d,%d]=%v want %v (|err| %g > bound %g)", what, i, j, got, w,
					math.Abs(float64(got)-w), gemmBound(k, kc, abs[i*n+j]))
			}
		}
	}
	require.True(t, slices.Equal(bitsOf(ac), bitsOf(a.Data)), "%s: Gemm changed a", what)
	require.True(t, slices.Equal(bitsOf(bc), bitsOf(b.Data)), "%s: Gemm changed b", what)
}

// gemmClose reports whether got is within gemmBound of want. Where the
// exact value is not finite, or partial sums may overflow float32 (the
// unscaled Σ|a·b| or the scale itself beyond MaxFloat32), NaN and ±Inf
// are legitimate answers, but a finite one must still be accurate.
func gemmClose(got float32, want, abs float64, alpha float32, k, kc int) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return (math.IsNaN(want) && got != got) || float64(got) == want ||
			(math.IsNaN(float64(got)) || math.IsInf(float64(got), 0))
	}
	if got != got || math.IsInf(float64(got), 0) {
		unscaled := abs
		if alpha != 0 {
			unscaled = abs / math.Abs(float64(alpha))
		}
		return abs > math.MaxFloat32/2 || unscaled > math.MaxFloat32/2
	}
	return math.Abs(float64(got)-want) <= gemmBound(k, kc, abs)
}

func bitsOf(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
	}
	return b
}

var transposes = []kernel.Transpose{kernel.NoTrans, kernel.Trans}

// gemmCase runs one product of the given op shapes with every operand a
// strided view (stride = cols + pad) in NaN-banded memory at offset off.
func gemmCase(t *testing.T, r interface{ Float32() float32 }, tA, tB kernel.Transpose, m, n, k int, alpha, beta float32, pad, off, kc int, cNaN bool) {
	t.Helper()
	ar, acol := m, k
	if tA {
		ar, acol = k, m
	}
	br, bcol := k, n
	if tB {
		br, bcol = n, k
	}
	a := newOperand(ar, acol, acol+pad, off)
	b := newOperand(br, bcol, bcol+(pad*3)%7, (off+5)%kerneltest.MaxOffset)
	c := newOperand(m, n, n+(pad*5)%11, (off+9)%kerneltest.MaxOffset)
	a.fill(r)
	b.fill(r)
	if cNaN {
		for i := 0; i < m; i++ {
			row := c.m.Data[i*c.m.Stride:][:n]
			for j := range row {
				row[j] = float32(math.NaN())
			}
		}
	} else {
		c.fill(r)
	}
	what := fmt.Sprintf("%v,%v m=%d n=%d k=%d alpha=%v beta=%v pad=%d off=%d", tA, tB, m, n, k, alpha, beta, pad, off)
	checkGemm(t, what, tA, tB, alpha, a.m, b.m, beta, c.m, kc)
	a.check(t, what+" a")
	b.check(t, what+" b")
	c.check(t, what+" c")
}

func TestGemmSmall(t *testing.T) {
	alphas := []float32{1, -0.5, 0, 2.25}
	betas := []float32{0, 1, -1.5, 0.5}
	sizes := []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 67}
	if testing.Short() {
		sizes = []int{1, 3, 5, 8, 13, 16, 17, 33, 67}
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(11)
		i := 0
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range sizes {
					i++
					tA, tB := transposes[i%2], transposes[(i/2)%2]
					alpha, beta := alphas[i%len(alphas)], betas[(i/3)%len(betas)]
					gemmCase(t, r, tA, tB, m, n, k, alpha, beta, i%3, i%kerneltest.MaxOffset, gemmMinKC, beta == 0 && i%2 == 0)
				}
			}
		}
	})
}

func TestGemmLarge(t *testing.T) {
	shapes := [][3]int{{128, 128, 128}, {257, 129, 300}, {100, 600, 70}, {31, 1030, 513}}
	if testing.Short() {
		shapes = shapes[:2]
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(12)
		for i, s := range shapes {
			for _, tA := range transposes {
				for _, tB := range transposes {
					gemmCase(t, r, tA, tB, s[0], s[1], s[2], 0.75, []float32{0, 1, -0.25}[i%3], 3, i, gemmMinKC, i%3 == 0)
				}
			}
		}
	})
}

func TestGemmPanics(t *testing.T) {
	m := func(r, c int) kernel.Matrix { return kernel.NewMatrix(r, c) }
	require.PanicsWithValue(t, "kernel.Gemm: op(a) is 2×3 (a 2×3 NoTrans), op(b) is 4×5 (b 4×5 NoTrans), c is 2×5: want op(a) m×k, op(b) k×n, c m×n", func() {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, m(2, 3), m(4, 5), 0, m(2, 5))
	})
	require.PanicsWithValue(t, "kernel.Gemm: op(a) is 3×2 (a 2×3 Trans), op(b) is 2×4 (b 4×2 Trans), c is 3×5: want op(a) m×k, op(b) k×n, c m×n", func() {
		kernel.Gemm(kernel.Trans, kernel.Trans, 1, m(2, 3), m(4, 2), 0, m(3, 5))
	})
	big := kernel.NewMatrix(8, 8)
	require.PanicsWithValue(t, "kernel.Gemm: c overlaps a", func() {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, big.Slice(0, 4, 0, 4), m(4, 4), 0, big.Slice(2, 6, 2, 6))
	})
	require.PanicsWithValue(t, "kernel.Gemm: c overlaps b", func() {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, m(4, 4), big.Slice(0, 4, 0, 4), 0, big.Slice(3, 7, 3, 7))
	})
	require.PanicsWithValue(t, "kernel.Gemm: malformed matrix b: 2×2 stride 1 len(data)=4", func() {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, m(2, 2), kernel.Matrix{Rows: 2, Cols: 2, Stride: 1, Data: make([]float32, 4)}, 0, m(2, 2))
	})
	// Interleaved views of one matrix share no element: not an overlap.
	require.NotPanics(t, func() {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, big.Slice(0, 8, 0, 4), m(4, 4), 0, big.Slice(0, 8, 4, 8))
	})
}

func TestGemmThreads(t *testing.T) {
	defer kernel.SetThreads(0)
	kernel.SetThreads(3)
	require.Equal(t, 3, kernel.Threads())
	kernel.SetThreads(0)
	require.Positive(t, kernel.Threads())
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(13)
		for _, th := range []int{2, 3} {
			kernel.SetThreads(th)
			gemmCase(t, r, kernel.NoTrans, kernel.NoTrans, 200, 300, 150, 1, 0.5, 1, 0, gemmMinKC, false)
			gemmCase(t, r, kernel.Trans, kernel.NoTrans, 301, 97, 160, -1, 0, 2, 3, gemmMinKC, true)
		}
	})
}

func TestGemmAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	defer kernel.SetThreads(0)
	a, b, c := kernel.NewMatrix(256, 256), kernel.NewMatrix(256, 256), kernel.NewMatrix(256, 256)
	s, sc := kernel.NewMatrix(8, 8), kernel.NewMatrix(8, 8)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, th := range []int{1, 2} {
			kernel.SetThreads(th)
			require.Zero(t, testing.AllocsPerRun(20, func() { kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, a, b, 0, c) }), "threads=%d", th)
			require.Zero(t, testing.AllocsPerRun(20, func() { kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, s, s, 1, sc) }))
		}
	})
}
