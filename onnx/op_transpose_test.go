package onnx_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestTransposeBlocks: Transposes that keep their last axes in place (the
// block copies of transposeBlocks, blocks of 16 elements or more) and
// those that do not (the index map), FLOAT and INT64, against the
// transpose computed element by element here.
func TestTransposeBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 150 {
		rank := 2 + r.IntN(4)
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = 1 + r.IntN(5)
		}
		keep := r.IntN(rank) // the last keep axes stay in place
		perm := r.Perm(rank - keep)
		for i := rank - keep; i < rank; i++ {
			perm = append(perm, i)
		}
		if keep > 0 && r.IntN(2) == 0 {
			dims[rank-1] = 16 + r.IntN(20)
		}
		dt := onnx.Float
		if trial%3 == 0 {
			dt = onnx.Int64
		}
		p64 := make([]int64, rank)
		out := make([]int64, rank)
		in := make([]int64, rank)
		for i, p := range perm {
			p64[i], out[i] = int64(p), int64(dims[p])
		}
		for i, d := range dims {
			in[i] = int64(d)
		}
		x, y := runMover(t, node("Transpose", []string{"x"}, []string{"y"}, attrInts("perm", p64...)), nil, dt, in)
		n := len(x.Float) + len(x.Int)
		ist := make([]int, rank)
		for i, acc := rank-1, 1; i >= 0; i-- {
			ist[i], acc = acc, acc*dims[i]
		}
		coord := make([]int, rank)
		wantF, wantI := make([]float32, 0, n), make([]int64, 0, n)
		for range n {
			from := 0
			for i, p := range perm {
				from += coord[i] * ist[p]
			}
			if dt == onnx.Float {
				wantF = append(wantF, x.Float[from])
			} else {
				wantI = append(wantI, x.Int[from])
			}
			for i := rank - 1; i >= 0; i-- {
				if coord[i]++; coord[i] < int(out[i]) {
					break
				}
				coord[i] = 0
			}
		}
		if dt == onnx.Float {
			require.Equal(t, wantF, y.Float, "dims %v perm %v", dims, perm)
		} else {
			require.Equal(t, wantI, y.Int, "dims %v perm %v", dims, perm)
		}
	}
}

// TestSliceBlocks: Slices whose last axes are taken whole at step 1 (the
// block copies of stridedBlocks) and others (steps ≠ 1, negative steps,
// partial last axes: the index map), against the slice computed element
// by element here.
func TestSliceBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 150 {
		rank := 1 + r.IntN(4)
		dims := make([]int64, rank)
		for i := range dims {
			dims[i] = int64(1 + r.IntN(6))
		}
		if r.IntN(2) == 0 {
			dims[rank-1] = int64(16 + r.IntN(24))
		}
		starts, ends, steps, axes := make([]int64, rank), make([]int64, rank), make([]int64, rank), make([]int64, rank)
		begin, step, out := make([]int, rank), make([]int, rank), make([]int, rank)
		for a := range rank {
			d := dims[a]
			axes[a] = int64(a)
			s := int64(1)
			if r.IntN(3) == 0 {
				s = int64(r.IntN(5) - 2)
				if s == 0 {
					s = 1
				}
			}
			if s > 0 {
				b := int64(r.IntN(int(d)))
				if a >= rank-1-r.IntN(2) && r.IntN(2) == 0 {
					b = 0 // the whole axis, often
				}
				e := b + int64(r.IntN(int(d-b)+1))
				if b == 0 && r.IntN(2) == 0 {
					e = d
				}
				starts[a], ends[a], steps[a] = b, e, s
				begin[a], step[a], out[a] = int(b), int(s), int((e-b+s-1)/s)
			} else {
				b := int64(r.IntN(int(d)))
				e := int64(r.IntN(int(b)+1)) - 1
				starts[a], ends[a], steps[a] = b, e, s
				if e < 0 {
					ends[a] = -d - 1 // past the beginning
				}
				begin[a], step[a], out[a] = int(b), int(s), int((b-e-s-1)/(-s))
			}
		}
		dt := onnx.Float
		if trial%3 == 0 {
			dt = onnx.Int64
		}
		x, y := runMover(t, node("Slice", []string{"x", "s", "e", "a", "p"}, []string{"y"}),
			[]pb{intTensor("s", onnx.Int64, []int64{int64(rank)}, starts...), intTensor("e", onnx.Int64, []int64{int64(rank)}, ends...),
				intTensor("a", onnx.Int64, []int64{int64(rank)}, axes...), intTensor("p", onnx.Int64, []int64{int64(rank)}, steps...)},
			dt, dims)
		ist := make([]int, rank)
		for i, acc := rank-1, 1; i >= 0; i-- {
			ist[i], acc = acc, acc*int(dims[i])
		}
		total := 1
		for _, o := range out {
			total *= o
		}
		coord := make([]int, rank)
		var wantF []float32
		var wantI []int64
		for range total {
			from := 0
			for i, c := range coord {
				from += (begin[i] + c*step[i]) * ist[i]
			}
			if dt == onnx.Float {
				wantF = append(wantF, x.Float[from])
			} else {
				wantI = append(wantI, x.Int[from])
			}
			for i := rank - 1; i >= 0; i-- {
				if coord[i]++; coord[i] < out[i] {
					break
				}
				coord[i] = 0
			}
		}
		msg := []any{"dims %v starts %v ends %v steps %v", dims, starts, ends, steps}
		if dt == onnx.Float {
			require.Equal(t, len(wantF), len(y.Float), msg...)
			if total > 0 {
				require.Equal(t, wantF, y.Float, msg...)
			}
		} else {
			require.Equal(t, len(wantI), len(y.Int), msg...)
			if total > 0 {
				require.Equal(t, wantI, y.Int, msg...)
			}
		}
	}
}

// runMover plans the one data-movement node n (input x of type dt and
// shape dims, output y) with the initializers, fills x with distinct
// values (i + 0.5, or 7i − 3) and runs it.
func runMover(t *testing.T, n pb, inits []pb, dt onnx.DataType, dims []int64) (x, y *onnx.Tensor) {
	t.Helper()
	spec := graphSpec{nodes: []pb{n}, inits: inits, inputs: []pb{valueInfo("x", dt, dims...)}, outputs: []pb{pb{}.str(1, "y")}}
	m, err := onnx.Parse(model(13, graph("g", spec)))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	x = s.Input("x")
	for i := range x.Float {
		x.Float[i] = float32(i) + 0.5
	}
	for i := range x.Int {
		x.Int[i] = int64(i)*7 - 3
	}
	require.NoError(t, s.Run())
	return x, s.Output("y")
}
