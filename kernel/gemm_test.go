package kernel_test

import (
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/alloctest"
	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// The gemm family's suite: the table's ClassGemm row (Gemm), held to its
// Reduction contract with the bound of gemmBound, which counts the
// roundings of the k-blocked sum.

// gemm is the table's Gemm row; the suite calls it through the table.
var gemm = gemmRow().Gemm

// gemmRow returns the gemm family's one row.
func gemmRow() kernel.Spec {
	rows := specsWhere(func(s kernel.Spec) bool { return s.Class == kernel.ClassGemm })
	if len(rows) != 1 || rows[0].Contract.Kind != kernel.Reduction {
		panic(fmt.Sprintf("the gemm suite tests one ClassGemm row with a Reduction contract; the table has %d", len(rows)))
	}
	return rows[0]
}

// gemmMinKC is the smallest k block the Gemm driver uses (blockFor clamps
// kc to at least 64); tests that shrink the blocks pass their own.
const gemmMinKC = 64

// gemmBound is the rounding error bound for one element of a float32
// Gemm whose exact value has scale abs = |alpha|·Σ|a·b| + |beta·c| (from
// ref.Gemm), with k products summed in k blocks of at least kc: along the
// path of any term there are at most k roundings in the products and sums
// within the blocks, one for alpha, and one per block for adding into c,
// so γ_(k+nb+2) = (k+nb+2)·u/(1-(k+nb+2)·u) relative to abs. Products and
// sums that fall among the subnormals carry an absolute error of up to
// half a subnormal step (2^-150) each instead: at most 2k of them inside
// the sum s, whose error alpha then scales by |alpha|, and 2·nb+2 after
// (alpha·s, beta·c and the additions into c).
func gemmBound(k, kc int, abs float64, alpha float32) float64 {
	nb := (k + kc - 1) / kc
	n := float64(k + nb + 2)
	sub := 2*float64(k)*math.Abs(float64(alpha)) + float64(2*nb+2)
	return n*kerneltest.Eps/(1-n*kerneltest.Eps)*abs + sub*0x1p-150
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
	gemm(tA, tB, alpha, a, b, beta, c)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			got := c.Data[i*c.Stride+j]
			w := want[i*n+j]
			if !gemmClose(got, w, abs[i*n+j], alpha, k, kc) {
				t.Fatalf("%s: c[%d,%d]=%v want %v (|err| %g > bound %g)", what, i, j, got, w,
					math.Abs(float64(got)-w), gemmBound(k, kc, abs[i*n+j], alpha))
			}
		}
	}
	require.True(t, slices.Equal(bits(ac), bits(a.Data)), "%s: Gemm changed a", what)
	require.True(t, slices.Equal(bits(bc), bits(b.Data)), "%s: Gemm changed b", what)
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
	return math.Abs(float64(got)-want) <= gemmBound(k, kc, abs, alpha)
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
		shapes = [][3]int{{97, 130, 200}}
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
		gemm(kernel.NoTrans, kernel.NoTrans, 1, m(2, 3), m(4, 5), 0, m(2, 5))
	})
	require.PanicsWithValue(t, "kernel.Gemm: op(a) is 3×2 (a 2×3 Trans), op(b) is 2×4 (b 4×2 Trans), c is 3×5: want op(a) m×k, op(b) k×n, c m×n", func() {
		gemm(kernel.Trans, kernel.Trans, 1, m(2, 3), m(4, 2), 0, m(3, 5))
	})
	big := kernel.NewMatrix(8, 8)
	require.PanicsWithValue(t, "kernel.Gemm: c overlaps a", func() {
		gemm(kernel.NoTrans, kernel.NoTrans, 1, big.Slice(0, 4, 0, 4), m(4, 4), 0, big.Slice(2, 6, 2, 6))
	})
	require.PanicsWithValue(t, "kernel.Gemm: c overlaps b", func() {
		gemm(kernel.NoTrans, kernel.NoTrans, 1, m(4, 4), big.Slice(0, 4, 0, 4), 0, big.Slice(3, 7, 3, 7))
	})
	require.PanicsWithValue(t, "kernel.Gemm: malformed matrix b: 2×2 stride 1 len(data)=4", func() {
		gemm(kernel.NoTrans, kernel.NoTrans, 1, m(2, 2), kernel.Matrix{Rows: 2, Cols: 2, Stride: 1, Data: make([]float32, 4)}, 0, m(2, 2))
	})
	// Interleaved views of one matrix share no element: not an overlap.
	require.NotPanics(t, func() {
		gemm(kernel.NoTrans, kernel.NoTrans, 1, big.Slice(0, 8, 0, 4), m(4, 4), 0, big.Slice(0, 8, 4, 8))
	})
	// The same for a single row of c inside b's span (the Gemv fast path
	// must not take it), for both op(b).
	for _, tB := range transposes {
		for i := range big.Data {
			big.Data[i] = float32(i % 7)
		}
		a := kernel.MatrixFrom(1, 4, []float32{1, 2, 3, 4})
		b, c := big.Slice(0, 4, 0, 4), big.Slice(1, 2, 4, 8)
		var want [4]float32
		for j := range 4 {
			for p := range 4 {
				bv := b.At(p, j)
				if tB {
					bv = b.At(j, p)
				}
				want[j] += a.At(0, p) * bv
			}
		}
		require.NotPanics(t, func() { gemm(kernel.NoTrans, tB, 1, a, b, 0, c) })
		require.Equal(t, want[:], c.Row(0), "%v", tB)
	}
}

func TestGemmThreads(t *testing.T) {
	defer kernel.SetGemmSplitFlops(1 << 22)() // split modest products, to test the threaded path
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
	defer kernel.SetGemmSplitFlops(1 << 22)() // split modest products, to test the threaded path
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	defer kernel.SetThreads(0)
	// 2·m·n·k = 2²⁴ flops: large enough to be split across 2 threads.
	a, b, c := kernel.NewMatrix(128, 256), kernel.NewMatrix(256, 256), kernel.NewMatrix(128, 256)
	s, sc := kernel.NewMatrix(8, 8), kernel.NewMatrix(8, 8)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, th := range []int{1, 2} {
			kernel.SetThreads(th)
			require.Zero(t, testing.AllocsPerRun(5, func() { gemm(kernel.NoTrans, kernel.Trans, 1, a, b, 0, c) }), "threads=%d", th)
			require.Zero(t, testing.AllocsPerRun(20, func() { gemm(kernel.Trans, kernel.NoTrans, 1, s, s, 1, sc) }))
		}
	})
}

// TestGemmNoAllocsAlternating: once every product has run once, Gemm and
// GemmPacked allocate nothing, each call counted on its own, while the
// shapes alternate (serial products and products split over two threads,
// whose pack buffers differ in size): the pack buffers a call finds, left
// by a product of another shape on whatever goroutine, must fit it.
func TestGemmNoAllocsAlternating(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's runs look for races, not allocations")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection empties the pools meanwhile
	defer kernel.SetGemmSplitFlops(1 << 22)()        // split modest products, to test the threaded path
	defer kernel.SetThreads(0)
	alloctest.WarmRuntime()
	r := kerneltest.Rand(5)
	var calls []alloctest.Call
	for _, s := range []struct{ m, n, k int }{{8, 8, 8}, {128, 256, 256}, {64, 300, 16}, {300, 64, 200}, {7, 500, 33}} {
		a, b, c := kernel.NewMatrix(s.m, s.k), kernel.NewMatrix(s.n, s.k), kernel.NewMatrix(s.m, s.n)
		kerneltest.Fill(r, a.Data, -1, 1)
		kerneltest.Fill(r, b.Data, -1, 1)
		var p kernel.PackedB
		p.Pack(kernel.Trans, b)
		calls = append(calls,
			alloctest.Call{Name: fmt.Sprintf("Gemm %d×%d×%d", s.m, s.n, s.k), Run: func() error { kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, a, b, 0, c); return nil }},
			alloctest.Call{Name: fmt.Sprintf("GemmPacked %d×%d×%d", s.m, s.n, s.k), Run: func() error { kernel.GemmPacked(kernel.NoTrans, 1, a, &p, 0, c); return nil }})
	}
	for _, th := range []int{1, 2} {
		kernel.SetThreads(th)
		allocated, err := alloctest.Alternating(calls, 6)
		require.NoError(t, err)
		require.Empty(t, allocated, "threads=%d: calls that allocated\n%s", th, strings.Join(allocated, "\n"))
	}
}

// TestGemmShapes checks every m, n, k in 1..67 (with -short, a subset
// that keeps the register-tile and vector edges), cycling through the
// four transpose combinations, alphas and betas. The operands are views
// of larger matrices, so Stride > Cols and a read past a view's edge
// picks up a wrong value; c's padding is NaN-guarded. The float64
// reference is built up incrementally in k for each (m, n).
func TestGemmShapes(t *testing.T) {
	const maxDim = 67
	var sizes []int
	for s := 1; s <= maxDim; s++ {
		sizes = append(sizes, s)
	}
	if testing.Short() {
		sizes = []int{1, 2, 3, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 31, 32, 33, 47, 67}
	}
	inSizes := make([]bool, maxDim+1)
	for _, s := range sizes {
		inSizes[s] = true
	}
	alphas := []float32{1, -0.5, 2.25, 0}
	betas := []float32{0, 1, -1.5, 0.25}
	r := kerneltest.Rand(21)
	// opA (maxDim×maxDim) stored as is (aN) and transposed (aT), and the
	// same for opB, each with a row stride beyond its columns.
	aN, aT := kernel.NewMatrix(maxDim, maxDim+3), kernel.NewMatrix(maxDim, maxDim+5)
	bN, bT := kernel.NewMatrix(maxDim, maxDim+1), kernel.NewMatrix(maxDim, maxDim+7)
	c0 := kernel.NewMatrix(maxDim, maxDim)
	for i := 0; i < maxDim; i++ {
		for j := 0; j < maxDim; j++ {
			x, y := 2*r.Float32()-1, 2*r.Float32()-1
			aN.Set(i, j, x)
			aT.Set(j, i, x)
			bN.Set(i, j, y)
			bT.Set(j, i, y)
			c0.Set(i, j, 2*r.Float32()-1)
		}
	}
	const cStride = maxDim + 33
	nan := math.Float32frombits(kerneltest.GuardNaN)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		cbuf := make([]float32, (maxDim+1)*cStride)
		for i := range cbuf {
			cbuf[i] = nan
		}
		sum := make([]float64, maxDim*maxDim)
		abs := make([]float64, maxDim*maxDim)
		count := 0
		for _, m := range sizes {
			for _, n := range sizes {
				clear(sum)
				clear(abs)
				for k := 1; k <= maxDim; k++ {
					// Add the k-th rank-1 term to the float64 sums.
					for i := 0; i < m; i++ {
						x := float64(aN.At(i, k-1))
						for j := 0; j < n; j++ {
							v := x * float64(bN.At(k-1, j))
							sum[i*n+j] += v
							abs[i*n+j] += math.Abs(v)
						}
					}
					if !inSizes[k] {
						continue
					}
					count++
					h := m*7 + n*3 + k
					tA, tB := transposes[h%2], transposes[(h/2)%2]
					alpha, beta := alphas[(h/4)%4], betas[(h/16)%4]
					a := aN.Slice(0, m, 0, k)
					if tA {
						a = aT.Slice(0, k, 0, m)
					}
					b := bN.Slice(0, k, 0, n)
					if tB {
						b = bT.Slice(0, n, 0, k)
					}
					c := kernel.Matrix{Rows: m, Cols: n, Stride: cStride, Data: cbuf[:(m-1)*cStride+n]}
					for i := 0; i < m; i++ {
						row := c.Data[i*cStride:][:n]
						if beta == 0 {
							for j := range row {
								row[j] = float32(math.NaN()) // beta = 0 must ignore it
							}
						} else {
							copy(row, c0.Row(i)[:n])
						}
					}
					gemm(tA, tB, alpha, a, b, beta, c)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							want := float64(alpha) * sum[i*n+j]
							scale := math.Abs(float64(alpha)) * abs[i*n+j]
							if beta != 0 {
								bc := float64(beta) * float64(c0.At(i, j))
								want += bc
								scale += math.Abs(bc)
							}
							got := c.Data[i*cStride+j]
							if d := math.Abs(float64(got) - want); !(d <= gemmBound(k, gemmMinKC, scale, alpha)) {
								t.Fatalf("%v,%v m=%d n=%d k=%d alpha=%v beta=%v: c[%d,%d]=%v want %v (bound %g)",
									tA, tB, m, n, k, alpha, beta, i, j, got, want, gemmBound(k, gemmMinKC, scale, alpha))
							}
						}
						// The padding right of the row (and the row below) is untouched.
						for j := n; j < min(n+32, cStride); j++ {
							if math.Float32bits(cbuf[i*cStride+j]) != kerneltest.GuardNaN {
								t.Fatalf("%v,%v m=%d n=%d k=%d: wrote c[%d,%d] past column %d", tA, tB, m, n, k, i, j, n)
							}
						}
					}
					for j := 0; j < min(n+32, cStride); j++ {
						if math.Float32bits(cbuf[m*cStride+j]) != kerneltest.GuardNaN {
							t.Fatalf("%v,%v m=%d n=%d k=%d: wrote c[%d,%d] below row %d", tA, tB, m, n, k, m, j, m)
						}
					}
					for i := 0; i < m; i++ {
						row := cbuf[i*cStride:][:n]
						for j := range row {
							row[j] = nan
						}
					}
				}
			}
		}
		t.Logf("%d shapes", count)
	})
}

// TestGemmBlocking shrinks the cache blocks so that modest shapes cross
// every mc, kc and nc boundary (and the threaded split), in all four
// transpose combinations.
func TestGemmBlocking(t *testing.T) {
	defer kernel.SetGemmSplitFlops(1 << 22)() // split modest products, to test the threaded path
	defer kernel.SetThreads(0)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		mr, nr := kernel.GemmTile()
		r := kerneltest.Rand(22)
		for _, blk := range [][3]int{{mr, 8, nr}, {2 * mr, 16, 3 * nr}, {3 * mr, 64, 2 * nr}} {
			restore := kernel.SetGemmBlocks(blk[0], blk[1], blk[2])
			for i, s := range [][3]int{{3*mr + 1, 2*nr + 3, 37}, {5*mr - 1, 4*nr + 1, 70}, {mr, nr, 17}} {
				for _, th := range []int{1, 2} {
					kernel.SetThreads(th)
					for _, tA := range transposes {
						for _, tB := range transposes {
							beta := []float32{0, 1, 0.5}[i]
							gemmCase(t, r, tA, tB, s[0], s[1], s[2], -1.25, beta, 1+i, i*5, blk[1], beta == 0)
						}
					}
				}
			}
			restore()
		}
	})
}

// TestGemmGuardPages puts each operand right before and right after an
// unmapped page, with a stride beyond Cols so the last row ends at the
// guard: any read or write past an operand's first or last element faults.
func TestGemmGuardPages(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {5, 7, 3}, {14, 32, 9}, {15, 33, 20}, {6, 16, 5}, {29, 50, 66}}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(23)
		for _, s := range shapes {
			for _, tA := range transposes {
				for _, tB := range transposes {
					m, n, k := s[0], s[1], s[2]
					ar, ac := m, k
					if tA {
						ar, ac = k, m
					}
					br, bc := k, n
					if tB {
						br, bc = n, k
					}
					for _, end := range []bool{true, false} {
						guarded := func(rows, cols int) kernel.Matrix {
							stride := cols + 3
							size := (rows-1)*stride + cols
							e, st := kerneltest.Guarded(t, size)
							buf := st
							if end {
								buf = e
							}
							kerneltest.Fill(r, buf, -1, 1)
							return kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: buf}
						}
						a, b, c := guarded(ar, ac), guarded(br, bc), guarded(m, n)
						what := fmt.Sprintf("%v,%v m=%d n=%d k=%d end=%v", tA, tB, m, n, k, end)
						kerneltest.NoFault(t, what, func() {
							checkGemm(t, what, tA, tB, 0.5, a, b, 0, c, gemmMinKC)
							checkGemm(t, what+" beta=1", tA, tB, 0.5, a, b, 1, c, gemmMinKC)
						})
					}
				}
			}
		}
	})
}

// TestGemmSpecials: NaN and Inf propagate through the products; beta = 0
// (or -0) ignores NaN in c; alpha = 0 and k = 0 do not read a and b.
func TestGemmSpecials(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {20, 40, 30}} {
			m, n, k := s[0], s[1], s[2]
			a, b, c := kernel.NewMatrix(m, k), kernel.NewMatrix(k, n), kernel.NewMatrix(m, n)
			for i := range a.Data {
				a.Data[i] = 1
			}
			for i := range b.Data {
				b.Data[i] = 1
			}
			fillC := func(v float32) {
				for i := range c.Data {
					c.Data[i] = v
				}
			}
			// beta = ±0: NaN in c is ignored.
			for _, beta := range []float32{0, float32(math.Copysign(0, -1))} {
				fillC(nan)
				gemm(kernel.NoTrans, kernel.NoTrans, 2, a, b, beta, c)
				for _, v := range c.Data {
					require.Equal(t, float32(2*k), v)
				}
			}
			// alpha = 0: a and b are not read (NaN there does not matter).
			a.Data[0] = nan
			fillC(3)
			gemm(kernel.NoTrans, kernel.NoTrans, 0, a, b, 0.5, c)
			for _, v := range c.Data {
				require.Equal(t, float32(1.5), v)
			}
			gemm(kernel.NoTrans, kernel.NoTrans, 0, a, b, 0, c)
			for _, v := range c.Data {
				require.Equal(t, float32(0), v)
			}
			// NaN in a[0,0] makes row 0 of c NaN and leaves the others finite.
			gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 0, c)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					require.Equal(t, i == 0, math.IsNaN(float64(c.At(i, j))), "c[%d,%d]=%v", i, j, c.At(i, j))
				}
			}
			// +Inf in a gives +Inf; with a zero in b's matching row, NaN.
			a.Data[0] = inf
			gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 0, c)
			require.Equal(t, inf, c.At(0, n-1))
			b.Set(0, n-1, 0)
			gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 0, c)
			require.True(t, math.IsNaN(float64(c.At(0, n-1))))
			// NaN in c with beta ≠ 0 propagates.
			a.Data[0] = 1
			fillC(nan)
			gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 1, c)
			require.True(t, math.IsNaN(float64(c.At(m-1, 0))))
		}
		// Products that underflow to subnormals, and a subnormal c, sum
		// exactly (no flush to zero): c = k·2^-140 + beta·2^-149.
		for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {9, 17, 33}, {20, 40, 70}} {
			m, n, k := s[0], s[1], s[2]
			for _, tA := range transposes {
				for _, tB := range transposes {
					a, b := kernel.NewMatrix(m, k), kernel.NewMatrix(k, n)
					if tA {
						a = kernel.NewMatrix(k, m)
					}
					if tB {
						b = kernel.NewMatrix(n, k)
					}
					for i := range a.Data {
						a.Data[i] = 0x1p-100
					}
					for i := range b.Data {
						b.Data[i] = -0x1p-40
					}
					for _, beta := range []float32{0, 1} {
						c := kernel.NewMatrix(m, n)
						for i := range c.Data {
							c.Data[i] = math.SmallestNonzeroFloat32
						}
						gemm(tA, tB, 1, a, b, beta, c)
						want := -float32(k)*0x1p-140 + beta*math.SmallestNonzeroFloat32
						for i, v := range c.Data {
							require.Equal(t, math.Float32bits(want), math.Float32bits(v), "%v,%v m=%d n=%d k=%d beta=%v: c[%d] = %g, want %g", tA, tB, m, n, k, beta, i, v, want)
						}
					}
				}
			}
		}
		// k = 0: c = beta·c.
		c := kernel.MatrixFrom(2, 2, []float32{1, 2, 3, 4})
		gemm(kernel.NoTrans, kernel.NoTrans, 1, kernel.NewMatrix(2, 0), kernel.NewMatrix(0, 2), 2, c)
		require.Equal(t, []float32{2, 4, 6, 8}, c.Data)
		// Empty c: nothing to do.
		gemm(kernel.NoTrans, kernel.NoTrans, 1, kernel.NewMatrix(0, 3), kernel.NewMatrix(3, 2), 0, kernel.NewMatrix(0, 2))
	})
}

func FuzzGemm(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint8(5), uint8(0), float32(1), float32(0), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(17), uint8(33), uint8(2), uint8(3), float32(-0.5), float32(2), make([]byte, 4*200))
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0xf2), float32(1), float32(0), []byte{3, 3, 10, 1}) // c 3×3, stride MaxInt
	f.Fuzz(func(t *testing.T, m8, n8, k8, flags uint8, alpha, beta float32, raw []byte) {
		if flags >= 0xf0 {
			// A hostile view as operand a, b or c (flags&3, 3 meaning
			// a): refused, naming it, before any assembly.
			h, want := kerneltest.HostileView(raw)
			if want {
				return // well-formed views are the rest of this fuzzer's job
			}
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				checkHostileGemm(t, h, int(flags&3)%3)
			})
			return
		}
		m, n, k := int(m8%40)+1, int(n8%70)+1, int(k8%40)
		tA, tB := kernel.Transpose(flags&1 != 0), kernel.Transpose(flags&2 != 0)
		pad := int(flags>>2) % 5
		v := kerneltest.FloatsFromBytes(raw)
		next := func() float32 {
			if len(v) == 0 {
				return 0.5
			}
			x := v[0]
			v = v[1:]
			return x
		}
		mat := func(rows, cols int) kernel.Matrix {
			x := kernel.Matrix{Rows: rows, Cols: cols, Stride: cols + pad, Data: make([]float32, max(0, (rows-1)*(cols+pad)+cols))}
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					x.Data[i*x.Stride+j] = next()
				}
			}
			return x
		}
		ar, ac := m, k
		if tA {
			ar, ac = k, m
		}
		br, bc := k, n
		if tB {
			br, bc = n, k
		}
		a, b, c := mat(ar, ac), mat(br, bc), mat(m, n)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			cc := c
			cc.Data = slices.Clone(c.Data)
			checkGemm(t, "fuzz", tA, tB, alpha, a, b, beta, cc, gemmMinKC)
		})
	})
}

// TestGemmConcurrent runs threaded products from several goroutines at
// once, so tasks from different calls share the helper goroutines, and
// checks every result (run it with -race too).
func TestGemmConcurrent(t *testing.T) {
	defer kernel.SetGemmSplitFlops(1 << 22)() // split modest products, to test the threaded path
	defer kernel.SetThreads(0)
	kernel.SetThreads(3)
	const m, n, k = 96, 160, 420 // 2·m·n·k ≈ 3.08·2²² flops: split three ways
	r := kerneltest.Rand(24)
	a, b := kernel.NewMatrix(m, k), kernel.NewMatrix(k, n)
	kerneltest.Fill(r, a.Data, -1, 1)
	kerneltest.Fill(r, b.Data, -1, 1)
	want, abs := make([]float64, m*n), make([]float64, m*n)
	ref.Gemm(false, false, m, n, k, 1, a.Data, k, b.Data, n, 0, nil, n, want, abs)
	const workers, rounds = 4, 5
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		go func() {
			c := kernel.NewMatrix(m, n)
			for range rounds {
				gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 0, c)
				for i, v := range c.Data {
					if d := math.Abs(float64(v) - want[i]); !(d <= gemmBound(k, gemmMinKC, abs[i], 1)) {
						errs <- fmt.Sprintf("c[%d]=%v want %v", i, v, want[i])
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for range workers {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}
