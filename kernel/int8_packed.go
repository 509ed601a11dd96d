package kernel

import (
	"sync/atomic"
	"unsafe"
)

// qPacked is a QMatrix's weights in the layout of the broadcast QGemm
// tiles (QGemmPacked<mr>x32 at AVX-512 VNNI and AVX2): w's rows in blocks of 32
// (the last padded with zero rows), and within a block, for each group
// of four columns, the four bytes of each of the 32 rows side by side:
// block b, group k, row j at w[(b·groups + k)·128 + 4j:][:4]. sw and
// bias hold each block's 32 scales and 128·RowSums (zero in the padding;
// the AVX2 tiles, which sum x·w directly, do not read bias).
type qPacked struct {
	data   unsafe.Pointer // the QMatrix's Data it was packed from
	groups int            // groups of four columns: ⌈Cols/4⌉
	w      []int8
	sw     []float32
	bias   []int32
}

// qPackedRows is the rows of w per block: two zmm vectors of int32 sums.
const qPackedRows = 32

// packed returns q's weights packed for the broadcast tiles, packing them
// on first use (goroutines that race to pack each use their own, and one
// is kept). q's fields are read-only once built, as QMatrix says.
func (q *QMatrix) packed() *qPacked {
	if p := (*qPacked)(atomic.LoadPointer(&q.pk)); p != nil && p.data == unsafe.Pointer(unsafe.SliceData(q.Data)) {
		return p
	}
	groups := (q.Cols + 3) / 4
	blocks := (q.Rows + qPackedRows - 1) / qPackedRows
	p := &qPacked{data: unsafe.Pointer(unsafe.SliceData(q.Data)), groups: groups,
		w:  make([]int8, blocks*groups*4*qPackedRows),
		sw: make([]float32, blocks*qPackedRows), bias: make([]int32, blocks*qPackedRows)}
	for r := 0; r < q.Rows; r++ {
		b, j := r/qPackedRows, r%qPackedRows
		blk := p.w[b*groups*4*qPackedRows:]
		row := q.Data[r*q.Stride:][:groups*4]
		for k := 0; k < groups; k++ {
			copy(blk[k*4*qPackedRows+4*j:][:4], row[4*k:])
		}
		p.sw[r] = q.Scales[r]
		p.bias[r] = 128 * q.RowSums[r]
	}
	atomic.StorePointer(&q.pk, unsafe.Pointer(p))
	return p
}

// qPackedMinRows is the fewest rows of x for which QGemm takes the
// broadcast tiles (where the path has them): below it, the 2×4 tiles and
// the gemv kernels stream w as it is, without packing a copy.
const qPackedMinRows = 4

// qgemmPacked computes c = x·wᵀ (or c += x·wᵀ) by the broadcast tiles
// of path p: x's rows in L2-sized blocks, each walked by every block of
// 32 rows of packed w (whose 128·⌈Cols/4⌉ bytes stay in L1 meanwhile)
// in tiles of qPackedTile rows of x (8 at AVX-512 VNNI, 2 at AVX2), the
// last rows by tiles of half as many, down to 1. The AVX2 tiles loop
// over their rows themselves (one call for all the block's pairs), read
// |x| from a pooled buffer that the first block of w fills, and store
// whole vectors: a partial last block of w (under 32 rows) goes
// through a buffer, whose first columns are then copied (or added) to c.
func qgemmPacked(p Int8Path, c Matrix, x *QBatch, w *QMatrix, add bool) {
	pk := w.packed()
	top, masked := qPackedTile(p)
	blk := 4 * qPackedRows * pk.groups // bytes of one block of w
	rows := max(8, qgemmBlockBytes/max(x.Stride, 1)&^7)
	var buf [8 * qPackedRows]float32 // a partial block's tile, for unmasked stores
	var ax []int8                    // |x| of a block of x's rows, for unmasked tiles
	if !masked {
		pax := qAbsPool.Get().(*[]int8)
		if n := min(rows, x.Rows) * x.Stride; cap(*pax) < n {
			*pax = make([]int8, n)
		}
		defer qAbsPool.Put(pax)
		ax = *pax
	}
	for i0 := 0; i0 < x.Rows; i0 += rows {
		i1 := min(i0+rows, x.Rows)
		for j0 := 0; j0 < w.Rows; j0 += qPackedRows {
			cols := min(qPackedRows, w.Rows-j0)
			wp, sw, bias := pk.w[j0/qPackedRows*blk:][:blk], pk.sw[j0:][:qPackedRows], pk.bias[j0:][:qPackedRows]
			for i := i0; i < i1; {
				mr := top
				for mr > i1-i {
					mr >>= 1
				}
				n := mr // rows of x in this call
				if !masked && cols == qPackedRows {
					n = (i1 - i) / mr * mr // the loop of whole tiles
				}
				xs, sx := x.Data[i*x.Stride:(i+n)*x.Stride], x.Scales[i:i+n]
				var axs []int8
				if ax != nil {
					axs = ax[(i-i0)*x.Stride:][:len(xs)]
				}
				fill := j0 == 0 // the first block of w fills ax for the others
				if cols == qPackedRows || masked {
					cs := c.Data[i*c.Stride+j0 : (i+n-1)*c.Stride+j0+cols]
					qgemmPackedTile(p, mr, cs, c.Stride, xs, axs, x.Stride, sx, wp, sw, bias, cols, fill, add)
				} else {
					qgemmPackedTile(p, mr, buf[:mr*qPackedRows], qPackedRows, xs, axs, x.Stride, sx, wp, sw, bias, cols, fill, false)
					for r := range mr {
						dst, src := c.Data[(i+r)*c.Stride+j0:][:cols], buf[r*qPackedRows:][:cols]
						if add {
							for k, v := range src {
								dst[k] += v
							}
						} else {
							copy(dst, src)
						}
					}
				}
				i += n
			}
		}
	}
}
