package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// gridSample runs GridSample of x (N×C×H×W) at the points of grid.
func gridSample(t *testing.T, opset int64, x, grid *onnx.Tensor, attrs ...pb) ([]float32, error) {
	t.Helper()
	out, err := runOp(t, opset, "GridSample", 1, attrs, arg{t: x}, arg{t: grid})
	if err != nil {
		return nil, err
	}
	return out[0].Float, nil
}

// TestGridSample: hand-derived samples of a 2×2 image [[1, 2], [3, 4]]
// for each mode, padding_mode and align_corners, bicubic on a ramp, NaN
// and infinite coordinates, and the refusals.
func TestGridSample(t *testing.T) {
	img := ft([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	pts := func(xy ...float32) *onnx.Tensor { return ft([]int{1, 1, len(xy) / 2, 2}, xy...) }
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, tc := range []struct {
		name  string
		attrs []pb
		grid  *onnx.Tensor
		want  []float32
	}{
		// Corners at the pixels' centres: the pixels, the centre's mean.
		{"bilinear align", []pb{attrInt("align_corners", 1)}, pts(-1, -1, 1, 1, 0, 0, 1, -1, 0, 1), []float32{1, 4, 2.5, 2, 3.5}},
		// Corners at the outer edges: (-1, -1) is the corner of pixel
		// (0, 0), a quarter of it, the rest outside (zeros).
		{"bilinear zeros", nil, pts(-1, -1, 0, 0, 3, 0), []float32{0.25, 2.5, 0}},
		{"bilinear border", []pb{attrStr("padding_mode", "border")}, pts(-1, -1, 3, 0, inf, -inf), []float32{1, 3, 2}},
		// x = -1.5 is pixel coordinate -1, reflected at -0.5 to 0; y = 0
		// is 0.5, between the rows. x = 2.5 is 3, reflected at 1.5 and
		// then at -0.5 to 0.
		{"bilinear reflection", []pb{attrStr("padding_mode", "reflection")}, pts(-1.5, 0, 2.5, -1), []float32{2, 1}},
		// x = 2 is 1.5, reflected at 1 to 0.5; x = -3 is -1, reflected at
		// 0 to 1.
		{"bilinear reflection align", []pb{attrStr("padding_mode", "reflection"), attrInt("align_corners", 1)},
			pts(2, -1, -3, 1), []float32{1.5, 4}},
		// 0.5 and 0.75 round to 0 and 1 (ties to even).
		{"nearest", []pb{attrStr("mode", "nearest"), attrInt("align_corners", 1)}, pts(0, 0, 0.5, 0.5, 2, 2), []float32{1, 4, 0}},
		{"nearest border", []pb{attrStr("mode", "nearest"), attrStr("padding_mode", "border")}, pts(5, -5), []float32{2}},
		{"bicubic pixels", []pb{attrStr("mode", "bicubic"), attrInt("align_corners", 1)}, pts(-1, -1, 1, 1, 1, -1), []float32{1, 4, 2}},
		{"nan", nil, pts(nan, 0, 0, nan), []float32{nan, nan}},
		{"inf zeros", []pb{attrStr("padding_mode", "reflection")}, pts(inf, 0, 0, -inf), []float32{0, 0}},
	} {
		got, err := gridSample(t, 16, img, tc.grid, tc.attrs...)
		require.NoError(t, err, tc.name)
		require.Len(t, got, len(tc.want), tc.name)
		for i, w := range tc.want {
			if w != w {
				require.True(t, got[i] != got[i], "%s: point %d: %g, want NaN", tc.name, i, got[i])
				continue
			}
			require.InDelta(t, w, got[i], 1e-6, "%s: point %d", tc.name, i)
		}
	}

	// Bicubic on a ramp X[y, x] = x + 10·y (4×4) at pixel coordinates
	// (1.5, 1.25) and (1.75, 2): the 4 taps' weights at fraction 0.5 are
	// (-3, 19, 19, -3)/32, whose mean position is 1.5; at 0.25 they are
	// (-0.10546875, 0.87890625, 0.26171875, -0.03515625), mean position
	// 1.296875 (and at 0.75 the same reversed, 1.703125); at 0 the pixel.
	ramp := make([]float32, 16)
	for i := range ramp {
		ramp[i] = float32(i%4 + 10*(i/4))
	}
	norm := func(p float32) float32 { return p/3*2 - 1 } // align_corners
	got, err := gridSample(t, 20, ft([]int{1, 1, 4, 4}, ramp...), pts(norm(1.5), norm(1.25), norm(1.75), norm(2)),
		attrStr("mode", "cubic"), attrInt("align_corners", 1))
	require.NoError(t, err)
	require.InDeltaSlice(t, []float32{1.5 + 12.96875, 1.703125 + 20}, got, 1e-5)

	// Channels and batch: each batch's own points, each channel sampled.
	x := ft([]int{2, 2, 1, 2}, 1, 2, 10, 20, 3, 4, 30, 40)
	got, err = gridSample(t, 16, x, ft([]int{2, 1, 1, 2}, -1, 0, 1, 0), attrInt("align_corners", 1))
	require.NoError(t, err)
	require.Equal(t, []float32{1, 10, 4, 40}, got)

	for _, tc := range []struct {
		opset int64
		attrs []pb
		x     *onnx.Tensor
		err   error
	}{
		{16, []pb{attrStr("mode", "linear")}, img, onnx.ErrUnsupported},
		{20, []pb{attrStr("mode", "bilinear")}, img, onnx.ErrUnsupported},
		{16, []pb{attrStr("padding_mode", "wrap")}, img, onnx.ErrUnsupported},
		{16, []pb{attrInt("align_corners", 2)}, img, onnx.ErrUnsupported},
		{20, nil, ft([]int{1, 1, 1, 2, 2}, 1, 2, 3, 4), onnx.ErrUnsupported},
		{16, nil, ft([]int{2, 2}, 1, 2, 3, 4), onnx.ErrShape},
	} {
		_, err := gridSample(t, tc.opset, tc.x, pts(0, 0), tc.attrs...)
		require.ErrorIs(t, err, tc.err, "opset %d %v", tc.opset, tc.x.Dims)
		require.Contains(t, err.Error(), "GridSample")
	}
	_, err = gridSample(t, 15, img, pts(0, 0))
	require.ErrorIs(t, err, onnx.ErrUnsupported, "GridSample is opset 16")
}
