package onnx

import "fmt"

// Data movement planned as an index map: the operators that only move
// elements (Transpose, Slice, Pad, Expand, Split, Concat) compute, while
// planning, for every output element the index of the input element it
// copies (−1 for a padding value), so that Run is one gather loop.

// maxIndex bounds the elements an index map may address (int32 indices).
const maxIndex = 1<<31 - 1

// indexCopy returns the kernel dst[i] = src[idx[i]], or, where idx[i] < 0,
// the value of fill (a one-element tensor read at run time; nil for zero).
//
// A map made mostly of long runs of consecutive indices (a Slice along an
// outer axis, Concat, the middle of a Pad) is copied run by run instead.
func indexCopy(dst, src *Tensor, idx []int32, fill *Tensor) func() error {
	rs := runsOf(idx)
	if src.DType.storage() == storeFloat {
		return func() error {
			var f float32
			if fill != nil {
				f = fill.Float[0]
			}
			if rs != nil {
				copyRuns(dst.Float, src.Float, rs, f)
			} else {
				gather(dst.Float, src.Float, idx, f)
			}
			return nil
		}
	}
	return func() error {
		var f int64
		if fill != nil {
			f = fill.Int[0]
		}
		if rs != nil {
			copyRuns(dst.Int, src.Int, rs, f)
		} else {
			gather(dst.Int, src.Int, idx, f)
		}
		return nil
	}
}

// indexRun is a run of an index map: n elements from dst[at] on are
// src[from], src[from+1], …, or the fill value when from < 0.
type indexRun struct{ at, from, n int32 }

// minRun is the mean run length from which copyRuns beats gather.
const minRun = 16

// runsOf splits idx into runs of consecutive indices (and of fills), or
// returns nil when their mean length is under minRun.
func runsOf(idx []int32) []indexRun {
	n := 0
	for i := range idx {
		if i == 0 || !continues(idx[i-1], idx[i]) {
			if n++; n*minRun > len(idx) {
				return nil
			}
		}
	}
	rs := make([]indexRun, 0, n)
	for i := range idx {
		if i == 0 || !continues(idx[i-1], idx[i]) {
			rs = append(rs, indexRun{at: int32(i), from: max(idx[i], -1)})
		}
		rs[len(rs)-1].n++
	}
	return rs
}

// continues reports whether index j may follow i in one run.
func continues(i, j int32) bool { return (i < 0 && j < 0) || (i >= 0 && j == i+1) }

func copyRuns[T float32 | int64](d, s []T, rs []indexRun, fill T) {
	for _, r := range rs {
		dr := d[r.at : r.at+r.n]
		if r.from < 0 {
			for i := range dr {
				dr[i] = fill
			}
			continue
		}
		copy(dr, s[r.from:r.from+r.n])
	}
}

func gather[T float32 | int64](d, s []T, idx []int32, fill T) {
	for i, j := range idx {
		if j >= 0 {
			d[i] = s[j]
		} else {
			d[i] = fill
		}
	}
}

// mappedOutput declares output 0 of type x.DType and shape dims, computed
// by the index map src (see mapIndex) from x, fill where src gives −1.
func mappedOutput(c *nodeCtx, x *Tensor, dims []int, fill *Tensor, src func(coord []int) int) (func() error, error) {
	y, err := c.output(0, x.DType, dims)
	if err != nil {
		return nil, err
	}
	idx, err := mapIndex(c, dims, src)
	if err != nil {
		return nil, err
	}
	return indexCopy(y, x, idx, fill), nil
}

// strides returns the row-major strides of dims.
func strides(dims []int) []int {
	s := make([]int, len(dims))
	n := 1
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = n
		n *= dims[i]
	}
	return s
}

// mapIndex builds the index map of an output of shape out: src gives, for
// an output coordinate, the input's flat index (or −1). The map is charged
// to the element budget.
func mapIndex(c *nodeCtx, out []int, src func(coord []int) int) ([]int32, error) {
	n := numElements(out)
	if n > maxIndex {
		return nil, fmt.Errorf("%w: %d elements exceed the index range", ErrLimit, n)
	}
	idx, err := scratch[int32](c, n)
	if err != nil {
		return nil, err
	}
	coord := make([]int, len(out))
	for i := range idx {
		idx[i] = int32(src(coord))
		for k := len(out) - 1; k >= 0; k-- {
			coord[k]++
			if coord[k] < out[k] {
				break
			}
			coord[k] = 0
		}
	}
	return idx, nil
}

// copyTensor copies src's values into dst (same storage and length).
func copyTensor(dst, src *Tensor) {
	copy(dst.Float, src.Float)
	copy(dst.Int, src.Int)
}
