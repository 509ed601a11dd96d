package kernel_test

// The int8 family's suite: DotInt8, QGemv, QGemvAdd, QGemm and QGemmAdd
// (the table's Int8 rows) at every int8 path this CPU runs, each held to
// the generic path's bits (the int32 sums are exact) and to the float64
// evaluation of the same quantized product (package ref).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

func isInt8Family(s kernel.Spec) bool { return s.Contract.Kind == kernel.Int8 }

// fillInt8 fills x with values in [lo, hi].
func fillInt8(r *rand.Rand, x []int8, lo, hi int) {
	for i := range x {
		x[i] = int8(lo + r.IntN(hi-lo+1))
	}
}

// TestRequiredInt8Paths fails when CI demanded an int8 path
// (SIMDCORE_REQUIRE_INT8) that this run cannot test.
func TestRequiredInt8Paths(t *testing.T) {
	want := kerneltest.RequiredInt8Paths(t)
	if len(want) == 0 {
		t.Skip("SIMDCORE_REQUIRE_INT8 not set")
	}
	for _, p := range want {
		require.True(t, kernel.Int8Supported(p), "SIMDCORE_REQUIRE_INT8 names %v but this CPU/build runs %v", p, kernel.Int8Paths())
	}
}

// TestInt8Paths checks the path selection: the chains, the cap, and that
// a path this CPU lacks is refused.
func TestInt8Paths(t *testing.T) {
	paths := kernel.Int8Paths()
	require.Equal(t, kernel.Int8Generic, paths[0])
	for _, p := range paths {
		q, err := kernel.ParseInt8Path(p.String())
		require.NoError(t, err)
		require.Equal(t, p, q)
	}
	_, err := kernel.ParseInt8Path("avx9")
	require.Error(t, err)
	require.NoError(t, kernel.Int8EnvError())
	if v := os.Getenv("SIMDCORE_INT8"); v != "" {
		// The cap CI set: at the path's level, that path runs.
		p, err := kernel.ParseInt8Path(v)
		require.NoError(t, err)
		restore, err := kernel.SetLevel(p.Level())
		require.NoError(t, err)
		require.Equal(t, p, kernel.ActiveInt8(), "SIMDCORE_INT8=%s", v)
		restore()
	}
	// At the generic level the generic path runs, whatever the cap.
	restore, err := kernel.SetLevel(kernel.Generic)
	require.NoError(t, err)
	require.Equal(t, kernel.Int8Generic, kernel.ActiveInt8())
	restore()
	for _, p := range []kernel.Int8Path{kernel.Int8AVX2, kernel.Int8AVXVNNI, kernel.Int8AVX512VNNI, kernel.Int8NEON, kernel.Int8NEONDot} {
		if kernel.Int8Supported(p) {
			continue
		}
		before := kernel.ActiveInt8()
		restore, err := kernel.SetInt8Path(p)
		require.Error(t, err, "SetInt8Path(%v) must refuse a path this CPU lacks", p)
		restore()
		require.Equal(t, before, kernel.ActiveInt8())
	}
}

func TestDotInt8(t *testing.T) {
	kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
		r := kerneltest.Rand(1)
		for _, n := range kerneltest.Lengths() {
			end, start := kerneltest.GuardedInt8(t, n)
			for off := 0; off < 64 && off <= n; off += 1 + 8*(n/64) {
				x, w := end[off:], start[:n-off]
				fillInt8(r, x, -128, 127)
				fillInt8(r, w, -128, 127) // −128 counts as −127
				var got int64
				what := fmt.Sprintf("n=%d off=%d", n, off)
				kerneltest.NoFault(t, what, func() { got = kernel.DotInt8(x, w) })
				require.Equal(t, ref.DotInt8(x, w), got, what)
			}
		}
	})
}

// TestDotInt8Extremes runs the values at the ends of the ranges, where
// VPMADDUBSW would saturate without the sign trick and VPDPBUSD's biased
// sums wrap: x = −128 and 127 (u = 0 and 255 on the VNNI paths), w = ±127
// and −128 (counted as −127), over lengths that reach the largest exact
// chunk and cross it.
func TestDotInt8Extremes(t *testing.T) {
	lengths := []int{31, 32, 33, 64, 65, 4097, kernel.MaxQCols, kernel.MaxQCols + 17, 3*kernel.MaxQCols + 5}
	cases := []struct {
		name   string
		x, w   func(i int) int8
		sample bool
	}{
		{"x=-128,w=127", func(int) int8 { return -128 }, func(int) int8 { return 127 }, false},
		{"x=-128,w=-127", func(int) int8 { return -128 }, func(int) int8 { return -127 }, false},
		{"x=127,w=-127", func(int) int8 { return 127 }, func(int) int8 { return -127 }, false},
		{"x=127,w=127", func(int) int8 { return 127 }, func(int) int8 { return 127 }, false},
		{"x=-128,w=-128 (as -127)", func(int) int8 { return -128 }, func(int) int8 { return -128 }, false},
		{"x=127,w=-128 (as -127)", func(int) int8 { return 127 }, func(int) int8 { return -128 }, false},
		{"alternating", func(i int) int8 { return int8(-128 + 255*(i&1)) }, func(i int) int8 { return int8(127 - 254*(i>>1&1)) }, false},
		{"x=±128 random, w=±127 random", nil, nil, true},
	}
	kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
		r := kerneltest.Rand(2)
		for _, c := range cases {
			for _, n := range lengths {
				x, w := make([]int8, n), make([]int8, n)
				for i := range x {
					if c.sample {
						x[i] = []int8{-128, 127}[r.IntN(2)]
						w[i] = []int8{-127, 127}[r.IntN(2)]
						continue
					}
					x[i], w[i] = c.x(i), c.w(i)
				}
				require.Equal(t, ref.DotInt8(x, w), kernel.DotInt8(x, w), "%s n=%d", c.name, n)
			}
		}
	})
}

// qCase is one quantized matrix–vector problem.
type qCase struct {
	a  kernel.Matrix
	w  *kernel.QMatrix
	x  []float32
	qx kernel.QVector
}

func newQCase(t testing.TB, r *rand.Rand, rows, cols, stride int) *qCase {
	a := kernel.Matrix{Rows: rows, Cols: cols, Stride: stride, Data: make([]float32, max(0, (rows-1)*stride+cols))}
	kerneltest.Fill(r, a.Data, -2, 2)
	w, err := kernel.QuantizeMatrix(a)
	require.NoError(t, err)
	c := &qCase{a: a, w: w, x: make([]float32, cols)}
	kerneltest.Fill(r, c.x, -3, 3)
	c.qx.Quantize(c.x)
	return c
}

// schemeBound checks got against the float64 evaluation of the scheme:
// within `roundings` float32 roundings of want (plus, when adding to
// prev, prev's own rounding).
func schemeCheck(t *testing.T, what string, got []float32, want []float64, prev []float32) {
	t.Helper()
	for i, g := range got {
		v, k := want[i], 3.0
		if prev != nil {
			v += float64(prev[i])
			k = 4
		}
		bound := k * 0x1p-24 * (math.Abs(want[i]) + math.Abs(v))
		require.LessOrEqual(t, math.Abs(float64(g)-v), bound+0x1p-149, "%s: row %d: got %v, want %v", what, i, g, v)
	}
}

func TestQGemv(t *testing.T) {
	shapes := [][2]int{{0, 0}, {1, 0}, {0, 5}, {1, 1}, {3, 7}, {4, 31}, {5, 32}, {7, 64}, {8, 65}, {9, 100}, {13, 127}, {17, 128}, {33, 129}, {64, 300}, {65, 257}, {130, 64}, {3, 4097}}
	if !testing.Short() {
		shapes = append(shapes, [2]int{5, kernel.MaxQCols}, [2]int{200, 1000})
	}
	for _, s := range specsWhere(func(s kernel.Spec) bool { return s.Class == kernel.ClassQGemv }) {
		accumulate := s.Name == "QGemvAdd"
		t.Run(s.Name, func(t *testing.T) {
			r := kerneltest.Rand(3)
			cases := make([]*qCase, len(shapes))
			want := make([][]float32, len(shapes))
			for i, sh := range shapes {
				cases[i] = newQCase(t, r, sh[0], sh[1], sh[1]+i%3)
			}
			kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
				for i, c := range cases {
					what := fmt.Sprintf("%d×%d", c.w.Rows, c.w.Cols)
					b := kerneltest.NewBanded(c.w.Rows, i%kerneltest.MaxOffset)
					dst := b.S()
					prev := make([]float32, len(dst))
					kerneltest.Fill(r, prev, -1, 1)
					if accumulate {
						copy(dst, prev)
					}
					s.QGemv(dst, c.w, &c.qx)
					b.Check(t, what)
					if p == kernel.Int8Generic {
						want[i] = append([]float32(nil), dst...)
						ref64 := make([]float64, c.w.Rows)
						ref.QGemv(ref64, c.w.Data, c.w.Stride, c.w.Scales, c.qx.Data[:c.w.Cols], c.qx.Scale)
						if !accumulate {
							prev = nil
						}
						schemeCheck(t, what, dst, ref64, prev)
						continue
					}
					if !accumulate {
						requireBits(t, want[i], dst, what)
						continue
					}
					// The same prev: draw it again from a fresh copy of the generic run.
					requireBits(t, addPrev(t, s, c, dst, prev), dst, what)
				}
			})
		})
	}
}

// addPrev recomputes QGemvAdd onto prev at the generic path, for the
// accumulate case whose prev differs per run.
func addPrev(t *testing.T, s kernel.Spec, c *qCase, _, prev []float32) []float32 {
	t.Helper()
	restore, err := kernel.SetInt8Path(kernel.Int8Generic)
	require.NoError(t, err)
	defer restore()
	out := append([]float32(nil), prev...)
	s.QGemv(out, c.w, &c.qx)
	return out
}

// requireBits fails unless got and want are the same bits.
func requireBits(t *testing.T, want, got []float32, what string) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("%s: element %d: %v (%#08x), generic path %v (%#08x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// atInt8Path runs fn with path p (and its level) active, and restores
// both after.
func atInt8Path(t testing.TB, p kernel.Int8Path, fn func()) {
	t.Helper()
	restoreLevel, err := kernel.SetLevel(p.Level())
	require.NoError(t, err)
	defer restoreLevel()
	restore, err := kernel.SetInt8Path(p)
	require.NoError(t, err)
	defer restore()
	fn()
}

// qgemvRows returns the table's QGemv-class rows (QGemv, QGemvAdd) and
// whether each accumulates.
func qgemvRows() []kernel.Spec {
	return specsWhere(func(s kernel.Spec) bool { return s.Class == kernel.ClassQGemv })
}

// qgemvAccumulates reports whether the QGemv-class row s adds to dst.
func qgemvAccumulates(s kernel.Spec) bool { return s.Name == "QGemvAdd" }

// TestQGemvGuarded runs every QGemv-class row of the table (QGemv,
// QGemvAdd) at every int8 path on a matrix, a vector and a dst whose data
// end against, or start right after, an unmapped page, each held to the
// generic path's bits.
func TestQGemvGuarded(t *testing.T) {
	for _, s := range qgemvRows() {
		t.Run(s.Name, func(t *testing.T) {
			r := kerneltest.Rand(4)
			type tc struct {
				c          *qCase
				prev, want []float32
			}
			var cases []tc
			for _, sh := range [][2]int{{1, 1}, {5, 64}, {7, 100}, {4, 256}, {9, 3}, {3, 0}, {67, 65}} {
				c := newQCase(t, r, sh[0], sh[1], sh[1])
				prev := make([]float32, c.w.Rows)
				kerneltest.Fill(r, prev, -1, 1)
				want := slices.Clone(prev)
				atInt8Path(t, kernel.Int8Generic, func() { s.QGemv(want, c.w, &c.qx) })
				cases = append(cases, tc{c, prev, want})
			}
			kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
				for _, k := range cases {
					c := k.c
					for side := 0; side < 2; side++ {
						wEnd, wStart := kerneltest.GuardedInt8(t, len(c.w.Data))
						xEnd, xStart := kerneltest.GuardedInt8(t, len(c.qx.Data))
						dEnd, dStart := kerneltest.Guarded(t, c.w.Rows)
						w, x, dst := *c.w, c.qx, dEnd
						w.Data, x.Data = wEnd, xStart
						if side == 1 {
							w.Data, x.Data, dst = wStart, xEnd, dStart
						}
						copy(w.Data, c.w.Data)
						copy(x.Data, c.qx.Data)
						copy(dst, k.prev)
						what := fmt.Sprintf("%s %d×%d side %d", s.Name, c.w.Rows, c.w.Cols, side)
						kerneltest.NoFault(t, what, func() { s.QGemv(dst, &w, &x) })
						requireBits(t, k.want, dst, what)
					}
				}
			})
		})
	}
}

// TestQGemvCols runs every QGemv-class row at every int8 path over every
// column count 0..300 (the wrapper's padding to whole 64-byte vectors,
// and each vector count the assembly loops over), with a few rows, dst
// inside NaN guard bands at every offset: each path's bits are the
// generic path's, and the generic path's results are within the scheme's
// roundings of ref.QGemv.
func TestQGemvCols(t *testing.T) {
	type tc struct {
		c          *qCase
		prev, want []float32
	}
	for _, s := range qgemvRows() {
		accumulate := qgemvAccumulates(s)
		t.Run(s.Name, func(t *testing.T) {
			r := kerneltest.Rand(seedOf(s.Name, 31))
			cases := make([]tc, 0, 301)
			for cols := 0; cols <= 300; cols++ {
				c := newQCase(t, r, 1+cols%6, cols, cols+cols%3)
				prev := make([]float32, c.w.Rows)
				kerneltest.Fill(r, prev, -1, 1)
				cases = append(cases, tc{c: c, prev: prev})
			}
			kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
				for i, k := range cases {
					c := k.c
					what := fmt.Sprintf("%s %d×%d", s.Name, c.w.Rows, c.w.Cols)
					b := kerneltest.NewBanded(c.w.Rows, i%kerneltest.MaxOffset)
					dst := b.S()
					copy(dst, k.prev)
					s.QGemv(dst, c.w, &c.qx)
					b.Check(t, what)
					if p != kernel.Int8Generic {
						requireBits(t, k.want, dst, what+" "+p.String())
						continue
					}
					cases[i].want = slices.Clone(dst)
					ref64 := make([]float64, c.w.Rows)
					ref.QGemv(ref64, c.w.Data, c.w.Stride, c.w.Scales, c.qx.Data[:c.w.Cols], c.qx.Scale)
					var prev []float32
					if accumulate {
						prev = k.prev
					}
					schemeCheck(t, what, dst, ref64, prev)
				}
			})
		})
	}
}

// TestQGemvExtremes: every weight ±127 and every activation ±127 (rows
// of ±1 and a vector of ±1), at the widest matrix, so each row's sum is
// as large as the scheme allows.
func TestQGemvExtremes(t *testing.T) {
	cols := kernel.MaxQCols
	if testing.Short() {
		cols = 4096
	}
	r := kerneltest.Rand(5)
	a := kernel.NewMatrix(6, cols)
	for i := range a.Data {
		a.Data[i] = float32(1 - 2*r.IntN(2))
	}
	for j := range a.Row(0) { // row 0: all +1, row 1: all −1 (the largest sums)
		a.Row(0)[j], a.Row(1)[j] = 1, -1
	}
	w, err := kernel.QuantizeMatrix(a)
	require.NoError(t, err)
	x := make([]float32, cols)
	for i := range x {
		x[i] = 1
	}
	var qx kernel.QVector
	qx.Quantize(x)
	require.Equal(t, int8(127), qx.Data[0])
	var want []float32
	kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
		got := make([]float32, a.Rows)
		kernel.QGemv(got, w, &qx)
		require.InEpsilon(t, float64(cols), float64(got[0]), 1e-6, "a row of +1: 127·127·cols scaled back")
		require.InEpsilon(t, float64(-cols), float64(got[1]), 1e-6, "a row of −1")
		if want == nil {
			want = got
			return
		}
		requireBits(t, want, got, p.String())
	})
}

func TestQGemm(t *testing.T) {
	for _, s := range specsWhere(func(s kernel.Spec) bool { return s.Class == kernel.ClassQGemm }) {
		accumulate := s.Name == "QGemmAdd"
		t.Run(s.Name, func(t *testing.T) {
			r := kerneltest.Rand(6)
			kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
				for _, sh := range [][3]int{{0, 3, 5}, {1, 1, 1}, {3, 5, 7}, {4, 67, 130}, {9, 300, 64}, {2, 2100, 65}} {
					b, rows, cols := sh[0], sh[1], sh[2]
					c := newQCase(t, r, rows, cols, cols)
					xa := kernel.NewMatrix(b, cols)
					kerneltest.Fill(r, xa.Data, -3, 3)
					var qb kernel.QBatch
					qb.Quantize(xa)
					out := kernel.Matrix{Rows: b, Cols: rows, Stride: rows + 3, Data: make([]float32, max(0, b*(rows+3)))}
					kerneltest.Fill(r, out.Data, -1, 1)
					before := append([]float32(nil), out.Data...)
					s.QGemm(out, &qb, c.w)
					// Each row is QGemv's (or QGemvAdd's) for that row of x, to the bit.
					for i := 0; i < b; i++ {
						var qv kernel.QVector
						qv.Quantize(xa.Row(i))
						row := append([]float32(nil), before[i*out.Stride:][:rows]...)
						if accumulate {
							kernel.QGemvAdd(row, c.w, &qv)
						} else {
							kernel.QGemv(row, c.w, &qv)
						}
						requireBits(t, row, out.Data[i*out.Stride:][:rows], fmt.Sprintf("%v row %d", sh, i))
						require.Equal(t, before[i*out.Stride+rows:(i+1)*out.Stride], out.Data[i*out.Stride+rows:(i+1)*out.Stride], "padding touched")
					}
					if b > 0 {
						ref64 := make([]float64, b*rows)
						ref.QGemm(ref64, rows, qb.Data, qb.Stride, cols, qb.Scales, c.w.Data, c.w.Stride, c.w.Scales)
						if !accumulate {
							for i := 0; i < b; i++ {
								schemeCheck(t, fmt.Sprint(sh), out.Data[i*out.Stride:][:rows], ref64[i*rows:][:rows], nil)
							}
						}
					}
				}
			})
		})
	}
}

// TestQuantize checks the scheme's quantization: the range, the error
// bound |x − s·q| ≤ s/2 (plus the float32 product's rounding), round
// half to even, and the special rows.
func TestQuantize(t *testing.T) {
	r := kerneltest.Rand(7)
	for _, n := range []int{1, 2, 63, 64, 65, 1000} {
		x := make([]float32, n)
		kerneltest.Fill(r, x, -5, 5)
		var q kernel.QVector
		q.Quantize(x)
		require.Zero(t, len(q.Data)%64)
		m := 0.0
		for _, v := range x {
			m = math.Max(m, math.Abs(float64(v)))
		}
		require.Equal(t, float32(m)/127, q.Scale)
		for i, v := range x {
			require.GreaterOrEqual(t, q.Data[i], int8(-127))
			err := math.Abs(float64(v) - float64(q.Scale)*float64(q.Data[i]))
			require.LessOrEqual(t, err, float64(q.Scale)*(0.5+1e-5), "n=%d i=%d", n, i)
		}
		for _, v := range q.Data[n:] {
			require.Zero(t, v, "padding")
		}
	}
	// max|x| = 127: the inverse scale is 1, so the ties are exact.
	var q kernel.QVector
	q.Quantize([]float32{127, 0.5, 1.5, 2.5, -2.5, -0.5, -127, 126.5})
	require.Equal(t, []int8{127, 0, 2, 2, -2, 0, -127, 126}, q.Data[:8])
	require.Equal(t, float32(1), q.Scale)
	// NaN or Inf: scale NaN, data zero, so every result is NaN.
	for _, bad := range []float32{nan32, inf, negInf} {
		q.Quantize([]float32{1, bad, 2})
		require.True(t, math.IsNaN(float64(q.Scale)))
		require.Equal(t, []int8{0, 0, 0}, q.Data[:3])
		w, err := kernel.QuantizeMatrix(kernel.MatrixFrom(2, 3, []float32{1, 2, 3, 0, 0, 0}))
		require.NoError(t, err)
		dst := []float32{5, 5}
		kernel.QGemv(dst, w, &q)
		require.True(t, math.IsNaN(float64(dst[0])) && math.IsNaN(float64(dst[1])), "%v", dst)
		_, err = kernel.QuantizeMatrix(kernel.MatrixFrom(1, 3, []float32{1, bad, 2}))
		require.Error(t, err)
	}
	// A row of zeros, or one too small for 127/m: scale 0, data 0.
	for _, tiny := range []float32{0, 0x1p-121, negZ} {
		q.Quantize([]float32{tiny, -tiny})
		require.Zero(t, q.Scale)
		require.Equal(t, []int8{0, 0}, q.Data[:2])
	}
	// Matrices: per-row scales and row sums.
	a := kernel.MatrixFrom(3, 2, []float32{1, -0.5, 0, 0, -4, 2})
	w, err := kernel.QuantizeMatrix(a)
	require.NoError(t, err)
	require.Equal(t, []float32{1.0 / 127, 0, 4.0 / 127}, w.Scales)
	require.Equal(t, []int8{127, -64}, w.Row(0)) // −63.5 rounds to even
	require.Equal(t, []int8{-127, 64}, w.Row(2))
	require.Equal(t, []int32{63, 0, -63}, w.RowSums)
	_, err = kernel.QuantizeMatrix(kernel.NewMatrix(1, kernel.MaxQCols+1))
	require.Error(t, err)
}

// TestQuantizeRemainder: the remainder plane brings a vector (and each
// row of a batch) within lo.Scale/2 ≤ hi.Scale/254 of x, is exactly the
// plane Quantize gives for the remainder computed in float64, and the
// two-plane product (QGemv, then QGemvAdd of the remainder) is the float
// product of the dequantized planes to the scheme's bound; Quantize and
// QuantizeRemainder allocate nothing once grown; a mismatched hi panics
// naming the sizes.
func TestQuantizeRemainder(t *testing.T) {
	r := kerneltest.Rand(8)
	for _, n := range []int{1, 7, 64, 65, 300} {
		x := make([]float32, n)
		kerneltest.Fill(r, x, -5, 5)
		var hi, lo kernel.QVector
		hi.Quantize(x)
		lo.QuantizeRemainder(x, &hi)
		require.LessOrEqual(t, lo.Scale, hi.Scale/254*(1+1e-6), "n=%d", n)
		rem := make([]float32, n)
		for i, v := range x {
			rem[i] = float32(float64(v) - float64(hi.Scale)*float64(hi.Data[i]))
			got := float64(hi.Scale)*float64(hi.Data[i]) + float64(lo.Scale)*float64(lo.Data[i])
			require.LessOrEqual(t, math.Abs(float64(v)-got), float64(lo.Scale)*(0.5+1e-5)+1e-7*math.Abs(float64(v)), "n=%d i=%d", n, i)
		}
		var want kernel.QVector
		want.Quantize(rem)
		require.Equal(t, want.Scale, lo.Scale)
		require.Equal(t, want.Data, lo.Data)
		require.Zero(t, testing.AllocsPerRun(10, func() { hi.Quantize(x); lo.QuantizeRemainder(x, &hi) }))

		// Two planes against one: a 5×n product.
		a := kernel.NewMatrix(5, n)
		kerneltest.Fill(r, a.Data, -1, 1)
		w, err := kernel.QuantizeMatrix(a)
		require.NoError(t, err)
		y := make([]float32, 5)
		kernel.QGemv(y, w, &hi)
		kernel.QGemvAdd(y, w, &lo)
		for i := range y {
			var exact, bound float64
			for j := range n {
				wij := float64(w.Scales[i]) * float64(w.Row(i)[j])
				exact += wij * (float64(hi.Scale)*float64(hi.Data[j]) + float64(lo.Scale)*float64(lo.Data[j]))
				bound += math.Abs(wij) * math.Abs(float64(x[j]))
			}
			require.InDelta(t, exact, float64(y[i]), 1e-5*bound+1e-6, "n=%d row %d", n, i)
		}

		// A batch of the same row three times: each row is the vector's.
		b := kernel.MatrixFrom(3, n, append(append(append([]float32{}, x...), x...), x...))
		var bh, bl kernel.QBatch
		bh.Quantize(b)
		bl.QuantizeRemainder(b, &bh)
		for i := range 3 {
			require.Equal(t, lo.Scale, bl.Scales[i])
			require.Equal(t, lo.Data[:n], bl.Data[i*bl.Stride:][:n])
		}
		require.Zero(t, testing.AllocsPerRun(10, func() { bh.Quantize(b); bl.QuantizeRemainder(b, &bh) }))
	}
	var hi, lo kernel.QVector
	hi.Quantize([]float32{1, 2})
	require.PanicsWithValue(t, "kernel.QVector.QuantizeRemainder: len(x)=3, hi holds 2 elements", func() { lo.QuantizeRemainder([]float32{1, 2, 3}, &hi) })
	var bh, bl kernel.QBatch
	bh.Quantize(kernel.NewMatrix(2, 3))
	require.PanicsWithValue(t, "kernel.QBatch.QuantizeRemainder: a is 3×3, hi 2×3 stride 64, len(Data)=128, len(Scales)=2", func() { bl.QuantizeRemainder(kernel.NewMatrix(3, 3), &bh) })
	short := bh
	short.Data = short.Data[:100]
	require.PanicsWithValue(t, "kernel.QBatch.QuantizeRemainder: a is 2×3, hi 2×3 stride 64, len(Data)=100, len(Scales)=2", func() { bl.QuantizeRemainder(kernel.NewMatrix(2, 3), &short) })
}

// TestQGemvAccuracy bounds the scheme's error against the float product
// of the unquantized operands: |a·x − y| ≤ Σ_j (|a_j|·s_x + |x_j|·s_w +
// s_w·s_x/2)/2 plus float32 roundings.
func TestQGemvAccuracy(t *testing.T) {
	r := kerneltest.Rand(8)
	c := newQCase(t, r, 50, 300, 300)
	got := make([]float32, 50)
	kernel.QGemv(got, c.w, &c.qx)
	worst, worstRel := 0.0, 0.0
	for i := range got {
		row := c.a.Row(i)
		sw, sx := float64(c.w.Scales[i]), float64(c.qx.Scale)
		exact, bound, abs := 0.0, 0.0, 0.0
		for j, v := range row {
			exact += float64(v) * float64(c.x[j])
			abs += math.Abs(float64(v) * float64(c.x[j]))
			bound += (math.Abs(float64(v))*sx + math.Abs(float64(c.x[j]))*sw + sw*sx/2) / 2
		}
		err := math.Abs(float64(got[i]) - exact)
		require.LessOrEqual(t, err, bound*1.0001+1e-6, "row %d", i)
		worst, worstRel = max(worst, err/bound), max(worstRel, err/abs)
	}
	t.Logf("50×300, uniform operands: largest error %.3f of the bound, %.2e of Σ|a·x|", worst, worstRel)
}

func TestInt8Panics(t *testing.T) {
	w, err := kernel.QuantizeMatrix(kernel.NewMatrix(3, 4))
	require.NoError(t, err)
	var x kernel.QVector
	x.Quantize(make([]float32, 5))
	require.PanicsWithValue(t, "kernel.DotInt8: len(x)=2 != len(w)=3", func() { kernel.DotInt8(make([]int8, 2), make([]int8, 3)) })
	require.Panics(t, func() { kernel.QGemv(make([]float32, 3), w, &x) })
	x.Quantize(make([]float32, 4))
	require.Panics(t, func() { kernel.QGemvAdd(make([]float32, 2), w, &x) })
	var b kernel.QBatch
	b.Quantize(kernel.NewMatrix(2, 4))
	require.Panics(t, func() { kernel.QGemm(kernel.NewMatrix(2, 2), &b, w) })
	require.Panics(t, func() { kernel.QGemmAdd(kernel.NewMatrix(3, 3), &b, w) })
	require.Panics(t, func() { x.Quantize(make([]float32, kernel.MaxQCols+1)) })
	// A QMatrix not as QuantizeMatrix builds it: the assembly would run
	// off its stride.
	bad := *w
	bad.Stride = 4
	require.PanicsWithValue(t, "kernel.QGemv: malformed QMatrix w: 3×4 stride 4, len(Data)=192, len(Scales)=3, len(RowSums)=3",
		func() { kernel.QGemv(make([]float32, 3), &bad, &x) })
	bad = *w
	bad.RowSums = nil
	require.Panics(t, func() { kernel.QGemm(kernel.NewMatrix(2, 3), &b, &bad) })
}

func TestInt8Allocs(t *testing.T) {
	r := kerneltest.Rand(9)
	c := newQCase(t, r, 64, 256, 256)
	dst := make([]float32, 64)
	x := make([]float32, 256)
	xa := kernel.NewMatrix(4, 256)
	out := kernel.NewMatrix(4, 64)
	var qb kernel.QBatch
	qb.Quantize(xa)
	require.Zero(t, testing.AllocsPerRun(20, func() {
		c.qx.Quantize(x)
		kernel.QGemvAdd(dst, c.w, &c.qx)
		qb.Quantize(xa)
		kernel.QGemmAdd(out, &qb, c.w)
		kernel.DotInt8(c.w.Data[:256], c.qx.Data[:256])
	}))
}

func FuzzDotInt8(f *testing.F) {
	f.Add([]byte{0x80, 0x7f, 0x81, 0x00, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		n := len(b) / 2
		x, w := make([]int8, n), make([]int8, n)
		for i := range x {
			x[i], w[i] = int8(b[i]), int8(b[n+i])
		}
		want := ref.DotInt8(x, w)
		for _, p := range kernel.Int8Paths() {
			restoreLevel, err := kernel.SetLevel(p.Level())
			require.NoError(t, err)
			restore, err := kernel.SetInt8Path(p)
			require.NoError(t, err)
			got := kernel.DotInt8(x, w)
			restore()
			restoreLevel()
			require.Equal(t, want, got, "path %v", p)
		}
	})
}

// FuzzQGemv: a w of rows×cols int8 values from the input (clamped to
// [−127, 127], as the scheme keeps weights) and an x of any int8 values,
// the shapes and a row of the table's QGemv class (QGemv, QGemvAdd) taken
// from the first bytes; every int8 path gives the generic path's bits,
// and the generic path is within the scheme's roundings of ref.QGemv.
func FuzzQGemv(f *testing.F) {
	f.Add([]byte{0, 5, 70, 0x80, 0x7f, 0x81, 0x00, 0xff, 0x01, 3, 9})
	f.Add([]byte{1, 67, 129, 1, 2, 3})
	f.Add([]byte{1, 3, 0})
	rows := qgemvRows()
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		s := rows[int(in[0])%len(rows)]
		nr, cols := int(in[1]%80), int(in[2])%301
		data := in[3:]
		vals := &int8Stream{data: data}
		r := kerneltest.Rand(uint64(len(in)))
		w := newQMatrixRaw(r, nr, cols, vals.weights)
		x := kernel.QVector{N: cols, Scale: float32(0.5 + r.Float64()), Data: make([]int8, (cols+63)&^63)}
		vals.values(x.Data[:cols])
		prev := make([]float32, nr)
		kerneltest.Fill(r, prev, -1, 1)
		want := slices.Clone(prev)
		atInt8Path(t, kernel.Int8Generic, func() { s.QGemv(want, w, &x) })
		ref64 := make([]float64, nr)
		ref.QGemv(ref64, w.Data, w.Stride, w.Scales, x.Data[:cols], x.Scale)
		var p0 []float32
		if qgemvAccumulates(s) {
			p0 = prev
		}
		what := fmt.Sprintf("%s %d×%d", s.Name, nr, cols)
		schemeCheck(t, what, want, ref64, p0)
		for _, p := range kernel.Int8Paths()[1:] {
			got := slices.Clone(prev)
			atInt8Path(t, p, func() { s.QGemv(got, w, &x) })
			requireBits(t, want, got, what+" "+p.String())
		}
	})
}

// TestQuantizeLevels holds every level's quantizer (assembly for whole
// vectors, Go for the rest) to the generic level's bits: ties at every
// half-integer of the range (max|x| = 127, so 127/m = 1 and x·(127/m) is
// x), values just beside them, signed zeros, subnormals, and random rows
// of every length up to 300.
func TestQuantizeLevels(t *testing.T) {
	var inputs [][]float32
	ties := []float32{127}
	for k := -127; k <= 126; k++ {
		h := float32(k) + 0.5
		ties = append(ties, h, math.Nextafter32(h, 200), math.Nextafter32(h, -200))
	}
	ties = append(ties, negZ, 0, 0x1p-149, -0x1p-149, -127)
	inputs = append(inputs, ties)
	r := kerneltest.Rand(10)
	for n := 0; n <= 300; n++ {
		x := make([]float32, n)
		kerneltest.Fill(r, x, -7, 7)
		inputs = append(inputs, x)
	}
	want := make([]kernel.QVector, len(inputs))
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for i, x := range inputs {
			var q kernel.QVector
			q.Quantize(x)
			if l == kernel.Generic {
				want[i] = q
				continue
			}
			require.Equal(t, math.Float32bits(want[i].Scale), math.Float32bits(q.Scale), "input %d", i)
			require.Equal(t, want[i].Data, q.Data, "input %d", i)
		}
	})
	// The ties round half to even.
	var q kernel.QVector
	q.Quantize(ties)
	for i, k := 0, -127; k <= 126; i, k = i+1, k+1 {
		even := k
		if k%2 != 0 {
			even = k + 1
		}
		require.Equal(t, int8(even), q.Data[1+3*i], "%v", ties[1+3*i])
	}
}

// TestQuantizeHelpersGuarded runs the quantizers' passes, maxAbsBits and
// quantizeInt8, at every level on rows that end where an unmapped page
// begins and start where one ends (src and dst both), every length up to
// 300 and long ones, held to the generic forms' bits: the AVX-512 level
// reads and writes its last partial vector under a mask. maxAbsBits also
// sees NaN and ±Inf at random places.
func TestQuantizeHelpersGuarded(t *testing.T) {
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), negZ, 0x1p-149, math.MaxFloat32, -math.MaxFloat32}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(11)
		for _, n := range kerneltest.Lengths() {
			srcEnd, srcStart := kerneltest.Guarded(t, n)
			dstEnd, dstStart := kerneltest.GuardedInt8(t, n)
			for _, src := range [][]float32{srcEnd, srcStart} {
				kerneltest.Fill(r, src, -7, 7)
				bits := kernel.MaxAbsBitsGeneric(src)
				inv := 127 / math.Float32frombits(bits)
				want := make([]int8, n)
				kernel.QuantizeInt8Generic(want, src, inv)
				for _, dst := range [][]int8{dstEnd, dstStart} {
					what := fmt.Sprintf("n=%d", n)
					clear(dst)
					kerneltest.NoFault(t, what, func() {
						require.Equal(t, bits, kernel.MaxAbsBits(src), what)
						kernel.QuantizeInt8(dst, src, inv)
					})
					require.Equal(t, want, dst, what)
				}
				if n == 0 {
					continue
				}
				for k := 0; k < 3; k++ {
					src[r.IntN(n)] = specials[r.IntN(len(specials))]
					what := fmt.Sprintf("n=%d with specials", n)
					kerneltest.NoFault(t, what, func() {
						require.Equal(t, kernel.MaxAbsBitsGeneric(src), kernel.MaxAbsBits(src), what)
					})
				}
			}
		}
	})
}

// int8Stream hands out a fuzz input's bytes as int8 values in turn: the
// data repeated, each repetition offset by one, or a fixed pattern
// without data.
type int8Stream struct {
	data []byte
	k    int
}

func (s *int8Stream) next() int8 {
	i := s.k
	s.k++
	if len(s.data) == 0 {
		return int8(i*37 + 11)
	}
	return int8(s.data[i%len(s.data)] + byte(i/len(s.data)))
}

// values fills row with the next values.
func (s *int8Stream) values(row []int8) {
	for j := range row {
		row[j] = s.next()
	}
}

// weights fills row with the next values, −128 raised to −127 (the
// weights' range).
func (s *int8Stream) weights(row []int8) {
	for j := range row {
		row[j] = max(-127, s.next())
	}
}
