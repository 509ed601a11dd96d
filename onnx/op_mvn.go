package onnx

import "math"

// MeanVarianceNormalization(X): over the axes of the attribute axes
// (default [0, 2, 3]), Y = (X − mean) / (sqrt(variance) + 1e-9), where
// mean and variance are those of the elements X holds for each index of
// the other axes, as ONNX's function body defines it (its ε of 1e-9 is
// added to the standard deviation, not to the variance). The sums run in
// float64: the variance is the mean of (x − mean)², which equals the
// function body's E[x²] − E[x]² without its cancellation, and each output
// is rounded once.

func init() {
	register("MeanVarianceNormalization", 9, buildMVN)
}

// mvnEpsilon is the constant ONNX's function body adds to the standard
// deviation (the float32 nearest 1e-9).
const mvnEpsilon = float64(float32(1e-9))

func buildMVN(c *nodeCtx) (func() error, error) {
	x, y, err := c.elementwise(Float)
	if err != nil {
		return nil, err
	}
	axes, ok, err := c.attrInts("axes")
	if err != nil {
		return nil, err
	}
	if !ok {
		axes = []int64{0, 2, 3}
	}
	r := len(x.Dims)
	ax, err := normAxes(c, axes, r)
	if err != nil {
		return nil, err
	}
	reduced := make([]bool, r)
	for _, a := range ax {
		reduced[a] = true
	}
	kept, err := axisOffsets(c, x.Dims, reduced, false)
	if err != nil {
		return nil, err
	}
	red, err := axisOffsets(c, x.Dims, reduced, true)
	if err != nil {
		return nil, err
	}
	n := float64(len(red))
	return func() error {
		for _, k := range kept {
			var sum float64
			for _, o := range red {
				sum += float64(x.Float[k+o])
			}
			mean := sum / n
			var ss float64
			for _, o := range red {
				d := float64(x.Float[k+o]) - mean
				ss += d * d
			}
			den := math.Sqrt(ss/n) + mvnEpsilon
			for _, o := range red {
				y.Float[k+o] = float32((float64(x.Float[k+o]) - mean) / den)
			}
		}
		return nil
	}, nil
}

// axisOffsets lists the flat offsets, in a row-major tensor of shape dims,
// of every coordinate that is zero on the axes where sel[axis] != want:
// with want true the offsets within one group of the selected axes, with
// want false the start of each group. The list is charged to the element
// budget.
func axisOffsets(c *nodeCtx, dims []int, sel []bool, want bool) ([]int, error) {
	st := strides(dims)
	var sub []int // the dims walked, with their strides
	var subSt []int
	for i, d := range dims {
		if sel[i] == want {
			sub = append(sub, d)
			subSt = append(subSt, st[i])
		}
	}
	offs, err := scratch[int](c, numElements(sub))
	if err != nil {
		return nil, err
	}
	coord := make([]int, len(sub))
	for i := range offs {
		o := 0
		for k, v := range coord {
			o += v * subSt[k]
		}
		offs[i] = o
		for k := len(sub) - 1; k >= 0; k-- {
			coord[k]++
			if coord[k] < sub[k] {
				break
			}
			coord[k] = 0
		}
	}
	return offs, nil
}
