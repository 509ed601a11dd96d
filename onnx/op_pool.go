package onnx

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// The pooling operators over float32, N-dimensional (1 to
// kernel.MaxConvDims spatial dimensions, as Conv): MaxPool (with its
// optional Indices output, either storage order), AveragePool (padding
// counted or not), GlobalMaxPool and GlobalAveragePool. Windows take
// kernel_shape, strides, dilations, explicit pads or auto_pad (with Conv's
// arithmetic, convPads) and ceil_mode: with ceil_mode, a last window that
// would start in the end padding is dropped, as ONNX's reference does.
//
// Each window visits only its positions inside the input. MaxPool
// propagates NaN (the first NaN of a window is its result and index); a
// window with no position inside the input (only possible when a pad is
// at least the window's span) gives −Inf and index −1. AveragePool sums
// in float64 and divides by the positions inside the input, or, with
// count_include_pad, inside the padded input (so 0 for a window of
// padding only; NaN without count_include_pad). From opset 12 MaxPool
// also takes int8 and uint8 (exact; an empty window gives the type's
// minimum), which ONNX Runtime's QDQ graphs run between QuantizeLinear and
// DequantizeLinear.

func init() {
	register("MaxPool", 1, poolBuilder(false))
	register("AveragePool", 1, poolBuilder(true))
	register("GlobalMaxPool", 1, globalPoolBuilder(false))
	register("GlobalAveragePool", 1, globalPoolBuilder(true))
}

// poolWork bounds the positions a pooling node visits per run (output
// elements times the window's positions inside the input), so that a
// small model with a huge window and pads cannot hang a Run.
const poolWork = 1 << 34

// poolShape is a pooling node's geometry for one plane (one image's one
// channel): the spatial input and output, and the windows.
type poolShape struct {
	kernel.ConvShape // In, Kernel, Stride, Dilation, PadBegin, PadEnd (Channels, Filters unused)
	out              []int
	inStride         []int // row-major strides of the input plane
}

// planPool reads a pooling node's attributes for input x (N×C×D1…) and
// returns its geometry.
func planPool(c *nodeCtx, x *Tensor) (*poolShape, error) {
	nd := len(x.Dims) - 2
	if nd < 1 || nd > kernel.MaxConvDims {
		return nil, c.shapeErr("%s of X %v: want N×C×D1… with 1 to %d spatial dimensions", c.node.OpType, x.Dims, kernel.MaxConvDims)
	}
	ks, ok, err := c.attrInts("kernel_shape")
	if err != nil {
		return nil, err
	}
	if !ok || len(ks) != nd {
		return nil, c.shapeErr("attribute kernel_shape %v, want %d values", ks, nd)
	}
	s := &poolShape{ConvShape: kernel.ConvShape{In: x.Dims[2:], Kernel: make([]int, nd)}}
	for j, k := range ks {
		if k < 1 || k > 1<<30 {
			return nil, c.shapeErr("attribute kernel_shape %v: each must be in [1, 2^30]", ks)
		}
		s.Kernel[j] = int(k)
	}
	if s.Stride, err = spatialAttr(c, "strides", nd, 1); err != nil {
		return nil, err
	}
	if s.Dilation, err = spatialAttr(c, "dilations", nd, 1); err != nil {
		return nil, err
	}
	for j := range nd {
		if s.In[j] < 1 || s.Stride[j] < 1 || s.Dilation[j] < 1 {
			return nil, c.shapeErr("%s of X %v with strides %v and dilations %v: all must be positive", c.node.OpType, x.Dims, s.Stride, s.Dilation)
		}
	}
	if err := convPads(c, &s.ConvShape); err != nil {
		return nil, err
	}
	ceil := c.attrInt("ceil_mode", 0) != 0
	auto := c.attrString("auto_pad", "NOTSET")
	same := auto == "SAME_UPPER" || auto == "SAME_LOWER" // the output is ⌈In/Stride⌉, ceil_mode aside
	s.out, s.inStride = make([]int, nd), make([]int, nd)
	for j := range nd {
		span := s.Dilation[j]*(s.Kernel[j]-1) + 1
		padded := s.In[j] + s.PadBegin[j] + s.PadEnd[j]
		if padded < span {
			return nil, c.shapeErr("%s of X %v: the window %v (dilations %v) is larger than the padded input (pads %v %v)", c.node.OpType, x.Dims, s.Kernel, s.Dilation, s.PadBegin, s.PadEnd)
		}
		num := padded - span
		o := num/s.Stride[j] + 1
		if ceil && !same {
			o = (num+s.Stride[j]-1)/s.Stride[j] + 1
			if (o-1)*s.Stride[j] >= s.In[j]+s.PadBegin[j] {
				o-- // the last window would start in the end padding
			}
		}
		s.out[j] = o
	}
	st := 1
	for j := nd - 1; j >= 0; j-- {
		s.inStride[j] = st
		st *= s.In[j]
	}
	// The work bound: output positions times the window's positions
	// inside the input, per plane, times the planes.
	work := float64(x.Dims[0]) * float64(x.Dims[1])
	for j := range nd {
		work *= float64(s.out[j]) * float64(min(s.Kernel[j], s.In[j]))
	}
	if work > poolWork {
		return nil, fmt.Errorf("%w: %s of X %v with window %v: about %.3g positions to visit per run, more than %d", ErrLimit, c.node.OpType, x.Dims, s.Kernel, work, int64(poolWork))
	}
	return s, nil
}

// window returns, for the output position o, each dimension's first input
// coordinate start[j] and the range [lo[j], hi[j]) of kernel indices whose
// positions start[j] + i·Dilation[j] lie inside the input (empty if none),
// and the number of the window's positions inside the padded input.
func (s *poolShape) window(o, start, lo, hi []int) (padded int) {
	padded = 1
	for j := range o {
		st, d, k := o[j]*s.Stride[j]-s.PadBegin[j], s.Dilation[j], s.Kernel[j]
		start[j] = st
		lo[j] = 0
		if st < 0 {
			lo[j] = (-st + d - 1) / d
		}
		hi[j] = 0
		if last := s.In[j] - 1 - st; last >= 0 {
			hi[j] = min(k, last/d+1)
		}
		// positions inside [−PadBegin, In + PadEnd)
		plo, phi := 0, k
		if lim := s.In[j] + s.PadEnd[j] - 1 - st; lim < 0 {
			phi = 0
		} else if lim/d+1 < phi {
			phi = lim/d + 1
		}
		if st < -s.PadBegin[j] {
			plo = (-s.PadBegin[j] - st + d - 1) / d
		}
		padded *= max(phi-plo, 0)
	}
	return padded
}

// next advances the odometer o over dims, reporting false after the last.
func next(o, dims []int) bool {
	for j := len(o) - 1; j >= 0; j-- {
		if o[j]++; o[j] < dims[j] {
			return true
		}
		o[j] = 0
	}
	return false
}

// nextIn advances the odometer i over the ranges [lo[j], hi[j]).
func nextIn(i, lo, hi []int) bool {
	for j := len(i) - 1; j >= 0; j-- {
		if i[j]++; i[j] < hi[j] {
			return true
		}
		i[j] = lo[j]
	}
	return false
}

func poolBuilder(average bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		types := []DataType{Float}
		if !average && c.opset >= 12 {
			// MaxPool of int8 and uint8 (ONNX Runtime's QDQ graphs move it
			// between QuantizeLinear and DequantizeLinear): exact, the
			// values compared as float32
			types = append(types, Int8, Uint8)
		}
		x, err := c.needTyped(0, types...)
		if err != nil {
			return nil, err
		}
		isInt := x.DType != Float
		s, err := planPool(c, x)
		if err != nil {
			return nil, err
		}
		nd := len(s.In)
		countPad := average && c.attrInt("count_include_pad", 0) != 0
		order := int64(0)
		if !average {
			if order = c.attrInt("storage_order", 0); order != 0 && order != 1 {
				return nil, c.unsupported("attribute storage_order=%d", order)
			}
		}
		if c.err != nil {
			return nil, c.err
		}
		dims := append([]int{x.Dims[0], x.Dims[1]}, s.out...)
		y, err := c.output(0, x.DType, dims)
		if err != nil {
			return nil, err
		}
		intLo, _ := qRange(x.DType)
		var idx *Tensor
		if !average && len(c.node.Outputs) > 1 && c.node.Outputs[1] != "" {
			if idx, err = c.output(1, Int64, dims); err != nil {
				return nil, err
			}
		}
		// colStride: the column-major strides of the plane, for
		// storage_order 1.
		colStride := make([]int, nd)
		st := 1
		for j := range nd {
			colStride[j] = st
			st *= s.In[j]
		}
		inPlane, outPlane := numElements(s.In), numElements(s.out)
		planes := x.Dims[0] * x.Dims[1]
		o, start, lo, hi, i := make([]int, nd), make([]int, nd), make([]int, nd), make([]int, nd), make([]int, nd)
		return func() error {
			for p := range planes {
				var in []float32
				var inInt []int64
				if isInt {
					inInt = x.Int[p*inPlane : (p+1)*inPlane]
				} else {
					in = x.Float[p*inPlane : (p+1)*inPlane]
				}
				clear(o)
				for q := 0; q < outPlane; q++ {
					padded := s.window(o, start, lo, hi)
					empty := false
					for j := range nd {
						empty = empty || lo[j] >= hi[j]
						i[j] = lo[j]
					}
					if average {
						var sum float64
						n := 0
						for !empty {
							off := 0
							for j := range nd {
								off += (start[j] + i[j]*s.Dilation[j]) * s.inStride[j]
							}
							sum += float64(in[off])
							n++
							if !nextIn(i, lo, hi) {
								break
							}
						}
						if countPad {
							n = padded
						}
						y.Float[p*outPlane+q] = float32(sum / float64(n))
					} else {
						m, at := float32(math.Inf(-1)), -1
						for !empty {
							off := 0
							for j := range nd {
								off += (start[j] + i[j]*s.Dilation[j]) * s.inStride[j]
							}
							var v float32
							if isInt {
								v = float32(inInt[off])
							} else {
								v = in[off]
							}
							if v > m || v != v || at < 0 {
								m, at = v, off
								if v != v {
									break
								}
							}
							if !nextIn(i, lo, hi) {
								break
							}
						}
						if isInt {
							if at < 0 {
								m = intLo
							}
							y.Int[p*outPlane+q] = int64(m)
						} else {
							y.Float[p*outPlane+q] = m
						}
						if idx != nil {
							v := int64(-1)
							if at >= 0 {
								if order == 1 {
									col := 0
									for j := range nd {
										col += at / s.inStride[j] % s.In[j] * colStride[j]
									}
									at = col
								}
								v = int64(p*inPlane + at)
							}
							idx.Int[p*outPlane+q] = v
						}
					}
					next(o, s.out)
				}
			}
			return nil
		}, nil
	}
}

func globalPoolBuilder(average bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, err := c.needTyped(0, Float)
		if err != nil {
			return nil, err
		}
		if len(x.Dims) < 3 {
			return nil, c.shapeErr("%s of X %v: want N×C×D1…", c.node.OpType, x.Dims)
		}
		dims := []int{x.Dims[0], x.Dims[1]}
		for range x.Dims[2:] {
			dims = append(dims, 1)
		}
		y, err := c.output(0, Float, dims)
		if err != nil {
			return nil, err
		}
		plane := numElements(x.Dims[2:])
		return func() error {
			for p := range y.Float {
				in := x.Float[p*plane : (p+1)*plane]
				if average {
					var sum float64
					for _, v := range in {
						sum += float64(v)
					}
					y.Float[p] = float32(sum / float64(plane))
					continue
				}
				m := float32(math.Inf(-1))
				for _, v := range in {
					if v > m || v != v {
						m = v
						if v != v {
							break
						}
					}
				}
				y.Float[p] = m
			}
			return nil
		}, nil
	}
}
