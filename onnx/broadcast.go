package onnx

import "fmt"

// broadcastDims returns the numpy broadcast of the shapes: right-aligned,
// each dimension equal or 1.
func broadcastDims(shapes ...[]int) ([]int, error) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		for i, d := range s {
			o := &out[r-len(s)+i]
			switch {
			case d == *o || d == 1:
			case *o == 1:
				*o = d
			default:
				return nil, fmt.Errorf("%w: shapes %v do not broadcast", ErrShape, shapes)
			}
		}
	}
	return out, nil
}

// bcast is a plan to walk an output of a broadcast shape together with its
// operands: blocks of inner contiguous output elements; in block b, operand
// j starts at offs[j][b] and advances by steps[j] (1, or 0 where it is
// broadcast) per element.
type bcast struct {
	n, inner int
	steps    []int
	offs     [][]int
}

// newBcast plans the walk of out (the broadcast of ins) over ins.
func newBcast(out []int, ins ...[]int) *bcast {
	r := len(out)
	pad := make([][]int, len(ins))
	for j, s := range ins {
		p := make([]int, r)
		for i := range p {
			p[i] = 1
		}
		copy(p[r-len(s):], s)
		pad[j] = p
	}
	// The longest suffix over which every operand is either whole (its dims
	// equal out's) or broadcast (all 1): the inner contiguous block.
	full := make([]bool, len(ins))
	ones := make([]bool, len(ins))
	for j := range ins {
		full[j], ones[j] = true, true
	}
	k := r
	for k > 0 {
		ok := true
		nf, no := make([]bool, len(ins)), make([]bool, len(ins))
		for j := range ins {
			d := pad[j][k-1]
			nf[j] = full[j] && d == out[k-1]
			no[j] = ones[j] && d == 1
			ok = ok && (nf[j] || no[j])
		}
		if !ok {
			break
		}
		full, ones = nf, no
		k--
	}
	b := &bcast{n: numElements(out), inner: numElements(out[k:])}
	b.steps = make([]int, len(ins))
	for j := range ins {
		if full[j] {
			b.steps[j] = 1
		}
	}
	blocks := numElements(out[:k])
	if b.inner == 0 {
		blocks = 0
	}
	b.offs = make([][]int, len(ins))
	for j := range ins {
		strides := make([]int, r)
		s := 1
		for i := r - 1; i >= 0; i-- {
			if pad[j][i] != 1 {
				strides[i] = s
			}
			s *= pad[j][i]
		}
		offs := make([]int, blocks)
		idx := make([]int, k)
		for bi := range offs {
			o := 0
			for i := 0; i < k; i++ {
				o += idx[i] * strides[i]
			}
			offs[bi] = o
			for i := k - 1; i >= 0; i-- {
				idx[i]++
				if idx[i] < out[i] {
					break
				}
				idx[i] = 0
			}
		}
		b.offs[j] = offs
	}
	return b
}
