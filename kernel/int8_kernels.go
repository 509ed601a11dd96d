package kernel

import (
	"fmt"
	"sync"
)

// DotInt8 returns Σ x[i]·max(w[i], −127), exactly, at the active int8
// path (see Int8Path): every path returns the same integer for every
// input. w is the weights' side: the scheme keeps weights in [−127, 127]
// (as QuantizeMatrix and QVector produce them), so a −128 in w counts as
// −127, which keeps every path's products within its bounds; x may hold
// any int8. Slices longer than MaxQCols go in chunks, each summed in
// int32 and the chunks in int64. It panics if len(x) != len(w).
func DotInt8(x, w []int8) int64 {
	if len(x) != len(w) {
		panic(fmt.Sprintf("kernel.DotInt8: len(x)=%d != len(w)=%d", len(x), len(w)))
	}
	raceReadI8(x)
	raceReadI8(w)
	p := ActiveInt8()
	var s int64
	for len(x) > MaxQCols {
		s += int64(dotInt8(p, x[:MaxQCols], w[:MaxQCols]))
		x, w = x[MaxQCols:], w[MaxQCols:]
	}
	return s + int64(dotInt8(p, x, w))
}

// QGemv computes dst = w·x for the quantized matrix w and the quantized
// vector x: dst[r] = float32(acc_r)·(w.Scales[r]·x.Scale), acc_r the
// exact int32 Σ_j w[r,j]·x[j] (Int8 kernels in the package documentation). Every int8
// path gives the same bits. x.N must be w.Cols and len(dst) w.Rows; it
// panics otherwise. It allocates nothing.
func QGemv(dst []float32, w *QMatrix, x *QVector) {
	qgemv("QGemv", dst, w, x, false)
}

// QGemvAdd computes dst += w·x: dst[r] += float32(acc_r)·(w.Scales[r]·
// x.Scale), one more rounding than QGemv. Sizes are QGemv's.
func QGemvAdd(dst []float32, w *QMatrix, x *QVector) {
	qgemv("QGemvAdd", dst, w, x, true)
}

// QGemm computes c = x·wᵀ for a batch x of quantized rows and the
// quantized matrix w (row-major, one row per output, as nn.Linear and
// recurrent weights are stored): c[i,r] = float32(acc_ir)·(w.Scales[r]·
// x.Scales[i]), acc_ir the exact int32 Σ_j x[i,j]·w[r,j]. Every element
// is QGemv's for that row of x, to the bit. c must be x.Rows×w.Rows and
// x.Cols must be w.Cols; it panics otherwise.
//
// Tiles of two rows of x by four rows of w share each vector loaded
// between several products (see qgemm). At AVX-512 VNNI, with at least
// four rows of x, w is packed once (kept with w, as much memory again
// as w.Data) for tiles of eight rows of x by 32 of w that broadcast x
// and need no horizontal sums (see qgemmPacked).
func QGemm(c Matrix, x *QBatch, w *QMatrix) {
	qgemm("QGemm", c, x, w, false)
}

// QGemmAdd computes c += x·wᵀ, as QGemm with QGemvAdd's final addition.
func QGemmAdd(c Matrix, x *QBatch, w *QMatrix) {
	qgemm("QGemmAdd", c, x, w, true)
}

// qRowsPer is the most weight rows one assembly call gets.
const qRowsPer = 64

// qgemvRows returns how many rows of w one call of the gemv assembly
// takes: at most qRowsPer, and about maxChunk·4 bytes of w.
func qgemvRows(w *QMatrix) int {
	return max(1, min(qRowsPer, maxChunk*4/max(w.Stride, 1)))
}

func qgemv(fn string, dst []float32, w *QMatrix, x *QVector, accumulate bool) {
	mustQValid(fn, w)
	if x.N != w.Cols || len(dst) != w.Rows || len(x.Data) < w.Stride {
		panic(fmt.Sprintf("kernel.%s: len(dst)=%d, w is %d×%d, x.N=%d (want len(dst) = w.Rows, x.N = w.Cols)",
			fn, len(dst), w.Rows, w.Cols, x.N))
	}
	raceReadI8(w.Data)
	raceReadI8(x.Data)
	raceWrite(dst)
	p, per := ActiveInt8(), qgemvRows(w)
	var acc [qRowsPer]int32
	xs := x.Data[:w.Stride]
	for r := 0; r < w.Rows; r += per {
		n := min(per, w.Rows-r)
		gemvInt8(p, acc[:n], w.Data[r*w.Stride:(r+n)*w.Stride], w.Stride, xs, w.RowSums[r:r+n])
		storeQ(dst[r:r+n], acc[:n], w.Scales[r:r+n], x.Scale, accumulate)
	}
}

// storeQ writes (or, with accumulate, adds) the dequantized sums.
func storeQ(dst []float32, acc []int32, sw []float32, sx float32, accumulate bool) {
	sw, acc = sw[:len(dst)], acc[:len(dst)]
	if accumulate {
		for i, a := range acc {
			dst[i] += dequant(a, sw[i], sx)
		}
		return
	}
	for i, a := range acc {
		dst[i] = dequant(a, sw[i], sx)
	}
}

// qAbsPool holds the avx2 tile's buffers of |x| (a *[]int8 each, of a
// block's bytes at the most).
var qAbsPool = sync.Pool{New: func() any { return new([]int8) }}

// qgemmBlockBytes bounds the bytes of x one block of QGemm holds in the
// L2 cache (half of a 256 KiB L2, the smallest we target) while every
// quad of w's rows passes over it.
const qgemmBlockBytes = 128 << 10

// qgemm computes c = x·wᵀ (or c += x·wᵀ) in tiles of two rows of x by
// four rows of w (qgemmTile: each weight vector loaded serves two rows
// of x), the x rows in L2-sized blocks, each block walked by every quad
// of w's rows, whose 4·stride bytes stay in L1 meanwhile. The edges (the
// last odd row of x, the last 1..3 rows of w) and paths without a tile
// kernel go through the gemv kernels, whose sums are the same integers.
func qgemm(fn string, c Matrix, x *QBatch, w *QMatrix, accumulate bool) {
	mustValid(fn, "c", c)
	mustQValid(fn, w)
	if x.Stride%qAlign != 0 || len(x.Data) < x.Rows*x.Stride || len(x.Scales) < x.Rows {
		panic(fmt.Sprintf("kernel.%s: malformed QBatch x: %d×%d stride %d, len(Data)=%d, len(Scales)=%d",
			fn, x.Rows, x.Cols, x.Stride, len(x.Data), len(x.Scales)))
	}
	if x.Cols != w.Cols || c.Rows != x.Rows || c.Cols != w.Rows || x.Stride != w.Stride && x.Rows > 0 {
		panic(fmt.Sprintf("kernel.%s: c is %d×%d, x is %d×%d, w is %d×%d (want c x.Rows×w.Rows, x.Cols = w.Cols)",
			fn, c.Rows, c.Cols, x.Rows, x.Cols, w.Rows, w.Cols))
	}
	raceReadI8(w.Data)
	raceReadI8(x.Data)
	for i := 0; i < c.Rows; i++ {
		raceWrite(c.Data[i*c.Stride:][:c.Cols])
	}
	p, stride := ActiveInt8(), w.Stride
	if hasQPacked(p) && x.Rows >= qPackedMinRows {
		qgemmPacked(p, c, x, w, accumulate)
		return
	}
	pairs, quads := x.Rows&^1, w.Rows&^3
	if !hasQTile(p) {
		pairs, quads = 0, 0
	}
	block := max(2, qgemmBlockBytes/max(stride, 1)&^1)
	var ax *[]int8 // the avx2 tile's |x| of a block, pooled
	if pairs > 0 && quads > 0 && qTileAbs(p) {
		ax = qAbsPool.Get().(*[]int8)
		if n := min(block, pairs) * stride; cap(*ax) < n {
			*ax = make([]int8, n)
		}
		defer qAbsPool.Put(ax)
	}
	for i0 := 0; i0 < pairs; i0 += block {
		i1 := min(i0+block, pairs)
		xs := x.Data[i0*stride : i1*stride]
		var axs []int8
		if ax != nil {
			axs = (*ax)[:len(xs)]
		}
		for r := 0; r < quads; r += 4 {
			qgemmTile(p, c.Data[i0*c.Stride+r:(i1-1)*c.Stride+r+4], c.Stride, xs, x.Scales[i0:i1],
				w.Data[r*stride:(r+4)*stride], stride, w.Scales[r:r+4], w.RowSums[r:r+4], axs, r == 0, accumulate)
		}
	}
	per := qgemvRows(w)
	var acc [qRowsPer]int32
	for i := 0; i < x.Rows; i++ {
		r0 := quads // the rows of w the tiles left for row i of x
		if i >= pairs {
			r0 = 0
		}
		xs := x.Data[i*x.Stride:][:x.Stride]
		crow := c.Data[i*c.Stride:][:c.Cols]
		for r := r0; r < w.Rows; r += per {
			n := min(per, w.Rows-r)
			gemvInt8(p, acc[:n], w.Data[r*w.Stride:(r+n)*w.Stride], w.Stride, xs, w.RowSums[r:r+n])
			storeQ(crow[r:r+n], acc[:n], w.Scales[r:r+n], x.Scales[i], accumulate)
		}
	}
}

// mustQValid panics unless w is as QuantizeMatrix builds it: the stride a
// multiple of 64 bytes (the assembly takes whole vectors) and at least
// Cols, and every slice long enough.
func mustQValid(fn string, w *QMatrix) {
	if w.Rows < 0 || w.Cols < 0 || w.Cols > MaxQCols || w.Stride < w.Cols || w.Stride%qAlign != 0 ||
		len(w.Data) < w.Rows*w.Stride || len(w.Scales) < w.Rows || len(w.RowSums) < w.Rows {
		panic(fmt.Sprintf("kernel.%s: malformed QMatrix w: %d×%d stride %d, len(Data)=%d, len(Scales)=%d, len(RowSums)=%d",
			fn, w.Rows, w.Cols, w.Stride, len(w.Data), len(w.Scales), len(w.RowSums)))
	}
}
