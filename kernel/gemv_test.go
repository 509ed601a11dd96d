package kernel_test

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

// The gemv family's suite: the table's ClassGemv rows (Gemv, GemvAdd,
// GemvT), held to their Reduction contract: each output element within
// kerneltest.ReductionBound of the float64 reference, for the number of
// terms it sums.

// isGemvFamily reports whether s belongs to the gemv family.
func isGemvFamily(s kernel.Spec) bool {
	return s.Class == kernel.ClassGemv && s.Contract.Kind == kernel.Reduction
}

// gemvShape says what a gemv-family kernel computes, beyond its
// signature: dst = a·x, dst += a·x (accumulate) or dst = aᵀ·x (transposed).
type gemvShape struct{ transposed, accumulate bool }

// gemvShapes maps each gemv-family row to its shape.
var gemvShapes = map[string]gemvShape{
	"Gemv":    {},
	"GemvAdd": {accumulate: true},
	"GemvT":   {transposed: true},
}

// gemvOp is one gemv-family row under test.
type gemvOp struct {
	kernel.Spec
	gemvShape
}

// gemvOps returns the gemv-family rows of the table.
func gemvOps() []gemvOp {
	var out []gemvOp
	for _, s := range specsWhere(isGemvFamily) {
		out = append(out, gemvOp{s, gemvShapes[s.Name]})
	}
	return out
}

func (op gemvOp) String() string { return op.Name }

// lens returns len(x) and len(dst) for op on a rows×cols matrix.
func (op gemvOp) lens(rows, cols int) (nx, ndst int) {
	if op.transposed {
		return rows, cols
	}
	return cols, rows
}

// run calls the kernel.
func (op gemvOp) run(dst []float32, a kernel.Matrix, x []float32) { op.Gemv(dst, a, x) }

var guardNaN = math.Float32frombits(kerneltest.GuardNaN)

// fillMatrix fills the rows×cols elements of a matrix laid over data with
// the given stride with values in [-1, 1), and every padding element
// (Stride-Cols at the end of each row but the last) with the guard NaN: a
// kernel that reads padding gets NaN into its result, and one that writes
// it changes the guard's bits.
func fillMatrix(r *rand.Rand, data []float32, rows, cols, stride int) kernel.Matrix {
	for i := range data {
		data[i] = guardNaN
	}
	for i := 0; i < rows && cols > 0; i++ {
		kerneltest.Fill(r, data[i*stride:i*stride+cols], -1, 1)
	}
	return kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: data}
}

// spanLen is how many elements a rows×cols matrix with this stride covers.
func spanLen(rows, cols, stride int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*stride + cols
}

// sameBits reports whether a and b hold the same bit patterns (so NaN
// guards compare equal to themselves).
func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(p, q float32) bool { return math.Float32bits(p) == math.Float32bits(q) })
}

// checkGemvElem holds one output element to the Reduction contract
// (withinReduction) against the float64 reference want, whose terms'
// magnitudes sum to abs, for n terms. finiteAbs is the magnitude sum of
// the finite terms alone: where it exceeds MaxFloat32 the finite terms
// can overflow a float32 partial sum to the opposite infinity, which then
// meets the infinite term, so NaN is a legitimate answer for some
// summation order.
func checkGemvElem(t testing.TB, what string, i int, got float32, want, abs, finiteAbs float64, n int) {
	t.Helper()
	if math.IsInf(want, 0) && got != got && finiteAbs > math.MaxFloat32 {
		return
	}
	if !withinReduction(got, want, abs, n) {
		t.Fatalf("%s: dst[%d]=%v want %v (|err| %g, bound %g)", what, i, got, want,
			math.Abs(float64(got)-want), kerneltest.ReductionBound(n, abs))
	}
}

// checkGemvOp runs op on (dst, a, x), with dst holding dst0 beforehand,
// and checks every output element against kernel/ref, and that a and x
// (padding included) are unchanged.
func checkGemvOp(t testing.TB, what string, op gemvOp, dst []float32, a kernel.Matrix, x []float32) {
	t.Helper()
	dst0 := slices.Clone(dst)
	ac, xc := slices.Clone(a.Data), slices.Clone(x)
	op.run(dst, a, x)
	if !sameBits(ac, a.Data) {
		t.Fatalf("%s: %v changed the matrix or its padding", what, op)
	}
	if !sameBits(xc, x) {
		t.Fatalf("%s: %v changed x", what, op)
	}
	want := make([]float64, len(dst))
	abs := make([]float64, len(dst))
	n := len(x)
	if op.transposed {
		if a.Rows > 0 {
			refOf[func(dst, abs []float64, stride int, a, x []float32)](t, op.Spec)(want, abs, a.Stride, a.Data, x)
		}
	} else {
		if a.Cols > 0 {
			refOf[func(dst, abs []float64, rows, stride int, a, x []float32)](t, op.Spec)(want, abs, a.Rows, a.Stride, a.Data, x)
		}
		if op.accumulate {
			for i := range want {
				want[i] += float64(dst0[i])
				abs[i] += math.Abs(float64(dst0[i]))
			}
			n++
		}
	}
	label := what + " " + op.String()
	for i := range dst {
		// The magnitude sum of the finite terms, for checkGemvElem.
		var fin float64
		term := func(p float64) {
			if !math.IsInf(p, 0) && !math.IsNaN(p) {
				fin += math.Abs(p)
			}
		}
		if op.transposed {
			for k := range x {
				term(float64(a.Data[k*a.Stride+i]) * float64(x[k]))
			}
		} else {
			for k := range x {
				term(float64(a.Data[i*a.Stride+k]) * float64(x[k]))
			}
			if op.accumulate {
				term(float64(dst0[i]))
			}
		}
		checkGemvElem(t, label, i, dst[i], want[i], abs[i], fin, n)
	}
}

// gemvStrides returns the strides to try for cols columns: dense, and
// padded by a little and by a lot.
func gemvStrides(cols int) []int {
	return []int{cols, cols + 1 + cols%3, cols + 17}
}

func TestGemv(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, op := range gemvOps() {
			im, ok := kernel.Current(op.Name)
			require.True(t, ok, op.Name)
			require.Equal(t, l, im.Level, "%s runs %s at level %v", op.Name, im.Name, l)
		}
		r := kerneltest.Rand(3)
		for rows := 0; rows <= 67; rows++ {
			for cols := 0; cols <= 67; cols++ {
				strides := gemvStrides(cols)
				if testing.Short() {
					// Every row and column count still appears, against
					// all the small ones; of the larger pairs a sample.
					if rows > 19 && cols > 19 && (3*rows+cols)%7 != 0 {
						continue
					}
					strides = strides[(rows+cols)%3 : (rows+cols)%3+1]
				}
				for _, stride := range strides {
					off := (rows*7 + cols) % kerneltest.MaxOffset
					bm := kerneltest.NewBanded(spanLen(rows, cols, stride), off)
					a := fillMatrix(r, bm.S(), rows, cols, stride)
					for _, op := range gemvOps() {
						nx, nd := op.lens(rows, cols)
						bx := kerneltest.NewBanded(nx, (off+5)%kerneltest.MaxOffset)
						bd := kerneltest.NewBanded(nd, (off+11)%kerneltest.MaxOffset)
						x, dst := bx.S(), bd.S()
						kerneltest.Fill(r, x, -1, 1)
						kerneltest.Fill(r, dst, -1, 1) // Gemv and GemvT must ignore it
						what := fmt.Sprintf("%d×%d stride %d off %d", rows, cols, stride, off)
						checkGemvOp(t, what, op, dst, a, x)
						bm.Check(t, what+" a")
						bx.Check(t, what+" x")
						bd.Check(t, what+" dst")
					}
				}
			}
		}
	})
}

// TestGemvLarge covers sizes past the assembly's row groups and the Go
// wrappers' chunking: more than maxChunk elements, more rows than one
// call takes, and more columns than one call takes.
func TestGemvLarge(t *testing.T) {
	sizes := [][3]int{ // rows, cols, stride
		{1023, 1025, 1030},
		{4097, 3, 5},
		{3, 4097, 4097},
		{17, 70001, 70003}, // several column blocks
		{70001, 2, 2},      // several row blocks
		{1, 65537, 65537},
		{9, 8193, 8200}, // just past one column block
	}
	if testing.Short() {
		sizes = [][3]int{{263, 257, 260}, {30001, 3, 5}, {9, 8193, 8200}, {2, 16391, 16391}}
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(4)
		for _, sz := range sizes {
			rows, cols, stride := sz[0], sz[1], sz[2]
			bm := kerneltest.NewBanded(spanLen(rows, cols, stride), 3)
			a := fillMatrix(r, bm.S(), rows, cols, stride)
			for _, op := range gemvOps() {
				nx, nd := op.lens(rows, cols)
				bx, bd := kerneltest.NewBanded(nx, 1), kerneltest.NewBanded(nd, 2)
				x, dst := bx.S(), bd.S()
				kerneltest.Fill(r, x, -1, 1)
				kerneltest.Fill(r, dst, -1, 1)
				what := fmt.Sprintf("%d×%d stride %d", rows, cols, stride)
				checkGemvOp(t, what, op, dst, a, x)
				bm.Check(t, what+" a")
				bx.Check(t, what+" x")
				bd.Check(t, what+" dst")
			}
		}
	})
}

// TestGemvGuardedMemory puts the matrix data, x and dst each right before
// (and, separately, right after) an unmapped page, so any read or write
// past their ends faults. Over a grid of shapes with padded strides the
// three are all end-guarded or all start-guarded; over a few dense
// shapes, each is end- or start-guarded independently, all eight ways.
func TestGemvGuardedMemory(t *testing.T) {
	rowsList := []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 25}
	colsList := make([]int, 0, 72)
	for c := 0; c <= 67; c++ {
		colsList = append(colsList, c)
	}
	if testing.Short() {
		rowsList = []int{1, 3, 8, 9, 17}
		colsList = []int{0, 1, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 67}
	}
	type shape struct {
		rows, cols, stride int
		mixed              bool // all eight combinations
	}
	var shapes []shape
	for _, rows := range rowsList {
		for _, cols := range colsList {
			shapes = append(shapes, shape{rows, cols, cols + rows%3, false})
		}
	}
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {4, 7}, {5, 9}, {7, 15}, {9, 17}, {6, 33}, {13, 3}} {
		shapes = append(shapes, shape{sh[0], sh[1], sh[1], true})
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(5)
		for _, sh := range shapes {
			rows, cols, stride := sh.rows, sh.cols, sh.stride
			aEnd, aStart := kerneltest.Guarded(t, spanLen(rows, cols, stride))
			ae := fillMatrix(r, aEnd, rows, cols, stride)
			as := kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: aStart}
			copy(aStart, aEnd)
			for _, op := range gemvOps() {
				nx, nd := op.lens(rows, cols)
				xe, xs := kerneltest.Guarded(t, nx)
				de, ds := kerneltest.Guarded(t, nd)
				kerneltest.Fill(r, xe, -1, 1)
				copy(xs, xe)
				kerneltest.Fill(r, de, -1, 1)
				copy(ds, de)
				what := fmt.Sprintf("%d×%d stride %d", rows, cols, stride)
				kerneltest.NoFault(t, what, func() {
					checkGemvOp(t, what+" end-guarded", op, de, ae, xe)
					checkGemvOp(t, what+" start-guarded", op, ds, as, xs)
					if !sh.mixed {
						return
					}
					for _, a := range []kernel.Matrix{ae, as} {
						for _, x := range [][]float32{xe, xs} {
							for _, dst := range [][]float32{de, ds} {
								checkGemvOp(t, what+" mixed", op, dst, a, x)
							}
						}
					}
				})
			}
		}
	})
}

// TestGemvShapes runs every gemv-family kernel over all shapes up to
// 13×37 (every row-block and column-tail combination of the 4-row,
// 8/16-column SIMD kernels) and a few larger ones, dense and with 3
// elements of NaN padding per row, with NaN guard bands around the matrix,
// x and dst. Each kernel starts from the previous one's dst (GemvAdd
// accumulates onto Gemv's result).
func TestGemvShapes(t *testing.T) {
	var shapes [][2]int
	for m := 0; m <= 13; m++ {
		for n := 0; n <= 37; n++ {
			shapes = append(shapes, [2]int{m, n})
		}
	}
	shapes = append(shapes, [2]int{64, 64}, [2]int{33, 129}, [2]int{130, 17}, [2]int{7, 1000})
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(21)
		for _, sh := range shapes {
			m, n := sh[0], sh[1]
			for _, pad := range []int{0, 3} {
				stride := n + pad
				bm := kerneltest.NewBanded(spanLen(m, n, stride), (m*3+n)%kerneltest.MaxOffset)
				a := fillMatrix(r, bm.S(), m, n, stride)
				what := fmt.Sprintf("%d×%d stride %d", m, n, stride)
				dsts := map[bool]*kerneltest.Banded{
					false: kerneltest.NewBanded(m, n%kerneltest.MaxOffset),
					true:  kerneltest.NewBanded(n, m%kerneltest.MaxOffset),
				}
				kerneltest.Fill(r, dsts[false].S(), -1, 1)
				kerneltest.Fill(r, dsts[true].S(), -1, 1) // GemvT overwrites, not adds
				for _, op := range gemvOps() {
					nx, _ := op.lens(m, n)
					bx := kerneltest.NewBanded(nx, (m+n)%kerneltest.MaxOffset)
					kerneltest.Fill(r, bx.S(), -1, 1)
					bd := dsts[op.transposed]
					checkGemvOp(t, what, op, bd.S(), a, bx.S())
					bx.Check(t, what+" "+op.Name+" x")
					bd.Check(t, what+" "+op.Name+" dst")
				}
				bm.Check(t, what+" a")
			}
		}
	})
}

func TestGemvSpecials(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	isNaN := func(v float32) bool { return v != v }
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, sz := range [][2]int{{1, 1}, {3, 7}, {8, 16}, {9, 17}, {17, 33}, {16, 64}, {13, 67}} {
			rows, cols := sz[0], sz[1]
			ones := func(n int) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = 1
				}
				return v
			}
			for pi := 0; pi < rows; pi += max(1, rows/3) {
				for pj := 0; pj < cols; pj += max(1, cols/4) {
					what := fmt.Sprintf("%d×%d at (%d,%d)", rows, cols, pi, pj)
					a := kernel.MatrixFrom(rows, cols, ones(rows*cols))
					x, xt := ones(cols), ones(rows)
					dst, dstT := make([]float32, rows), make([]float32, cols)

					// NaN in a poisons exactly its row (Gemv) or column (GemvT).
					a.Set(pi, pj, nan)
					kernel.Gemv(dst, a, x)
					kernel.GemvT(dstT, a, xt)
					for i, v := range dst {
						require.Equal(t, i == pi, isNaN(v), "%s: Gemv dst[%d]=%v", what, i, v)
					}
					for j, v := range dstT {
						require.Equal(t, j == pj, isNaN(v), "%s: GemvT dst[%d]=%v", what, j, v)
					}

					// +Inf in a gives +Inf there, Inf·0 gives NaN.
					a.Set(pi, pj, inf)
					kernel.Gemv(dst, a, x)
					require.Equal(t, inf, dst[pi], what)
					kernel.GemvT(dstT, a, xt)
					require.Equal(t, inf, dstT[pj], what)
					x[pj], xt[pi] = 0, 0
					kernel.Gemv(dst, a, x)
					require.True(t, isNaN(dst[pi]), "%s: Gemv Inf·0 = %v", what, dst[pi])
					kernel.GemvT(dstT, a, xt)
					require.True(t, isNaN(dstT[pj]), "%s: GemvT Inf·0 = %v", what, dstT[pj])
					a.Set(pi, pj, 1)
					x[pj], xt[pi] = 1, 1

					// NaN in x poisons every output.
					x[pj], xt[pi] = nan, nan
					kernel.Gemv(dst, a, x)
					kernel.GemvT(dstT, a, xt)
					for i, v := range dst {
						require.True(t, isNaN(v), "%s: Gemv NaN x, dst[%d]=%v", what, i, v)
					}
					for j, v := range dstT {
						require.True(t, isNaN(v), "%s: GemvT NaN x, dst[%d]=%v", what, j, v)
					}
					x[pj], xt[pi] = 1, 1

					// GemvAdd: NaN or Inf already in dst stays.
					for i := range dst {
						dst[i] = 0
					}
					dst[pi] = inf
					kernel.GemvAdd(dst, a, x)
					for i, v := range dst {
						want := float32(cols)
						if i == pi {
							want = inf
						}
						require.Equal(t, want, v, "%s: GemvAdd dst[%d]", what, i)
					}
					dst[pi] = nan
					kernel.GemvAdd(dst, a, x)
					require.True(t, isNaN(dst[pi]), what)

					// Overflow to +Inf.
					a.Set(pi, pj, math.MaxFloat32)
					x[pj], xt[pi] = 2, 2
					kernel.Gemv(dst, a, x)
					require.Equal(t, inf, dst[pi], what)
					kernel.GemvT(dstT, a, xt)
					require.Equal(t, inf, dstT[pj], what)
				}
			}
		}
		// Empty shapes: Gemv of a k×0 matrix is zeros, GemvAdd leaves dst.
		dst := []float32{5, 6}
		kernel.Gemv(dst, kernel.NewMatrix(2, 0), nil)
		require.Equal(t, []float32{0, 0}, dst)
		dst = []float32{5, 6}
		kernel.GemvAdd(dst, kernel.NewMatrix(2, 0), nil)
		require.Equal(t, []float32{5, 6}, dst)
		dst = []float32{5, 6, 7}
		kernel.GemvT(dst, kernel.NewMatrix(0, 3), nil)
		require.Equal(t, []float32{0, 0, 0}, dst)
		kernel.Gemv(nil, kernel.NewMatrix(0, 3), []float32{1, 2, 3})
		kernel.GemvT(nil, kernel.NewMatrix(3, 0), []float32{1, 2, 3})
		// -0 products summed alone stay a zero.
		negZero := float32(math.Copysign(0, -1))
		dst = []float32{7}
		kernel.Gemv(dst, kernel.MatrixFrom(1, 1, []float32{negZero}), []float32{1})
		require.Equal(t, float32(0), dst[0])
		// Every row of the family: subnormal terms, and products that
		// underflow to subnormals, sum exactly (no flush to zero), over
		// the row-block and column-tail shapes.
		for _, op := range gemvOps() {
			for _, sz := range [][2]int{{1, 1}, {3, 7}, {4, 16}, {5, 9}, {9, 17}, {13, 67}, {16, 64}} {
				rows, cols := sz[0], sz[1]
				for _, c := range [][2]float32{{math.SmallestNonzeroFloat32, 1}, {0x1p-100, -0x1p-40}} {
					a := kernel.NewMatrix(rows, cols)
					for i := range a.Data {
						a.Data[i] = c[0]
					}
					nx, nd := op.lens(rows, cols)
					x, dst := slices.Repeat([]float32{c[1]}, nx), make([]float32, nd)
					op.run(dst, a, x)
					want := float32(nx) * float32(float64(c[0])*float64(c[1]))
					for i, v := range dst {
						require.Equal(t, math.Float32bits(want), math.Float32bits(v), "%s %d×%d of %g·%g: dst[%d] = %g, want %g", op.Name, rows, cols, c[0], c[1], i, v, want)
					}
				}
			}
		}
	})
}

func TestGemvPanics(t *testing.T) {
	a := kernel.NewMatrix(2, 3)
	cases := []struct {
		msg string
		fn  func()
	}{
		{"kernel.Gemv: len(x)=2 != a.Cols=3", func() { kernel.Gemv(make([]float32, 2), a, make([]float32, 2)) }},
		{"kernel.Gemv: len(dst)=3 != a.Rows=2", func() { kernel.Gemv(make([]float32, 3), a, make([]float32, 3)) }},
		{"kernel.GemvAdd: len(x)=4 != a.Cols=3", func() { kernel.GemvAdd(make([]float32, 2), a, make([]float32, 4)) }},
		{"kernel.GemvAdd: len(dst)=1 != a.Rows=2", func() { kernel.GemvAdd(make([]float32, 1), a, make([]float32, 3)) }},
		{"kernel.GemvT: len(x)=3 != a.Rows=2", func() { kernel.GemvT(make([]float32, 3), a, make([]float32, 3)) }},
		{"kernel.GemvT: len(dst)=2 != a.Cols=3", func() { kernel.GemvT(make([]float32, 2), a, make([]float32, 2)) }},
		{"kernel.Gemv: malformed matrix a: 2×3 stride 2 len(data)=6", func() {
			kernel.Gemv(make([]float32, 2), kernel.Matrix{Rows: 2, Cols: 3, Stride: 2, Data: make([]float32, 6)}, make([]float32, 3))
		}},
		{"kernel.GemvT: malformed matrix a: 2×3 stride 4 len(data)=6", func() {
			kernel.GemvT(make([]float32, 3), kernel.Matrix{Rows: 2, Cols: 3, Stride: 4, Data: make([]float32, 6)}, make([]float32, 2))
		}},
		{"kernel.GemvAdd: malformed matrix a: -1×3 stride 3 len(data)=0", func() {
			kernel.GemvAdd(nil, kernel.Matrix{Rows: -1, Cols: 3, Stride: 3}, make([]float32, 3))
		}},
	}
	// Overlaps: dst sharing memory with x or with the matrix.
	buf := make([]float32, 16)
	sq := kernel.MatrixFrom(3, 3, buf[:9])
	cases = append(cases,
		struct {
			msg string
			fn  func()
		}{"kernel.Gemv: dst overlaps x", func() { kernel.Gemv(buf[10:13], sq, buf[12:15]) }},
		struct {
			msg string
			fn  func()
		}{"kernel.GemvAdd: dst overlaps a", func() { kernel.GemvAdd(buf[8:11], sq, buf[12:15]) }},
		struct {
			msg string
			fn  func()
		}{"kernel.GemvT: dst overlaps x", func() { kernel.GemvT(buf[10:13], sq, buf[10:13]) }},
		struct {
			msg string
			fn  func()
		}{"kernel.GemvT: dst overlaps a", func() { kernel.GemvT(buf[0:3], sq, buf[12:15]) }},
	)
	for _, c := range cases {
		// Panics come before any memory is touched.
		before := slices.Clone(buf)
		require.PanicsWithValue(t, c.msg, c.fn)
		require.Equal(t, before, buf, c.msg)
	}
	// A strided matrix's padding is part of its span: dst there overlaps
	// a too, since the padding may be another view's data.
	padded := kernel.Matrix{Rows: 2, Cols: 2, Stride: 4, Data: buf[:6]}
	require.PanicsWithValue(t, "kernel.Gemv: dst overlaps a", func() { kernel.Gemv(buf[2:4], padded, buf[8:10]) })
}

func TestGemvAllocs(t *testing.T) {
	r := kerneltest.Rand(6)
	a := fillMatrix(r, make([]float32, 100*130), 100, 129, 130)
	for _, op := range gemvOps() {
		nx, nd := op.lens(100, 129)
		x, dst := make([]float32, nx), make([]float32, nd)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			require.Zero(t, testing.AllocsPerRun(100, func() { op.run(dst, a, x) }), op.Name)
		})
	}
}

// TestGemvDeterministic checks that each level's Gemv gives the same bits
// for the same call twice, and that GemvAdd onto zeros equals Gemv.
func TestGemvDeterministic(t *testing.T) {
	r := kerneltest.Rand(7)
	a := fillMatrix(r, make([]float32, 37*70), 37, 67, 70)
	x := make([]float32, 67)
	kerneltest.Fill(r, x, -1, 1)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		d1, d2 := make([]float32, 37), make([]float32, 37)
		kernel.Gemv(d1, a, x)
		kernel.Gemv(d2, a, x)
		require.True(t, sameBits(d1, d2))
		// GemvAdd onto zeros is Gemv exactly (s + 0 == s for s ≠ -0).
		clear(d2)
		kernel.GemvAdd(d2, a, x)
		require.True(t, sameBits(d1, d2))
	})
}

// FuzzGemv decodes a shape and values from the fuzzer's bytes and checks
// Gemv, GemvAdd and GemvT at every level against the reference.
func FuzzGemv(f *testing.F) {
	f.Add([]byte{3, 5, 1, 0, 0, 128, 63, 0, 0, 0, 64})
	f.Add(append([]byte{9, 17, 2}, make([]byte, 4*200)...))
	f.Add([]byte{0, 0, 0x80, 3, 3, 10, 1}) // 3×3, stride MaxInt, one element: the span overflows
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) < 3 {
			return
		}
		if raw[2]&0x80 != 0 {
			// A hostile view: sizes and strides whose span overflows
			// or overruns Data must be refused before any assembly.
			a, want := kerneltest.HostileView(raw[3:])
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				checkHostileGemv(t, a, want)
			})
			return
		}
		rows, cols, pad := int(raw[0]%40), int(raw[1]%80), int(raw[2]%5)
		stride := cols + pad
		take := fuzzFloats(raw[3:])
		data := take(spanLen(rows, cols, stride))
		for i := 0; i+1 < rows && cols > 0; i++ {
			for j := cols; j < stride; j++ {
				data[i*stride+j] = guardNaN
			}
		}
		a := kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: data}
		x, xt := take(cols), take(rows)
		dst0, dstT := take(rows), make([]float32, cols)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			for _, op := range gemvOps() {
				switch {
				case op.transposed:
					checkGemvOp(t, "fuzz", op, dstT, a, xt)
				case op.accumulate:
					checkGemvOp(t, "fuzz", op, slices.Clone(dst0), a, x)
				default:
					checkGemvOp(t, "fuzz", op, make([]float32, rows), a, x)
				}
			}
		})
	})
}

func ExampleGemv() {
	// A 2×3 matrix stored with stride 4: the fourth element of each row
	// is padding, which Gemv never reads.
	a := kernel.Matrix{Rows: 2, Cols: 3, Stride: 4, Data: []float32{
		1, 2, 3, -1,
		4, 5, 6,
	}}
	x := []float32{1, 0, -1}
	dst := make([]float32, 2)
	kernel.Gemv(dst, a, x)
	fmt.Println(dst)
	// Output: [-2 -2]
}

func ExampleGemvAdd() {
	// An RNN step: h = W_hx·x + W_hh·h_prev, with no temporary.
	whx := kernel.MatrixFrom(2, 2, []float32{1, 0, 0, 1})
	whh := kernel.MatrixFrom(2, 2, []float32{0.5, 0, 0, 0.5})
	x, hPrev := []float32{1, 2}, []float32{4, 8}
	h := make([]float32, 2)
	kernel.Gemv(h, whx, x)
	kernel.GemvAdd(h, whh, hPrev)
	fmt.Println(h)
	// Output: [3 6]
}

func ExampleGemvT() {
	// dst = aᵀ·x: backpropagating the gradient x of y = a·v gives aᵀ·x.
	a := kernel.MatrixFrom(2, 3, []float32{1, 2, 3, 4, 5, 6})
	x := []float32{1, -1}
	dst := make([]float32, 3)
	kernel.GemvT(dst, a, x)
	fmt.Println(dst)
	// Output: [-3 -3 -3]
}

// fuzzFloats returns a function that takes the next n float32 values
// decoded from raw, continuing with a small pattern once raw runs out.
func fuzzFloats(raw []byte) func(n int) []float32 {
	v := kerneltest.FloatsFromBytes(raw)
	return func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			if len(v) > 0 {
				out[i], v = v[0], v[1:]
			} else {
				out[i] = float32(i%7) - 3
			}
		}
		return out
	}
}
