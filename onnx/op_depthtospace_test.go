package onnx_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// DepthToSpace and SpaceToDepth on integers (the backend tests cover
// float32): a hand-checked CRD example, SpaceToDepth inverted by DCR, and
// the refusals.

func TestDepthToSpace(t *testing.T) {
	// 1×4×1×2, blocksize 2: CRD puts channel c·4 + i·2 + j at row i,
	// column w·2 + j; DCR channel (i·2 + j)·1 + c.
	x := it(onnx.Int64, []int{1, 4, 1, 2}, 0, 1, 10, 11, 20, 21, 30, 31)
	for _, mode := range []string{"CRD", "DCR"} {
		out, err := runOp(t, 13, "DepthToSpace", 1, []pb{attrInt("blocksize", 2), attrStr("mode", mode)}, arg{t: x})
		require.NoError(t, err)
		require.Equal(t, []int{1, 1, 2, 4}, out[0].Dims)
		// with one output channel, CRD and DCR agree
		require.Equal(t, []int64{0, 10, 1, 11, 20, 30, 21, 31}, out[0].Int, mode)
	}
	// two output channels: the modes differ
	x = it(onnx.Int32, []int{1, 8, 1, 1}, 0, 1, 2, 3, 4, 5, 6, 7)
	out, err := runOp(t, 13, "DepthToSpace", 1, []pb{attrInt("blocksize", 2), attrStr("mode", "CRD")}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7}, out[0].Int)
	out, err = runOp(t, 13, "DepthToSpace", 1, []pb{attrInt("blocksize", 2)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int64{0, 2, 4, 6, 1, 3, 5, 7}, out[0].Int)

	// SpaceToDepth, then DepthToSpace DCR (opset 1: no mode) gives X back.
	v := make([]int64, 2*3*4*6)
	for i := range v {
		v[i] = int64(i)
	}
	x = it(onnx.Int64, []int{2, 3, 4, 6}, v...)
	s2d, err := runOp(t, 1, "SpaceToDepth", 1, []pb{attrInt("blocksize", 2)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int{2, 12, 2, 3}, s2d[0].Dims)
	back, err := runOp(t, 1, "DepthToSpace", 1, []pb{attrInt("blocksize", 2), attrStr("mode", "CRD")}, arg{t: s2d[0]})
	require.NoError(t, err)
	require.Equal(t, v, back[0].Int)

	for _, c := range []struct {
		name  string
		op    string
		x     *onnx.Tensor
		attrs []pb
		want  error
	}{
		{"no blocksize", "DepthToSpace", x, nil, onnx.ErrShape},
		{"zero blocksize", "DepthToSpace", x, []pb{attrInt("blocksize", 0)}, onnx.ErrShape},
		{"huge blocksize", "SpaceToDepth", x, []pb{attrInt("blocksize", 1<<40)}, onnx.ErrShape},
		{"channels not a multiple", "DepthToSpace", x, []pb{attrInt("blocksize", 2)}, onnx.ErrShape},
		{"height not a multiple", "SpaceToDepth", x, []pb{attrInt("blocksize", 3)}, onnx.ErrShape},
		{"rank 3", "SpaceToDepth", it(onnx.Int64, []int{1, 2, 2}, 1, 2, 3, 4), []pb{attrInt("blocksize", 2)}, onnx.ErrShape},
		{"unknown mode", "DepthToSpace", it(onnx.Int64, []int{1, 4, 1, 1}, 1, 2, 3, 4), []pb{attrInt("blocksize", 2), attrStr("mode", "RCD")}, onnx.ErrUnsupported},
	} {
		_, err := runOp(t, 13, c.op, 1, c.attrs, arg{t: c.x})
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
}
