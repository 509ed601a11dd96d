package kernel_test

// QGemm's tiles (two rows of x by four rows of w at every path but the
// generic one) and their edges, held to the generic path's bits on
// hand-built operands: every tile/edge split of the batch and weight
// rows, −128 in x, the largest sums, NaN guard bands around c and guard
// pages around x, w and c.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// newQMatrixRaw builds a QMatrix of the given values and random scales
// (RowSums as QuantizeMatrix keeps them).
func newQMatrixRaw(r *rand.Rand, rows, cols int, fill func(row []int8)) *kernel.QMatrix {
	stride := (cols + 63) &^ 63
	w := &kernel.QMatrix{Rows: rows, Cols: cols, Stride: stride, Data: make([]int8, rows*stride),
		Scales: make([]float32, rows), RowSums: make([]int32, rows)}
	for i := 0; i < rows; i++ {
		row := w.Data[i*stride:][:cols]
		fill(row)
		for _, v := range row {
			w.RowSums[i] += int32(v)
		}
		w.Scales[i] = float32(0.5 + r.Float64())
	}
	return w
}

// newQBatchRaw builds a QBatch of the given values and random scales.
func newQBatchRaw(r *rand.Rand, rows, cols int, fill func(row []int8)) *kernel.QBatch {
	stride := (cols + 63) &^ 63
	x := &kernel.QBatch{Rows: rows, Cols: cols, Stride: stride, Data: make([]int8, rows*stride), Scales: make([]float32, rows)}
	for i := 0; i < rows; i++ {
		fill(x.Data[i*stride:][:cols])
		x.Scales[i] = float32(0.5 + r.Float64())
	}
	return x
}

// qgemmAt runs QGemm (or QGemmAdd) at path p on a copy of c0 laid out
// with stride ldc inside NaN guard bands, checks the bands and c's
// padding, and returns c's elements.
func qgemmAt(t *testing.T, p kernel.Int8Path, add bool, c0 []float32, rows, cols, ldc, offset int, x *kernel.QBatch, w *kernel.QMatrix, what string) []float32 {
	t.Helper()
	restore, err := kernel.SetInt8Path(p)
	require.NoError(t, err)
	defer restore()
	b := kerneltest.NewBanded(max(0, rows*ldc), offset)
	c := kernel.Matrix{Rows: rows, Cols: cols, Stride: ldc, Data: b.S()}
	for i := range c.Data {
		c.Data[i] = -7 // the padding between rows, which must stay
	}
	for i := 0; i < rows; i++ {
		copy(c.Row(i), c0[i*cols:][:cols])
	}
	if add {
		kernel.QGemmAdd(c, x, w)
	} else {
		kernel.QGemm(c, x, w)
	}
	b.Check(t, what)
	out := make([]float32, 0, rows*cols)
	for i := 0; i < rows; i++ {
		out = append(out, c.Row(i)...)
		for _, v := range c.Data[i*ldc+cols : min(len(c.Data), (i+1)*ldc)] {
			require.Equal(t, float32(-7), v, "%s: row %d: padding written", what, i)
		}
	}
	return out
}

// TestQGemmTiles: every split of the batch rows into pairs and an odd
// last row and of the weight rows into quads and 1..3 left, several row
// lengths, x holding −128..127, each path's bits equal to the generic
// path's, for QGemm and QGemmAdd.
func TestQGemmTiles(t *testing.T) {
	r := kerneltest.Rand(21)
	batches := []int{0, 1, 2, 3, 4, 5, 6, 9}
	wrows := []int{0, 1, 3, 4, 5, 7, 8, 11, 13, 32}
	colsList := []int{0, 1, 31, 64, 65, 200}
	if !testing.Short() {
		batches = append(batches, 33)
		wrows = append(wrows, 67)
		colsList = append(colsList, 1000)
	}
	n := 0
	for _, b := range batches {
		for _, rows := range wrows {
			for _, cols := range colsList {
				n++
				w := newQMatrixRaw(r, rows, cols, func(row []int8) { fillInt8(r, row, -127, 127) })
				x := newQBatchRaw(r, b, cols, func(row []int8) { fillInt8(r, row, -128, 127) })
				c0 := make([]float32, b*rows)
				kerneltest.Fill(r, c0, -1, 1)
				ldc, off := rows+n%3, n%kerneltest.MaxOffset
				for _, add := range []bool{false, true} {
					what := fmt.Sprintf("b=%d rows=%d cols=%d add=%v", b, rows, cols, add)
					want := qgemmAt(t, kernel.Int8Generic, add, c0, b, rows, ldc, off, x, w, what)
					for _, p := range kernel.Int8Paths()[1:] {
						got := qgemmAt(t, p, add, c0, b, rows, ldc, off, x, w, what+" "+p.String())
						requireBits(t, want, got, what+" "+p.String())
					}
				}
			}
		}
	}
	if len(kernel.Int8Paths()) == 1 {
		t.Log("only the generic path runs here: the tiles were not exercised")
	}
}

// TestQGemmExtremes: x all −128 and the weights ±127, at the widest rows
// (the largest sums the scheme allows, and VPMADDUBSW's largest pairs,
// 2·128·127), and a mix of ±127 and −128; every sum checked against the
// exact integer and every path against the generic one's bits.
func TestQGemmExtremes(t *testing.T) {
	cols := kernel.MaxQCols
	if testing.Short() {
		cols = 4096
	}
	r := kerneltest.Rand(22)
	w := newQMatrixRaw(r, 6, cols, nil2(func(i int, row []int8) {
		for j := range row {
			row[j] = [...]int8{127, -127, 127, -127, 127, 127}[i]
			if i == 2 && j%2 == 1 || i == 5 && j%3 == 0 {
				row[j] = -127
			}
		}
	}))
	x := newQBatchRaw(r, 4, cols, nil2(func(i int, row []int8) {
		for j := range row {
			row[j] = [...]int8{-128, 127, -128, -127}[i]
		}
	}))
	for i := range w.Scales {
		w.Scales[i] = 1
	}
	for i := range x.Scales {
		x.Scales[i] = 1
	}
	c0 := make([]float32, 4*6)
	want := qgemmAt(t, kernel.Int8Generic, false, c0, 4, 6, 6, 0, x, w, "generic")
	for i := 0; i < 4; i++ {
		for k := 0; k < 6; k++ {
			var exact int64
			for j := 0; j < cols; j++ {
				exact += int64(x.Data[i*x.Stride+j]) * int64(w.Data[k*w.Stride+j])
			}
			require.Equal(t, float32(exact), want[i*6+k], "x row %d, w row %d", i, k)
		}
	}
	for _, p := range kernel.Int8Paths()[1:] {
		requireBits(t, want, qgemmAt(t, p, false, c0, 4, 6, 6, 0, x, w, p.String()), p.String())
	}
}

// nil2 adapts a fill function that wants its row's index.
func nil2(fill func(i int, row []int8)) func(row []int8) {
	i := 0
	return func(row []int8) { fill(i, row); i++ }
}

// TestQGemmGuarded runs every QGemm-class row of the table (QGemm,
// QGemmAdd) with x's and w's data and c ending against, or starting right
// after, an unmapped page, at every int8 path, each held to the generic
// path's bits.
func TestQGemmGuarded(t *testing.T) {
	for _, s := range specsWhere(func(s kernel.Spec) bool { return s.Class == kernel.ClassQGemm }) {
		t.Run(s.Name, func(t *testing.T) {
			r := kerneltest.Rand(23)
			type tc struct {
				b, rows  int
				w        *kernel.QMatrix
				x        *kernel.QBatch
				c0, want []float32
			}
			var cases []tc
			for _, sh := range [][3]int{{2, 4, 64}, {4, 8, 100}, {5, 9, 256}, {3, 3, 1}, {5, 64, 72}, {9, 5, 200}} {
				b, rows, cols := sh[0], sh[1], sh[2]
				w := newQMatrixRaw(r, rows, cols, func(row []int8) { fillInt8(r, row, -127, 127) })
				x := newQBatchRaw(r, b, cols, func(row []int8) { fillInt8(r, row, -128, 127) })
				c0 := make([]float32, b*rows)
				kerneltest.Fill(r, c0, -1, 1)
				want := slices.Clone(c0)
				atInt8Path(t, kernel.Int8Generic, func() { s.QGemm(kernel.MatrixFrom(b, rows, want), x, w) })
				cases = append(cases, tc{b, rows, w, x, c0, want})
			}
			kerneltest.ForEachInt8Path(t, func(t *testing.T, p kernel.Int8Path) {
				for _, k := range cases {
					for side := 0; side < 2; side++ {
						wEnd, wStart := kerneltest.GuardedInt8(t, len(k.w.Data))
						xEnd, xStart := kerneltest.GuardedInt8(t, len(k.x.Data))
						cEnd, cStart := kerneltest.Guarded(t, k.b*k.rows)
						gw, gx := *k.w, *k.x
						gw.Data, gx.Data = wEnd, xStart
						c := kernel.Matrix{Rows: k.b, Cols: k.rows, Stride: k.rows, Data: cEnd}
						if side == 1 {
							gw.Data, gx.Data, c.Data = wStart, xEnd, cStart
						}
						copy(gw.Data, k.w.Data)
						copy(gx.Data, k.x.Data)
						copy(c.Data, k.c0)
						what := fmt.Sprintf("%s b=%d rows=%d cols=%d side %d", s.Name, k.b, k.rows, k.w.Cols, side)
						kerneltest.NoFault(t, what, func() { s.QGemm(c, &gx, &gw) })
						requireBits(t, k.want, c.Data, what)
					}
				}
			})
		})
	}
}

// TestQGemmCols runs QGemm and QGemmAdd over every column count 0..300
// with a batch of five rows (two tile pairs and an odd row; the packed
// broadcast tiles from four rows on) by five rows of w (a quad and one
// left), c strided inside NaN guard bands: every path's bits are the
// generic path's.
func TestQGemmCols(t *testing.T) {
	r := kerneltest.Rand(24)
	for cols := 0; cols <= 300; cols++ {
		w := newQMatrixRaw(r, 5, cols, func(row []int8) { fillInt8(r, row, -127, 127) })
		x := newQBatchRaw(r, 5, cols, func(row []int8) { fillInt8(r, row, -128, 127) })
		c0 := make([]float32, 5*5)
		kerneltest.Fill(r, c0, -1, 1)
		for _, add := range []bool{false, true} {
			what := fmt.Sprintf("cols=%d add=%v", cols, add)
			ldc, off := 5+cols%3, cols%kerneltest.MaxOffset
			want := qgemmAt(t, kernel.Int8Generic, add, c0, 5, 5, ldc, off, x, w, what)
			for _, p := range kernel.Int8Paths()[1:] {
				got := qgemmAt(t, p, add, c0, 5, 5, ldc, off, x, w, what+" "+p.String())
				requireBits(t, want, got, what+" "+p.String())
			}
		}
	}
}

// FuzzQGemm: a batch of b rows of x (int8 values from the input, −128
// included) by rows of w (clamped to [−127, 127]) of cols columns, the
// shapes taken from the first bytes; QGemm and QGemmAdd at every path
// give the generic path's bits (the packed broadcast tiles from four rows
// of x on, their partial blocks, the 2×4 tiles and the gemv edges), and
// the generic path's sums equal ref.QGemm's float64 evaluation of the
// same int8 scheme.
func FuzzQGemm(f *testing.F) {
	f.Add([]byte{5, 33, 70, 0x80, 0x7f, 0x81, 0x00, 0xff, 0x01, 3, 9})
	f.Add([]byte{8, 64, 5, 1, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		b, rows, cols := int(in[0]%12), int(in[1]%70), int(in[2]%130)
		data := in[3:]
		vals := &int8Stream{data: data}
		r := kerneltest.Rand(uint64(len(in)))
		w := newQMatrixRaw(r, rows, cols, vals.weights)
		x := newQBatchRaw(r, b, cols, vals.values)
		c0 := make([]float32, b*rows)
		kerneltest.Fill(r, c0, -1, 1)
		for _, add := range []bool{false, true} {
			what := fmt.Sprintf("b=%d rows=%d cols=%d add=%v", b, rows, cols, add)
			want := qgemmAt(t, kernel.Int8Generic, add, c0, b, rows, rows, 0, x, w, what)
			if !add && b > 0 && rows > 0 {
				ref64 := make([]float64, b*rows)
				ref.QGemm(ref64, rows, x.Data, x.Stride, cols, x.Scales, w.Data, w.Stride, w.Scales)
				for i := range b {
					schemeCheck(t, what, want[i*rows:][:rows], ref64[i*rows:][:rows], nil)
				}
			}
			for _, p := range kernel.Int8Paths()[1:] {
				requireBits(t, want, qgemmAt(t, p, add, c0, b, rows, rows, 0, x, w, what+" "+p.String()), what+" "+p.String())
			}
		}
	})
}
