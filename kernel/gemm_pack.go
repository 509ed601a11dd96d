package kernel

// Packing for Gemm: blocks of op(a) and panels of op(b) copied into the
// micro-panel layouts the microkernels read.

// packA copies the block rows [i0,i0+mc) × columns [p0,p0+kc) of op(a)
// into dst as micro-panels of mr rows: panel q holds rows i0+q·mr ...
// column by column (dst[q·mr·kc + p·mr + i] = op(a)[i0+q·mr+i, p0+p]), and
// the rows past the end of the block are zero.
func packA(dst []float32, a Matrix, trans bool, i0, mc, p0, kc, mr int) {
	for q := 0; q < mc; q += mr {
		rows := min(mr, mc-q)
		panel := dst[q*kc : (q+mr)*kc]
		if !trans {
			// op(a)[i, p] = a.Data[i·stride + p]: a transpose.
			// The rows past the block are zeroed with it.
			packTransposed(panel, mr, a.Data[(i0+q)*a.Stride+p0:], a.Stride, rows, kc)
			continue
		}
		// op(a)[i, p] = a.Data[p·stride + i]: each column of op(a) is a
		// contiguous run of a's row.
		for p := 0; p < kc; p++ {
			copyRun(panel[p*mr:], a.Data[(p0+p)*a.Stride+i0+q:], rows)
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packARows copies the block rows [i0,i0+mc) × columns [p0,p0+kc) of a
// NoTrans a into dst as micro-panels of mr rows stored row by row:
// dst[q·kc + i·kc + p] = a[i0+q+i, p0+p], rows past the block zero.
func packARows(dst []float32, a Matrix, i0, mc, p0, kc, mr int) {
	for i := 0; i < roundUp(mc, mr); i++ {
		row := dst[i*kc : (i+1)*kc]
		if i < mc {
			copy(row, a.Data[(i0+i)*a.Stride+p0:][:kc])
		} else {
			clear(row)
		}
	}
}

// packB copies rows [p0,p0+kc) × columns [j0,j0+nc) of op(b) into dst as
// micro-panels of nr columns: dst[q·kc + p·nr + j] = op(b)[p0+p, j0+q+j],
// zero past the last column.
func packB(dst []float32, b Matrix, trans bool, p0, kc, j0, nc, nr int) {
	for q := 0; q < nc; q += nr {
		cols := min(nr, nc-q)
		panel := dst[q*kc : (q+nr)*kc]
		if trans {
			// op(b)[p, j] = b.Data[j·stride + p]: a transpose, the columns
			// past the panel zeroed with it.
			packTransposed(panel, nr, b.Data[(j0+q)*b.Stride+p0:], b.Stride, cols, kc)
			continue
		}
		// op(b)[p, j] = b.Data[p·stride + j]: rows copy straight in.
		for p := 0; p < kc; p++ {
			copy(panel[p*nr:p*nr+cols], b.Data[(p0+p)*b.Stride+j0+q:][:cols])
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// packTransposedGeneric writes dst[p·w + j] = src[j·stride + p] for j <
// cols and p < kc, and zero for cols ≤ j < w: cols runs of kc contiguous
// values become kc rows of width w. It moves 4×4 blocks at a time, so
// each bounds check covers 4 values.
func packTransposedGeneric(dst []float32, w int, src []float32, stride, cols, kc int) {
	if cols < w {
		for p := 0; p < kc; p++ {
			clear(dst[p*w+cols : p*w+w])
		}
	}
	j := 0
	for ; j+4 <= cols; j += 4 {
		r0 := src[j*stride:][:kc]
		r1 := src[(j+1)*stride:][:kc]
		r2 := src[(j+2)*stride:][:kc]
		r3 := src[(j+3)*stride:][:kc]
		p := 0
		for ; p+4 <= kc; p += 4 {
			x0 := r0[p : p+4 : p+4]
			x1 := r1[p : p+4 : p+4]
			x2 := r2[p : p+4 : p+4]
			x3 := r3[p : p+4 : p+4]
			o := dst[p*w+j:]
			o0 := o[:4:4]
			o1 := o[w : w+4 : w+4]
			o2 := o[2*w : 2*w+4 : 2*w+4]
			o3 := o[3*w : 3*w+4 : 3*w+4]
			o0[0], o0[1], o0[2], o0[3] = x0[0], x1[0], x2[0], x3[0]
			o1[0], o1[1], o1[2], o1[3] = x0[1], x1[1], x2[1], x3[1]
			o2[0], o2[1], o2[2], o2[3] = x0[2], x1[2], x2[2], x3[2]
			o3[0], o3[1], o3[2], o3[3] = x0[3], x1[3], x2[3], x3[3]
		}
		for ; p < kc; p++ {
			o := dst[p*w+j : p*w+j+4 : p*w+j+4]
			o[0], o[1], o[2], o[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; j < cols; j++ {
		r := src[j*stride:][:kc]
		for p, v := range r {
			dst[p*w+j] = v
		}
	}
}

// copyRun copies n values from src to dst. The tile widths get
// fixed-size array copies, which compile to a few vector moves where
// copy would call memmove for a few dozen bytes.
func copyRun(dst, src []float32, n int) {
	switch n {
	case 4:
		*(*[4]float32)(dst) = *(*[4]float32)(src)
	case 6:
		*(*[6]float32)(dst) = *(*[6]float32)(src)
	case 8:
		*(*[8]float32)(dst) = *(*[8]float32)(src)
	case 14:
		*(*[14]float32)(dst) = *(*[14]float32)(src)
	default:
		copy(dst[:n], src[:n])
	}
}
