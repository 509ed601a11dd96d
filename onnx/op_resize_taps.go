package onnx

import (
	"fmt"
	"math"
	"slices"
)

// Resize's modes linear and cubic (see op_resize.go): per axis, the taps
// (input offsets and weights) of every output coordinate, built while
// planning; the kernel then weighs, for each output element, the product
// of its axes' taps.

// axisTaps are one axis's taps: output coordinate o reads the input
// offsets off[start[o]:start[o+1]] with the weights w of the same indices;
// none when it lies outside the input (tf_crop_and_resize: the output is
// then the extrapolation value).
type axisTaps struct {
	start []int
	off   []int
	w     []float64
}

// planInterp plans modes linear and cubic over float32.
func planInterp(c *nodeCtx, x *Tensor, s *resizeSpec) (func() error, error) {
	r := len(x.Dims)
	st := strides(x.Dims)
	// The taps per output coordinate, and the work they make, bounded
	// before anything is built.
	n := make([]int, r)
	work := float64(numElements(s.out))
	for j := range r {
		if s.scales[j] < 1.0/maxTensorElements {
			// (the planner never gets here: an output of at least one
			// element along an axis of D needs scale ≥ 1/(2·D))
			return nil, fmt.Errorf("%w: %s of X %v by scales %v", ErrLimit, c.node.OpType, x.Dims, s.scales)
		}
		n[j] = s.filterTaps(j)
		work *= float64(min(n[j], x.Dims[j]))
		if float64(s.out[j])*float64(n[j]) > resizeWork {
			work = math.Inf(1)
		}
	}
	if work > resizeWork {
		return nil, fmt.Errorf("%w: %s of X %v to %v (mode %s): about %.3g taps to read per run, more than %d", ErrLimit, c.node.OpType, x.Dims, s.out, s.mode, work, int64(resizeWork))
	}
	axes := make([]axisTaps, r)
	maxTaps := make([]int, r)
	coef, err := scratch[float64](c, slices.Max(n))
	if err != nil {
		return nil, err
	}
	for j := range r {
		a, in := &axes[j], x.Dims[j]
		// at most min(n, in) taps per output coordinate after clamping
		most := s.out[j] * min(n[j], in)
		if _, err := c.p.charge([]int{2*most + s.out[j] + 1}); err != nil {
			return nil, err
		}
		a.start = make([]int, s.out[j]+1)
		a.off, a.w = make([]int, 0, most), make([]float64, 0, most)
		for o := range s.out[j] {
			a.start[o] = len(a.off)
			v, outside := s.source(j, o, in)
			if outside {
				continue
			}
			first := s.weights(j, v, in, coef[:n[j]])
			before := len(a.off)
			for t, wt := range coef[:n[j]] {
				if wt == 0 {
					continue
				}
				off := max(0, min(first+t, in-1)) * st[j]
				if k := len(a.off) - 1; k >= before && a.off[k] == off {
					a.w[k] += wt // clamped onto the tap before
					continue
				}
				a.off = append(a.off, off)
				a.w = append(a.w, wt)
			}
			maxTaps[j] = max(maxTaps[j], len(a.off)-before)
		}
		a.start[s.out[j]] = len(a.off)
	}
	z := &resizer{axes: axes, out: s.out, ext: s.ext, odo: make([]int, r)}
	// level k holds the combinations of the taps of axes 0 to k−1 at the
	// current output coordinates
	z.off, z.w, z.n = make([][]int, r), make([][]float64, r), make([]int, r)
	size := 1
	for k := range r {
		if k > 0 {
			size *= max(maxTaps[k-1], 1)
		}
		if z.off[k], err = scratch[int](c, size); err != nil {
			return nil, err
		}
		if z.w[k], err = scratch[float64](c, size); err != nil {
			return nil, err
		}
	}
	y, err := c.output(0, Float, s.out)
	if err != nil {
		return nil, err
	}
	return func() error {
		z.run(y.Float, x.Float)
		return nil
	}, nil
}

// filterTaps is the number of taps of axis j's filter, before clamping.
func (s *resizeSpec) filterTaps(j int) int {
	switch {
	case s.antialias && s.scales[j] < 1 && s.mode == "linear":
		return 2 - 2*linearStart(s.scales[j])
	case s.antialias && s.scales[j] < 1:
		return 2 - 2*cubicStart(s.scales[j])
	case s.mode == "linear":
		return 2
	default:
		return 4
	}
}

// linearStart and cubicStart are the first tap of the antialiasing
// filters relative to the tap pair around the input coordinate, for
// scale < 1: the filters reach 1/scale (linear) and 2/scale (cubic) to
// each side.
func linearStart(scale float64) int { return int(math.Floor(-1/scale)) + 1 }
func cubicStart(scale float64) int  { return int(math.Floor(-2/scale)) + 1 }

// weights writes into w the filter weights of the taps around input
// coordinate v along axis j (of in elements), and returns the first tap's
// input index (before clamping). The antialiasing filters are normalized
// to sum 1; with exclude_outside the taps outside the input get weight
// zero and the others are renormalized.
func (s *resizeSpec) weights(j int, v float64, in int, w []float64) int {
	// v = base + ratio with ratio in (0, 1]: an integer v is the right
	// tap of its pair
	base := math.Floor(v)
	if base == v {
		base--
	}
	ratio := v - base
	scale, A := s.scales[j], s.cubicA
	aa := s.antialias && scale < 1
	var first int
	switch {
	case s.mode == "linear" && aa:
		first = linearStart(scale)
		for t := range w {
			w[t] = max(0, 1-math.Abs((float64(first+t)-ratio)*scale))
		}
	case s.mode == "linear":
		first = 0
		w[0], w[1] = 1-ratio, ratio
	case aa:
		first = cubicStart(scale)
		for t := range w {
			w[t] = cubicKernel(scale*(float64(first+t)-ratio), A)
		}
	default:
		first = -1
		for t := range w {
			w[t] = cubicKernel(float64(first+t)-ratio, A)
		}
	}
	first += int(base)
	if s.exclude || aa {
		var sum float64
		for t := range w {
			if s.exclude && (first+t < 0 || first+t >= in) {
				w[t] = 0
			}
			sum += w[t]
		}
		for t := range w {
			w[t] /= sum
		}
	}
	return first
}

// cubicKernel is the cubic convolution kernel with parameter A at d.
func cubicKernel(d, A float64) float64 {
	d = math.Abs(d)
	switch {
	case d <= 1:
		return ((A+2)*d-(A+3))*d*d + 1
	case d < 2:
		return ((A*d-5*A)*d+8*A)*d - 4*A
	}
	return 0
}

// resizer is the planned kernel of modes linear and cubic.
type resizer struct {
	axes []axisTaps
	out  []int
	ext  float32
	odo  []int // the output coordinates of the axes before the last
	// level k: the offsets and weights of the n[k] combinations of the
	// taps of axes 0 to k−1 at the coordinates odo[:k]; n[k] = 0 when one
	// lies outside the input
	off [][]int
	w   [][]float64
	n   []int
}

// level computes level k+1 from level k and axis k's taps at odo[k].
func (z *resizer) level(k int) {
	a := &z.axes[k]
	lo, hi := a.start[z.odo[k]], a.start[z.odo[k]+1]
	m := 0
	for c := range z.n[k] {
		for t := lo; t < hi; t++ {
			z.off[k+1][m] = z.off[k][c] + a.off[t]
			z.w[k+1][m] = z.w[k][c] * a.w[t]
			m++
		}
	}
	z.n[k+1] = m
}

func (z *resizer) run(y, x []float32) {
	r := len(z.out)
	last := &z.axes[r-1]
	z.off[0][0], z.w[0][0], z.n[0] = 0, 1, 1
	for k := range r - 1 {
		z.odo[k] = 0
		z.level(k)
	}
	yi := 0
	for {
		offs, ws := z.off[r-1][:z.n[r-1]], z.w[r-1][:z.n[r-1]]
		for o := range z.out[r-1] {
			lo, hi := last.start[o], last.start[o+1]
			if len(offs) == 0 || lo == hi {
				y[yi] = z.ext
				yi++
				continue
			}
			var acc float64
			for c, base := range offs {
				var sum float64
				for t := lo; t < hi; t++ {
					sum += last.w[t] * float64(x[base+last.off[t]])
				}
				acc += ws[c] * sum
			}
			y[yi] = float32(acc)
			yi++
		}
		// the next coordinates of the axes before the last
		k := r - 2
		for ; k >= 0; k-- {
			if z.odo[k]++; z.odo[k] < z.out[k] {
				break
			}
			z.odo[k] = 0
		}
		if k < 0 {
			return
		}
		for ; k < r-1; k++ {
			z.level(k)
		}
	}
}
