package onnx

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// The reductions ReduceMean, ReduceSum, ReduceMax and ReduceMin over float32
// (and ReduceSum, ReduceMax, ReduceMin over integers). Reducing trailing
// axes, the common case, sums contiguous rows with simdcore's Sum kernel;
// other axes go through an index map built while planning, summing in
// float64.

type reduceKind int

const (
	reduceMean reduceKind = iota
	reduceSum
	reduceMax
	reduceMin
)

func init() {
	// The version from which axes is an input rather than an attribute.
	register("ReduceMean", 1, reduceBuilder(reduceMean, 18))
	register("ReduceSum", 1, reduceBuilder(reduceSum, 13))
	register("ReduceMax", 1, reduceBuilder(reduceMax, 18))
	register("ReduceMin", 1, reduceBuilder(reduceMin, 18))
}

func reduceBuilder(kind reduceKind, axesInput int64) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, err := c.need(0)
		if err != nil {
			return nil, err
		}
		if kind == reduceMean {
			err = c.needType(x, Float)
		} else {
			err = c.needType(x, append([]DataType{Float}, intTypes...)...)
		}
		if err != nil {
			return nil, err
		}
		r := len(x.Dims)
		keep := c.attrInt("keepdims", 1)
		noop := c.attrInt("noop_with_empty_axes", 0)
		axes, given, err := axesOf(c, axesInput)
		if err != nil {
			return nil, err
		}
		reduced := make([]bool, r)
		if given && len(axes) > 0 {
			ax, err := normAxes(c, axes, r)
			if err != nil {
				return nil, err
			}
			for _, a := range ax {
				reduced[a] = true
			}
		} else if noop == 0 {
			for i := range reduced {
				reduced[i] = true
			}
		}
		var dims []int
		for i, d := range x.Dims {
			switch {
			case !reduced[i]:
				dims = append(dims, d)
			case keep != 0:
				dims = append(dims, 1)
			}
		}
		y, err := c.output(0, x.DType, dims)
		if err != nil {
			return nil, err
		}
		outN := y.Len()
		count := 1
		for i, d := range x.Dims {
			if reduced[i] {
				count *= d
			}
		}
		if (kind == reduceMax || kind == reduceMin) && count == 0 && outN > 0 {
			return nil, c.shapeErr("%s of an empty axis", c.node.OpType)
		}
		// Trailing axes: contiguous rows of count elements.
		trailing := true
		for i := range reduced {
			if reduced[i] && i+1 < r && !reduced[i+1] {
				trailing = false
			}
		}
		if trailing && x.DType == Float && (kind == reduceMean || kind == reduceSum) {
			return func() error {
				for o := range y.Float {
					s := kernel.Sum(x.Float[o*count : (o+1)*count])
					if kind == reduceMean {
						s /= float32(count)
					}
					y.Float[o] = s
				}
				return nil
			}, nil
		}
		// General: each input element's output index.
		inSt := make([]int, r) // output stride of each input axis (0 if reduced)
		s := 1
		for i := r - 1; i >= 0; i-- {
			if !reduced[i] {
				inSt[i] = s
				s *= x.Dims[i]
			}
		}
		idx, err := mapIndex(c, x.Dims, func(coord []int) int {
			o := 0
			for k, v := range coord {
				o += v * inSt[k]
			}
			return o
		})
		if err != nil {
			return nil, err
		}
		if x.DType != Float {
			return func() error {
				for i := range y.Int {
					switch kind {
					case reduceMax:
						y.Int[i] = math.MinInt64
					case reduceMin:
						y.Int[i] = math.MaxInt64
					default:
						y.Int[i] = 0
					}
				}
				for i, o := range idx {
					v := x.Int[i]
					switch kind {
					case reduceMax:
						y.Int[o] = max(y.Int[o], v)
					case reduceMin:
						y.Int[o] = min(y.Int[o], v)
					default:
						y.Int[o] += v
					}
				}
				return nil
			}, nil
		}
		acc, err := scratch[float64](c, outN)
		if err != nil {
			return nil, err
		}
		return func() error {
			for i := range acc {
				switch kind {
				case reduceMax:
					acc[i] = math.Inf(-1)
				case reduceMin:
					acc[i] = math.Inf(1)
				default:
					acc[i] = 0
				}
			}
			for i, o := range idx {
				v := float64(x.Float[i])
				switch kind {
				case reduceMax:
					if v > acc[o] || v != v {
						acc[o] = v
					}
				case reduceMin:
					if v < acc[o] || v != v {
						acc[o] = v
					}
				default:
					acc[o] += v
				}
			}
			for o, v := range acc {
				if kind == reduceMean {
					v /= float64(count)
				}
				y.Float[o] = float32(v)
			}
			return nil
		}, nil
	}
}
