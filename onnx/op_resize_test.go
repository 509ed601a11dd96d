package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// Resize and Upsample cases the ONNX backend tests (run in
// TestConformance) do not reach: other types in mode nearest, opset 18's
// axes and keep_aspect_ratio_policy, Upsample's attribute scales, an Inf
// beside the sampled position, and the refusals of hostile scales, sizes
// and attributes.

func attrFs(name string, vs ...float32) pb {
	b := pb{}.str(1, name).varint(20, 6)
	for _, v := range vs {
		b = b.fixed32(7, math.Float32bits(v))
	}
	return b
}

// resizeArgs are Resize's inputs X, roi (none), scales and sizes, the
// last two initializers when given.
func resizeArgs(x *onnx.Tensor, scales []float32, sizes []int64) []arg {
	args := []arg{{t: x}, {}}
	if scales != nil {
		args = append(args, arg{t: ft([]int{len(scales)}, scales...), init: true})
	} else {
		args = append(args, arg{})
	}
	if sizes != nil {
		args = append(args, arg{t: it(onnx.Int64, []int{len(sizes)}, sizes...), init: true})
	}
	return args
}

func TestResizeNearestTypes(t *testing.T) {
	// nearest on integers: an index map, any type a session holds
	x := it(onnx.Int64, []int{1, 2, 2}, 1, 2, 3, 4)
	out, err := runOp(t, 13, "Resize", 1, []pb{attrStr("mode", "nearest")}, resizeArgs(x, []float32{1, 2, 1.5}, nil)...)
	require.NoError(t, err)
	require.Equal(t, []int{1, 4, 3}, out[0].Dims)
	// half_pixel, round_prefer_floor: rows at −0.25, 0.25, 0.75, 1.25
	// (0 0 1 1), columns at −1/6, 0.5, 7/6 (0 0 1: a tie rounds down)
	require.Equal(t, []int64{1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4}, out[0].Int)

	x8 := it(onnx.Uint8, []int{1, 3}, 10, 20, 30)
	out, err = runOp(t, 13, "Resize", 1, []pb{attrStr("coordinate_transformation_mode", "asymmetric"), attrStr("nearest_mode", "floor")}, resizeArgs(x8, nil, []int64{1, 6})...)
	require.NoError(t, err)
	require.Equal(t, []int64{10, 10, 20, 20, 30, 30}, out[0].Int)

	// linear and cubic take float32 only
	_, err = runOp(t, 13, "Resize", 1, []pb{attrStr("mode", "linear")}, resizeArgs(x, []float32{1, 2, 2}, nil)...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.Contains(t, err.Error(), "data type")
}

func TestResizeOpset18(t *testing.T) {
	x := ft([]int{1, 2, 4}, 0, 1, 2, 3, 4, 5, 6, 7)
	// axes: sizes for the last axis only, linear, align_corners
	out, err := runOp(t, 18, "Resize", 1, []pb{attrStr("mode", "linear"), attrStr("coordinate_transformation_mode", "align_corners"), attrInts("axes", -1)},
		resizeArgs(x, nil, []int64{7})...)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 7}, out[0].Dims)
	requireClose(t, []float32{0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 4.5, 5, 5.5, 6, 6.5, 7}, out[0].Float, "axes")

	// keep_aspect_ratio_policy: sizes 4×2 on axes 1, 2 (ratios 2 and 0.5)
	for policy, want := range map[string][]int{"stretch": {1, 4, 2}, "not_larger": {1, 1, 2}, "not_smaller": {1, 4, 8}} {
		out, err = runOp(t, 18, "Resize", 1, []pb{attrInts("axes", 1, 2), attrStr("keep_aspect_ratio_policy", policy)}, resizeArgs(x, nil, []int64{4, 2})...)
		require.NoError(t, err, policy)
		require.Equal(t, want, out[0].Dims, policy)
	}

	// half_pixel_symmetric exists from opset 19, tf_half_pixel_for_nn
	// until opset 17
	_, err = runOp(t, 18, "Resize", 1, []pb{attrStr("coordinate_transformation_mode", "half_pixel_symmetric")}, resizeArgs(x, []float32{1, 1, 2}, nil)...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = runOp(t, 19, "Resize", 1, []pb{attrStr("coordinate_transformation_mode", "half_pixel_symmetric")}, resizeArgs(x, []float32{1, 1, 2}, nil)...)
	require.NoError(t, err)
	_, err = runOp(t, 18, "Resize", 1, []pb{attrStr("coordinate_transformation_mode", "tf_half_pixel_for_nn")}, resizeArgs(x, []float32{1, 1, 2}, nil)...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}

func TestResizeInfNeighbour(t *testing.T) {
	// Linear, asymmetric, scale 2: output 0 lies exactly on input 0, so
	// the Inf beside it (weight 0) is not read; output 1 lies between.
	inf := float32(math.Inf(1))
	out, err := runOp(t, 13, "Resize", 1, []pb{attrStr("mode", "linear"), attrStr("coordinate_transformation_mode", "asymmetric")},
		resizeArgs(ft([]int{3}, 1, inf, 3), []float32{2}, nil)...)
	require.NoError(t, err)
	require.Equal(t, []float32{1, inf, inf, inf, 3, 3}, out[0].Float)
}

func TestUpsample(t *testing.T) {
	x := ft([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	// opset 7: scales is an attribute
	out, err := runOp(t, 7, "Upsample", 1, []pb{attrFs("scales", 1, 1, 2, 1.5)}, arg{t: x})
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 4, 3}, out[0].Dims)
	require.Equal(t, []float32{1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4}, out[0].Float)
	// opset 9: an input; linear is asymmetric, clamped at the end
	out, err = runOp(t, 9, "Upsample", 1, []pb{attrStr("mode", "linear")}, arg{t: ft([]int{2}, 1, 3)}, arg{t: ft([]int{1}, 2), init: true})
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2, 3, 3}, out[0].Float)

	for _, c := range []struct {
		name  string
		opset int64
		attrs []pb
		want  error
	}{
		{"deprecated", 10, []pb{attrFs("scales", 1, 1, 2, 2)}, onnx.ErrUnsupported},
		{"no scales", 7, nil, onnx.ErrShape},
		{"scales under 1", 7, []pb{attrFs("scales", 1, 1, 0.5, 2)}, onnx.ErrShape},
		{"NaN scales", 7, []pb{attrFs("scales", 1, 1, float32(math.NaN()), 2)}, onnx.ErrShape},
		{"Inf scales", 7, []pb{attrFs("scales", 1, 1, float32(math.Inf(1)), 2)}, onnx.ErrShape},
		{"scales of the wrong count", 7, []pb{attrFs("scales", 2, 2)}, onnx.ErrShape},
		{"huge scales", 7, []pb{attrFs("scales", 1, 1, 1e30, 1)}, onnx.ErrLimit},
		{"bilinear", 7, []pb{attrFs("scales", 1, 1, 2, 2), attrStr("mode", "bilinear")}, onnx.ErrUnsupported},
	} {
		_, err := runOp(t, c.opset, "Upsample", 1, c.attrs, arg{t: x})
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
}

func TestResizeRefuses(t *testing.T) {
	x := ft([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		name   string
		attrs  []pb
		scales []float32
		sizes  []int64
		want   error
	}{
		{"zero scale", nil, []float32{1, 1, 0, 2}, nil, onnx.ErrShape},
		{"negative scale", nil, []float32{1, 1, -2, 2}, nil, onnx.ErrShape},
		{"NaN scale", nil, []float32{1, 1, nan, 2}, nil, onnx.ErrShape},
		{"Inf scale", nil, []float32{1, 1, inf, 2}, nil, onnx.ErrShape},
		{"scales of the wrong count", nil, []float32{2, 2}, nil, onnx.ErrShape},
		{"huge scale", nil, []float32{1, 1, 1e30, 1}, nil, onnx.ErrLimit},
		// 2^31·2^31 output elements: within the tensors' range, past the budget
		{"huge output", nil, []float32{1, 1, 1 << 30, 1 << 30}, nil, onnx.ErrLimit},
		{"huge output, cubic", []pb{attrStr("mode", "cubic")}, []float32{1, 1, 1 << 30, 1 << 30}, nil, onnx.ErrLimit},
		{"negative size", nil, nil, []int64{1, 1, -1, 2}, onnx.ErrShape},
		{"size past any tensor", nil, nil, []int64{1, 1, 1 << 50, 2}, onnx.ErrShape},
		{"huge sizes", []pb{attrStr("mode", "linear")}, nil, []int64{1, 1, 1 << 30, 1 << 30}, onnx.ErrLimit},
		{"sizes of the wrong count", nil, nil, []int64{4, 4}, onnx.ErrShape},
		{"scales and sizes", nil, []float32{1, 1, 2, 2}, []int64{1, 1, 4, 4}, onnx.ErrShape},
		{"neither scales nor sizes", nil, nil, nil, onnx.ErrShape},
		{"unknown mode", []pb{attrStr("mode", "area")}, []float32{1, 1, 2, 2}, nil, onnx.ErrUnsupported},
		{"unknown nearest_mode", []pb{attrStr("nearest_mode", "round")}, []float32{1, 1, 2, 2}, nil, onnx.ErrUnsupported},
		{"unknown coordinate mode", []pb{attrStr("coordinate_transformation_mode", "centre")}, []float32{1, 1, 2, 2}, nil, onnx.ErrUnsupported},
		{"tf_crop_and_resize without roi", []pb{attrStr("coordinate_transformation_mode", "tf_crop_and_resize")}, []float32{1, 1, 2, 2}, nil, onnx.ErrShape},
	} {
		_, err := runOp(t, 13, "Resize", 1, c.attrs, resizeArgs(x, c.scales, c.sizes)...)
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	// opset 18's attributes
	for _, c := range []struct {
		name  string
		attrs []pb
		want  error
	}{
		{"repeated axes", []pb{attrInts("axes", 2, -2)}, onnx.ErrShape},
		{"axis out of range", []pb{attrInts("axes", 4, 3)}, onnx.ErrShape},
		{"unknown keep_aspect_ratio_policy", []pb{attrInts("axes", 2, 3), attrStr("keep_aspect_ratio_policy", "fit")}, onnx.ErrUnsupported},
	} {
		_, err := runOp(t, 18, "Resize", 1, c.attrs, resizeArgs(x, nil, []int64{4, 4})...)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	// the scales must be known while planning
	_, err := runOp(t, 13, "Resize", 1, nil, arg{t: x}, arg{}, arg{t: ft([]int{4}, 1, 1, 2, 2)})
	require.ErrorIs(t, err, onnx.ErrValueDependent)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	// roi of the wrong count
	_, err = runOp(t, 13, "Resize", 1, []pb{attrStr("coordinate_transformation_mode", "tf_crop_and_resize")},
		arg{t: x}, arg{t: ft([]int{2}, 0, 1), init: true}, arg{t: ft([]int{4}, 1, 1, 2, 2), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
	// nothing to interpolate from
	_, err = runOp(t, 13, "Resize", 1, nil, resizeArgs(ft([]int{1, 0}), nil, []int64{1, 3})...)
	require.ErrorIs(t, err, onnx.ErrShape)
	// an empty output is fine
	out, err := runOp(t, 13, "Resize", 1, nil, resizeArgs(x, []float32{1, 1, 0.25, 2}, nil)...)
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 0, 4}, out[0].Dims)
}
