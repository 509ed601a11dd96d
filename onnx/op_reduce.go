package onnx

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// The reductions over the axes given (all by default; none with
// noop_with_empty_axes=1 and no axes, when each output element reduces its
// one input element): ReduceMean, ReduceSum, ReduceMax, ReduceMin,
// ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceProd and
// ReduceSumSquare over float32; ReduceSum, ReduceMax, ReduceMin, ReduceL1,
// ReduceProd and ReduceSumSquare over the integer types too (wrapping to the
// type's width). Reducing trailing axes in ReduceMean and ReduceSum, the
// common case, sums contiguous rows with simdcore's Sum kernel; everything
// else goes through an index map built while planning, accumulating float32
// in float64. An empty reduction gives the operation's identity: 0 for the
// sums, 1 for ReduceProd, −Inf for ReduceLogSum and ReduceLogSumExp; an
// empty ReduceMax or ReduceMin is refused. ReduceLogSumExp subtracts the
// running maximum, so large inputs do not overflow.

type reduceKind int

const (
	reduceMean reduceKind = iota
	reduceSum
	reduceMax
	reduceMin
	reduceL1
	reduceL2
	reduceLogSum
	reduceLogSumExp
	reduceProd
	reduceSumSquare
)

func init() {
	// The version from which axes is an input rather than an attribute.
	register("ReduceMean", 1, reduceBuilder(reduceMean, 18))
	register("ReduceSum", 1, reduceBuilder(reduceSum, 13))
	register("ReduceMax", 1, reduceBuilder(reduceMax, 18))
	register("ReduceMin", 1, reduceBuilder(reduceMin, 18))
	register("ReduceL1", 1, reduceBuilder(reduceL1, 18))
	register("ReduceL2", 1, reduceBuilder(reduceL2, 18))
	register("ReduceLogSum", 1, reduceBuilder(reduceLogSum, 18))
	register("ReduceLogSumExp", 1, reduceBuilder(reduceLogSumExp, 18))
	register("ReduceProd", 1, reduceBuilder(reduceProd, 18))
	register("ReduceSumSquare", 1, reduceBuilder(reduceSumSquare, 18))
}

// reduceInts reports whether the reduction takes the integer types.
func (k reduceKind) reduceInts() bool {
	switch k {
	case reduceMean, reduceL2, reduceLogSum, reduceLogSumExp:
		return false
	}
	return true
}

func reduceBuilder(kind reduceKind, axesInput int64) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, err := c.need(0)
		if err != nil {
			return nil, err
		}
		if kind.reduceInts() {
			err = c.needType(x, append([]DataType{Float}, intTypes...)...)
		} else {
			err = c.needType(x, Float)
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
			return reduceIntKernel(kind, x, y, idx), nil
		}
		acc, err := scratch[float64](c, outN)
		if err != nil {
			return nil, err
		}
		var scale []float64 // ReduceLogSumExp: the sums of e^(x−acc)
		if kind == reduceLogSumExp {
			if scale, err = scratch[float64](c, outN); err != nil {
				return nil, err
			}
		}
		return func() error {
			for i := range acc {
				acc[i] = reduceIdentity(kind)
			}
			for i := range scale {
				scale[i] = 0
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
				case reduceL1:
					acc[o] += math.Abs(v)
				case reduceL2, reduceSumSquare:
					acc[o] += v * v
				case reduceProd:
					acc[o] *= v
				case reduceLogSumExp:
					// acc is the largest so far, scale the sum of
					// e^(x−acc); NaN makes the sum NaN.
					m := acc[o]
					switch {
					case v > m:
						scale[o] = scale[o]*math.Exp(m-v) + 1
						acc[o] = v
					case v == m:
						scale[o]++
					default:
						scale[o] += math.Exp(v - m)
					}
				default:
					acc[o] += v
				}
			}
			for o, v := range acc {
				switch kind {
				case reduceMean:
					v /= float64(count)
				case reduceL2:
					v = math.Sqrt(v)
				case reduceLogSum:
					v = math.Log(v)
				case reduceLogSumExp:
					v += math.Log(scale[o])
				}
				y.Float[o] = float32(v)
			}
			return nil
		}, nil
	}
}

// reduceIdentity is the accumulator's start: the result of an empty
// reduction (before ReduceLogSum's logarithm; ReduceLogSumExp's running
// maximum).
func reduceIdentity(kind reduceKind) float64 {
	switch kind {
	case reduceMax, reduceLogSumExp:
		return math.Inf(-1)
	case reduceMin:
		return math.Inf(1)
	case reduceProd:
		return 1
	}
	return 0
}

// reduceIntKernel reduces the integer x into y along the index map idx,
// wrapping the results to the type's width.
func reduceIntKernel(kind reduceKind, x, y *Tensor, idx []int32) func() error {
	lo, hi := intRange(x.DType)
	return func() error {
		for i := range y.Int {
			switch kind {
			case reduceMax:
				y.Int[i] = math.MinInt64
			case reduceMin:
				y.Int[i] = math.MaxInt64
			case reduceProd:
				y.Int[i] = 1
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
			case reduceL1:
				y.Int[o] += max(v, -v)
			case reduceSumSquare:
				y.Int[o] += v * v
			case reduceProd:
				y.Int[o] *= v
			default:
				y.Int[o] += v
			}
		}
		for i, v := range y.Int {
			y.Int[i] = wrap(v, lo, hi)
		}
		return nil
	}
}
