package onnx_test

import (
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// topK runs TopK (opset 11) on x with k as an initializer.
func topK(t *testing.T, x *onnx.Tensor, k int64, attrs ...pb) (values, indices *onnx.Tensor, err error) {
	t.Helper()
	out, err := runOp(t, 11, "TopK", 2, attrs, arg{t: x}, arg{t: it(onnx.Int64, []int{1}, k), init: true})
	if err != nil {
		return nil, nil, err
	}
	return out[0], out[1], nil
}

func TestTopKTies(t *testing.T) {
	x := ft([]int{5}, 1, 3, 3, 2, 3)
	v, i, err := topK(t, x, 3)
	require.NoError(t, err)
	require.Equal(t, []float32{3, 3, 3}, v.Float)
	require.Equal(t, []int64{1, 2, 4}, i.Int, "equal values in index order")
	v, i, err = topK(t, x, 2, attrInt("largest", 0))
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2}, v.Float)
	require.Equal(t, []int64{0, 3}, i.Int)
	// k = 0: empty outputs.
	v, i, err = topK(t, x, 0)
	require.NoError(t, err)
	require.Equal(t, []int{0}, v.Dims)
	require.Empty(t, i.Int)
	// Integers, along axis 0.
	xi := it(onnx.Int32, []int{3, 2}, 5, -1, 7, -1, 5, 0)
	v, i, err = topK(t, xi, 2, attrInt("axis", 0))
	require.NoError(t, err)
	require.Equal(t, []int{2, 2}, v.Dims)
	require.Equal(t, []int64{7, 0, 5, -1}, v.Int)
	require.Equal(t, []int64{1, 2, 0, 0}, i.Int)
}

// TestTopKNaN: NaN ranks above every number, +Inf included: first among
// the largest, last among the smallest; NaNs among themselves in index
// order.
func TestTopKNaN(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	x := ft([]int{5}, 1, nan, inf, nan, -inf)
	v, i, err := topK(t, x, 4)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 3, 2, 0}, i.Int)
	require.True(t, math.IsNaN(float64(v.Float[0])) && math.IsNaN(float64(v.Float[1])))
	require.Equal(t, []float32{inf, 1}, v.Float[2:])
	_, i, err = topK(t, x, 4, attrInt("largest", 0))
	require.NoError(t, err)
	require.Equal(t, []int64{4, 0, 2, 1}, i.Int)
}

// TestTopKSorted holds TopK to a stable sort of each line, along every
// axis and for every k, on values with many ties.
func TestTopKSorted(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	dims := []int{3, 4, 5}
	x := ft(dims)
	for range 60 {
		x.Float = append(x.Float, float32(rng.Intn(5)))
	}
	for axis := range dims {
		for k := 0; k <= dims[axis]; k++ {
			for _, largest := range []int64{0, 1} {
				v, idx, err := topK(t, x, int64(k), attrInt("axis", int64(axis-len(dims))), attrInt("largest", largest))
				require.NoError(t, err)
				want := make([]int, len(dims))
				copy(want, dims)
				want[axis] = k
				require.Equal(t, want, v.Dims)
				outer, inner, n := 1, 1, dims[axis]
				for _, d := range dims[:axis] {
					outer *= d
				}
				for _, d := range dims[axis+1:] {
					inner *= d
				}
				for o := range outer {
					for in := range inner {
						line := make([]int, n)
						for j := range line {
							line[j] = j
						}
						at := func(j int) float32 { return x.Float[(o*n+j)*inner+in] }
						sort.SliceStable(line, func(a, b int) bool {
							if largest == 1 {
								return at(line[a]) > at(line[b])
							}
							return at(line[a]) < at(line[b])
						})
						for r := range k {
							p := (o*k+r)*inner + in
							require.Equal(t, int64(line[r]), idx.Int[p], "axis %d k %d largest %d", axis, k, largest)
							require.Equal(t, at(line[r]), v.Float[p])
						}
					}
				}
			}
		}
	}
}

func TestTopKRefused(t *testing.T) {
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	_, _, err := topK(t, x, 4)
	require.ErrorIs(t, err, onnx.ErrShape, "k above the axis' size")
	_, _, err = topK(t, x, -1)
	require.ErrorIs(t, err, onnx.ErrShape, "negative k")
	_, _, err = topK(t, x, 1, attrInt("axis", 2))
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 11, "TopK", 2, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{2}, 1, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrShape, "k of two elements")
	_, err = runOp(t, 11, "TopK", 2, nil, arg{t: x}, arg{t: it(onnx.Int64, []int{1}, 1)})
	require.ErrorIs(t, err, onnx.ErrValueDependent, "k given at run time")
	// Opset 1: k is an attribute, required.
	out, err := runOp(t, 1, "TopK", 2, []pb{attrInt("k", 2)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []float32{3, 2, 6, 5}, out[0].Float)
	_, err = runOp(t, 1, "TopK", 2, []pb{attrInt("k", 1<<40)}, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 1, "TopK", 2, nil, arg{t: x})
	require.ErrorIs(t, err, onnx.ErrShape)
}
