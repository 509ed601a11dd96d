package onnx

import (
	"fmt"
	"math"
	"slices"
)

// Resize (opset 10 on, with the attributes of opsets 11, 18 and 19) and
// Upsample (opsets 7 and 9; deprecated from opset 10, and refused there):
// every output element is interpolated
// from the input along each axis, separably. The output shape must be
// known while planning: the scales or sizes inputs (and roi, for
// tf_crop_and_resize) are constants, initializers or fixed inputs, else
// the node is refused with ErrValueDependent.
//
// Output size: floor(D·scale) per axis with scales (each finite and
// positive; at least 1 for Upsample), or sizes as given; with sizes,
// keep_aspect_ratio_policy not_larger or not_smaller (opset 18) uses the
// smallest or largest of the axes' ratios for all of them and rounds
// D·scale half up. axes (opset 18) lists the axes scales, sizes and roi
// are given for; the others keep their size.
//
// Each output coordinate x maps to an input coordinate x′ by
// coordinate_transformation_mode (scale = the axis's scale, or
// output/input with sizes; L = D·scale, the output length before
// flooring, which is what ONNX's backend tests take for align_corners):
//
//	half_pixel            (x + 0.5)/scale − 0.5 (the default)
//	half_pixel_symmetric  as half_pixel, shifted by D/2·(1 − floor(L)/L) (opset 19)
//	pytorch_half_pixel    as half_pixel, but 0 when L ≤ 1
//	align_corners         x·(D − 1)/(L − 1), 0 when L = 1
//	asymmetric            x/scale (opset 10 and Upsample always)
//	tf_half_pixel_for_nn  (x + 0.5)/scale (opsets 11 to 17)
//	tf_crop_and_resize    start·(D−1) + x·(end − start)·(D − 1)/(L − 1)
//	                      from roi; outside [0, D−1] the output is
//	                      extrapolation_value
//
// Mode nearest takes the input at x′ rounded by nearest_mode
// (round_prefer_floor, the default, round_prefer_ceil, floor or ceil;
// floor for opset 10 and Upsample, as Upsample's asymmetric scaling
// defines), clamped to the input; it works on every type a session holds,
// as an index map built while planning. Modes linear (two taps per axis:
// N-linear) and cubic (four, with cubic_coeff_a) weigh the input elements
// around x′, the taps past the edges reading the edge element, or, with
// exclude_outside, dropped and the weights renormalized; antialias
// (opset 18) stretches their filters by 1/scale when downsampling. They
// take float32 and sum in float64. Taps of weight zero are skipped (so an
// Inf beside the output's position does not make it NaN).
//
// Against hostile attributes the taps visited per run are bounded
// (resizeWork), and the tap tables are charged to the element budget.

func init() {
	register("Resize", 10, buildResize)
	register("Upsample", 7, buildUpsample)
}

// resizeWork bounds the weighted input reads of one Resize run (output
// elements times the taps of each axis).
const resizeWork = 1 << 34

// resizeSpec is what a Resize or Upsample node asks for, per axis.
type resizeSpec struct {
	mode      string // nearest, linear or cubic
	coord     string // coordinate_transformation_mode
	nearest   string // nearest_mode
	cubicA    float64
	exclude   bool // exclude_outside
	antialias bool
	ext       float32   // extrapolation_value
	scales    []float64 // per axis
	out       []int     // per axis
	roi       []float64 // starts then ends, per axis (tf_crop_and_resize)
}

func buildUpsample(c *nodeCtx) (func() error, error) {
	if c.opset >= 10 {
		return nil, c.unsupported("Upsample is deprecated from opset 10 on (use Resize)")
	}
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	var scales []float32
	if c.opset >= 9 {
		if scales, err = c.knownFloats(1, "the scales"); err != nil {
			return nil, err
		}
	} else {
		var ok bool
		if scales, ok, err = c.attrFloats("scales"); err != nil {
			return nil, err
		} else if !ok {
			return nil, c.shapeErr("Upsample without the attribute scales")
		}
	}
	s := &resizeSpec{mode: c.attrString("mode", "nearest"), coord: "asymmetric", nearest: "floor"}
	if s.mode != "nearest" && s.mode != "linear" {
		return nil, c.unsupported("attribute mode %q", s.mode)
	}
	for _, v := range scales {
		if !(v >= 1) {
			return nil, c.shapeErr("Upsample scales %v: each must be at least 1", scales)
		}
	}
	if err := s.setScales(c, x, scales, nil); err != nil {
		return nil, err
	}
	return planResize(c, x, s)
}

func buildResize(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	s := &resizeSpec{mode: c.attrString("mode", "nearest"), coord: "asymmetric", nearest: "floor"}
	if c.opset < 11 {
		if s.mode != "nearest" && s.mode != "linear" {
			return nil, c.unsupported("attribute mode %q", s.mode)
		}
		scales, err := c.knownFloats(1, "the scales")
		if err != nil {
			return nil, err
		}
		if err := s.setScales(c, x, scales, nil); err != nil {
			return nil, err
		}
		return planResize(c, x, s)
	}
	s.coord = c.attrString("coordinate_transformation_mode", "half_pixel")
	s.nearest = c.attrString("nearest_mode", "round_prefer_floor")
	s.cubicA = float64(c.attrFloat("cubic_coeff_a", -0.75))
	s.exclude = c.attrInt("exclude_outside", 0) != 0
	s.ext = c.attrFloat("extrapolation_value", 0)
	switch s.mode {
	case "nearest", "linear", "cubic":
	default:
		return nil, c.unsupported("attribute mode %q", s.mode)
	}
	switch s.nearest {
	case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
	default:
		return nil, c.unsupported("attribute nearest_mode %q", s.nearest)
	}
	switch s.coord {
	case "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize":
	case "tf_half_pixel_for_nn":
		if c.opset >= 18 {
			return nil, c.unsupported("coordinate_transformation_mode %q (removed in opset 18)", s.coord)
		}
	case "half_pixel_symmetric":
		if c.opset < 19 {
			return nil, c.unsupported("coordinate_transformation_mode %q (from opset 19 on)", s.coord)
		}
	default:
		return nil, c.unsupported("attribute coordinate_transformation_mode %q", s.coord)
	}
	r := len(x.Dims)
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	policy := "stretch"
	if c.opset >= 18 {
		s.antialias = c.attrInt("antialias", 0) != 0
		policy = c.attrString("keep_aspect_ratio_policy", "stretch")
		if a, ok, err := c.attrInts("axes"); err != nil {
			return nil, err
		} else if ok {
			if axes, err = normAxes(c, a, r); err != nil {
				return nil, err
			}
		}
	}
	switch policy {
	case "stretch", "not_larger", "not_smaller":
	default:
		return nil, c.unsupported("attribute keep_aspect_ratio_policy %q", policy)
	}
	if c.err != nil {
		return nil, c.err
	}
	given := func(i int) bool { t := c.input(i); return t != nil && numElements(t.Dims) > 0 }
	switch {
	case given(2) && given(3):
		return nil, c.shapeErr("Resize with both scales and sizes")
	case given(2):
		scales, err := c.knownFloats(2, "the scales")
		if err != nil {
			return nil, err
		}
		if err := s.setScales(c, x, scales, axes); err != nil {
			return nil, err
		}
	case given(3):
		sizes, err := c.knownInts(3, "the sizes")
		if err != nil {
			return nil, err
		}
		if err := s.setSizes(c, x, sizes, axes, policy); err != nil {
			return nil, err
		}
	default:
		return nil, c.shapeErr("Resize without scales or sizes")
	}
	if s.coord == "tf_crop_and_resize" {
		if !given(1) {
			return nil, c.shapeErr("Resize in mode tf_crop_and_resize without roi")
		}
		roi, err := c.knownFloats(1, "the roi")
		if err != nil {
			return nil, err
		}
		if len(roi) != 2*len(axes) {
			return nil, c.shapeErr("Resize roi %v, want %d values", roi, 2*len(axes))
		}
		s.roi = make([]float64, 2*r)
		for j := range r {
			s.roi[r+j] = 1
		}
		for i, a := range axes {
			s.roi[a], s.roi[r+a] = float64(roi[i]), float64(roi[len(axes)+i])
			if math.IsNaN(s.roi[a]) || math.IsInf(s.roi[a], 0) || math.IsNaN(s.roi[r+a]) || math.IsInf(s.roi[r+a], 0) {
				return nil, c.shapeErr("Resize roi %v: each must be finite", roi)
			}
		}
	}
	return planResize(c, x, s)
}

// setScales sets s's scales and output size from scales (given for the
// axes listed, all of them when axes is nil).
func (s *resizeSpec) setScales(c *nodeCtx, x *Tensor, scales []float32, axes []int) error {
	r := len(x.Dims)
	if axes == nil {
		axes = make([]int, r)
		for i := range axes {
			axes[i] = i
		}
	}
	if len(scales) != len(axes) {
		return c.shapeErr("%s of X %v with scales %v: want %d values", c.node.OpType, x.Dims, scales, len(axes))
	}
	s.scales, s.out = make([]float64, r), slices.Clone(x.Dims)
	for j := range s.scales {
		s.scales[j] = 1
	}
	for i, a := range axes {
		v := float64(scales[i])
		if !(v > 0) || math.IsInf(v, 0) {
			return c.shapeErr("%s scales %v: each must be finite and positive", c.node.OpType, scales)
		}
		o := math.Floor(float64(x.Dims[a]) * v)
		if o > maxTensorElements {
			return fmt.Errorf("%w: %s of X %v by scales %v: an output dimension of %.3g", ErrLimit, c.node.OpType, x.Dims, scales, o)
		}
		s.scales[a], s.out[a] = v, int(o)
	}
	return nil
}

// setSizes sets s's output size and scales from sizes (given for axes)
// and the keep_aspect_ratio_policy.
func (s *resizeSpec) setSizes(c *nodeCtx, x *Tensor, sizes []int64, axes []int, policy string) error {
	r := len(x.Dims)
	if len(sizes) != len(axes) {
		return c.shapeErr("Resize of X %v with sizes %v: want %d values", x.Dims, sizes, len(axes))
	}
	s.scales, s.out = make([]float64, r), slices.Clone(x.Dims)
	for j := range s.scales {
		s.scales[j] = 1
	}
	for i, a := range axes {
		if sizes[i] < 0 || sizes[i] > maxTensorElements {
			return c.shapeErr("Resize sizes %v out of range", sizes)
		}
		if x.Dims[a] == 0 {
			if sizes[i] != 0 {
				return c.shapeErr("Resize of X %v to sizes %v: nothing to interpolate from", x.Dims, sizes)
			}
			continue
		}
		s.out[a] = int(sizes[i])
		s.scales[a] = float64(sizes[i]) / float64(x.Dims[a])
	}
	if policy == "stretch" {
		return nil
	}
	var k float64
	for i, a := range axes {
		if v := s.scales[a]; i == 0 || (policy == "not_larger" && v < k) || (policy == "not_smaller" && v > k) {
			k = v
		}
	}
	for _, a := range axes {
		o := math.Floor(k*float64(x.Dims[a]) + 0.5)
		if o > maxTensorElements {
			return fmt.Errorf("%w: Resize of X %v to sizes %v (%s): an output dimension of %.3g", ErrLimit, x.Dims, sizes, policy, o)
		}
		s.scales[a], s.out[a] = k, int(o)
	}
	return nil
}

// planResize declares the output of x resized as s asks and returns the
// kernel.
func planResize(c *nodeCtx, x *Tensor, s *resizeSpec) (func() error, error) {
	r := len(x.Dims)
	if r == 0 {
		return nil, c.shapeErr("%s of a scalar", c.node.OpType)
	}
	if s.mode != "nearest" {
		if err := c.needType(x, Float); err != nil {
			return nil, err
		}
	}
	if !runtimeType(x.DType) {
		return nil, c.unsupported("data type %v", x.DType)
	}
	if numElements(s.out) == 0 {
		// nothing to compute (and the scales of empty axes may be 0)
		_, err := c.output(0, x.DType, s.out)
		return nil, err
	}
	if slices.Contains(x.Dims, 0) {
		return nil, c.shapeErr("%s of X %v to %v: nothing to interpolate from", c.node.OpType, x.Dims, s.out)
	}
	if s.mode == "nearest" {
		return planNearest(c, x, s)
	}
	return planInterp(c, x, s)
}

// source returns the input coordinate x′ of output coordinate o along
// axis j, and whether it lies outside the input (tf_crop_and_resize only:
// the output is then the extrapolation value).
func (s *resizeSpec) source(j, o int, in int) (float64, bool) {
	scale, out, x := s.scales[j], s.out[j], float64(o)
	length := scale * float64(in) // the output length before flooring
	switch s.coord {
	case "half_pixel":
		return (x+0.5)/scale - 0.5, false
	case "half_pixel_symmetric":
		adj := float64(out) / length
		return float64(in)/2*(1-adj) + (x+0.5)/scale - 0.5, false
	case "pytorch_half_pixel":
		if length <= 1 {
			return 0, false
		}
		return (x+0.5)/scale - 0.5, false
	case "align_corners":
		if length == 1 {
			return 0, false
		}
		return x * float64(in-1) / (length - 1), false
	case "tf_half_pixel_for_nn":
		return (x + 0.5) / scale, false
	case "tf_crop_and_resize":
		r := len(s.out)
		start, end := s.roi[j], s.roi[r+j]
		var v float64
		if length == 1 {
			v = (end - start) * float64(in-1) / 2
		} else {
			v = x * (end - start) * float64(in-1) / (length - 1)
		}
		v += start * float64(in-1)
		return v, v < 0 || v > float64(in-1)
	default: // asymmetric
		return x / scale, false
	}
}

// planNearest plans mode nearest as an index map.
func planNearest(c *nodeCtx, x *Tensor, s *resizeSpec) (func() error, error) {
	if numElements(x.Dims) > maxIndex {
		return nil, fmt.Errorf("%w: %s of X %v: more elements than an index map addresses", ErrLimit, c.node.OpType, x.Dims)
	}
	r := len(x.Dims)
	st := strides(x.Dims)
	// per axis, the input offset of each output coordinate, −1 outside
	offs := make([][]int, r)
	total := 0
	for j := range r {
		total += s.out[j]
	}
	buf, err := scratch[int](c, total)
	if err != nil {
		return nil, err
	}
	for j := range r {
		offs[j], buf = buf[:s.out[j]], buf[s.out[j]:]
		for o := range offs[j] {
			v, outside := s.source(j, o, x.Dims[j])
			if outside {
				offs[j][o] = -1
				continue
			}
			offs[j][o] = nearestIndex(v, s.nearest, x.Dims[j]) * st[j]
		}
	}
	var fill *Tensor
	if s.coord == "tf_crop_and_resize" {
		if x.DType.storage() != storeFloat {
			return nil, c.unsupported("data type %v with tf_crop_and_resize (the extrapolation value is a float)", x.DType)
		}
		fill = &Tensor{DType: Float, Dims: []int{1}, Float: []float32{s.ext}}
	}
	return mappedOutput(c, x, s.out, fill, func(o []int) int {
		i := 0
		for j, oj := range o {
			v := offs[j][oj]
			if v < 0 {
				return -1
			}
			i += v
		}
		return i
	})
}

// nearestIndex rounds the input coordinate v as mode asks and clamps it to
// [0, n).
func nearestIndex(v float64, mode string, n int) int {
	f := math.Floor(v)
	switch mode {
	case "floor":
	case "ceil":
		f = math.Ceil(v)
	case "round_prefer_ceil":
		if v-f >= 0.5 {
			f++
		}
	default: // round_prefer_floor
		if v-f > 0.5 {
			f++
		}
	}
	return int(max(0, min(f, float64(n-1))))
}
