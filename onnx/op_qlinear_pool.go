package onnx

import (
	"fmt"
	"math"
)

// QLinearGlobalAveragePool and QLinearAveragePool (domain com.microsoft),
// which ONNX Runtime's quantizer writes for GlobalAveragePool and
// AveragePool in its QOperator format: X, x_scale, x_zero_point, y_scale,
// y_zero_point (one value each, required; but QLinearAveragePool's
// y_zero_point, 0 when absent; QLinearAveragePool's scalars, of rank 0,
// as ONNX Runtime's shape inference wants them), int8 or uint8 X and Y of
// X's type, N×C×D1… or, with channels_last, N×D1…×C.
//
// QLinearGlobalAveragePool is ONNX Runtime's integer path (MLAS): the
// exact int32 sum of a channel's H = D1·D2… values less H·x_zero_point,
// times x_scale/(y_scale·H) (float32), rounded half to even, plus
// y_zero_point, saturated. MLAS refuses H ≥ 2^24 (refused while
// planning) and a multiplier outside [2^−32, 256) (an error wrapping
// ErrInput from Run; a NaN one passes its check and gives the type's
// minimum).
//
// QLinearAveragePool takes AveragePool's kernel_shape (1 to 3 spatial
// dimensions, as ONNX Runtime), strides, pads or auto_pad, ceil_mode and
// count_include_pad (dilations are not an attribute of it: other than 1
// they are refused, as are pads not smaller than the window); its
// geometry is planPool's (convPads'), with ONNX Runtime's first pad
// where SAME auto_pad needs less than none (a window smaller than the
// stride). A window whose positions cover all of X's spatial dimensions
// without padding runs as QLinearGlobalAveragePool, as ONNX Runtime
// does. Any other output is ONNX Runtime's float path: each value
// dequantized as x_scale·(x − x_zero_point), the window's values inside X
// summed in float32 in row-major order, divided by their count (with
// count_include_pad, by the window's size, even where ceil_mode takes the
// window past the end padding), then y = sum/y_scale + y_zero_point
// (float32), rounded half to even, converted as C converts a float to
// int32 on amd64 (cvtI32: NaN or out of range gives −2^31) and saturated.

func init() {
	registerMS("QLinearGlobalAveragePool", buildQLinearPool(true))
	registerMS("QLinearAveragePool", buildQLinearPool(false))
}

// qPoolLayout is where a pooling node's element (n, c, spatial offset s)
// sits in X: channels first or last.
type qPoolLayout struct {
	C, plane int
	last     bool
}

func (l qPoolLayout) at(n, c, s int) int {
	if l.last {
		return (n*l.plane+s)*l.C + c
	}
	return (n*l.C+c)*l.plane + s
}

func buildQLinearPool(global bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, err := c.needTyped(0, Int8, Uint8)
		if err != nil {
			return nil, err
		}
		var ps [5]*Tensor
		for i := 1; i < 5; i++ {
			switch {
			case i%2 == 1:
				ps[i], err = needQuantParam(c, i, Float)
			case global || i == 2:
				ps[i], err = needQuantParam(c, i, x.DType)
			default:
				ps[i], err = quantParam(c, i, x.DType)
			}
			if err != nil {
				return nil, err
			}
			if !global && ps[i] != nil && len(ps[i].Dims) != 0 {
				return nil, c.shapeErr("input %d of shape %v: QLinearAveragePool takes scalars (as ONNX Runtime's shape inference)", i, ps[i].Dims)
			}
		}
		last := c.attrInt("channels_last", 0) != 0
		if c.err != nil {
			return nil, c.err
		}
		r := len(x.Dims)
		if r < 3 {
			return nil, c.shapeErr("%s of X %v: want N×C×D1… (or N×D1…×C)", c.node.OpType, x.Dims)
		}
		// nchw: X's dims with the channels second.
		nchw := append([]int(nil), x.Dims...)
		if last {
			nchw = append([]int{x.Dims[0], x.Dims[r-1]}, x.Dims[1:r-1]...)
		}
		N, C := nchw[0], nchw[1]
		lay := qPoolLayout{C: C, plane: numElements(nchw[2:]), last: last}
		var s *poolShape
		toGlobal := global
		if !global {
			if r-2 > 3 {
				return nil, c.unsupported("%d spatial dimensions (ONNX Runtime pools 1 to 3)", r-2)
			}
			if s, err = planPool(c, &Tensor{DType: x.DType, Dims: nchw}); err != nil {
				return nil, err
			}
			if c.err != nil {
				return nil, c.err
			}
			toGlobal = true
			for j := range s.In {
				if s.Dilation[j] != 1 {
					return nil, c.unsupported("attribute dilations %v", s.Dilation)
				}
				if s.PadBegin[j] >= s.Kernel[j] || s.PadEnd[j] >= s.Kernel[j] {
					return nil, c.unsupported("pads %v %v not smaller than the window %v", s.PadBegin, s.PadEnd, s.Kernel)
				}
				ortSamePads(c, s, j)
				toGlobal = toGlobal && s.Kernel[j] == s.In[j] && s.PadBegin[j] == 0 && s.PadEnd[j] == 0
			}
		}
		dims := append([]int(nil), nchw[:2]...)
		for j := range nchw[2:] {
			if global {
				dims = append(dims, 1)
			} else {
				dims = append(dims, s.out[j])
			}
		}
		if last {
			dims = append(append([]int{dims[0]}, dims[2:]...), dims[1])
		}
		if toGlobal && lay.plane >= 1<<24 {
			return nil, c.unsupported("%d positions per channel (ONNX Runtime's limit is 2^24)", lay.plane)
		}
		if toGlobal && lay.plane == 0 && N*C > 0 {
			return nil, c.shapeErr("%s of X %v: no positions to average", c.node.OpType, x.Dims)
		}
		y, err := c.output(0, x.DType, dims)
		if err != nil {
			return nil, err
		}
		lo, hi := qRange(x.DType)
		sx, sy := ps[1], ps[3]
		if toGlobal {
			return func() error {
				scale := sx.Float[0] / (sy.Float[0] * float32(lay.plane))
				if scale < 0x1p-32 || scale >= 256 {
					return fmt.Errorf("%w: %s: x_scale/(y_scale·%d) = %v, outside ONNX Runtime's range [2^-32, 256)", ErrInput, c.node.OpType, lay.plane, scale)
				}
				zx, zy := zeroOf(ps[2]), zeroOf(ps[4])
				bias := -int32(zx) * int32(lay.plane)
				for n := range N {
					for ch := range C {
						acc := bias
						for k := range lay.plane {
							acc += int32(x.Int[lay.at(n, ch, k)])
						}
						y.Int[n*C+ch] = mlasRound(float32(acc)*scale, zy, lo, hi)
					}
				}
				return nil
			}, nil
		}
		nd := len(s.In)
		count := 1
		for _, k := range s.Kernel {
			count *= k
		}
		countPad := c.attrInt("count_include_pad", 0) != 0
		outLay := qPoolLayout{C: C, plane: numElements(s.out), last: last}
		o, start, wlo, whi, i := make([]int, nd), make([]int, nd), make([]int, nd), make([]int, nd), make([]int, nd)
		return func() error {
			scx, scy := sx.Float[0], sy.Float[0]
			zx, zy := zeroOf(ps[2]), float32(zeroOf(ps[4]))
			for n := range N {
				for ch := range C {
					clear(o)
					for q := range outLay.plane {
						s.window(o, start, wlo, whi)
						inside := 1
						for j := range nd {
							inside *= whi[j] - wlo[j]
							i[j] = wlo[j]
						}
						var sum float32
						for inside > 0 {
							off := 0
							for j := range nd {
								off += (start[j] + i[j]) * s.inStride[j]
							}
							sum += float32(scx * float32(x.Int[lay.at(n, ch, off)]-zx))
							if !nextIn(i, wlo, whi) {
								break
							}
						}
						div := inside
						if countPad {
							div = count
						}
						v := float32(sum/float32(div)/scy) + zy
						q32 := cvtI32(float32(math.RoundToEven(float64(v))))
						y.Int[outLay.at(n, ch, q)] = int64(min(max(float32(q32), lo), hi))
						next(o, s.out)
					}
				}
			}
			return nil
		}, nil
	}
}

// ortSamePads sets dimension j's first pad as ONNX Runtime computes it for
// SAME auto_pad where the padding needed, (⌈In/Stride⌉ − 1)·Stride +
// Kernel − In, is negative (convPads counts it as none): half of it,
// truncated toward zero, for SAME_UPPER, half of one more for SAME_LOWER.
// The output's size is the same either way.
func ortSamePads(c *nodeCtx, s *poolShape, j int) {
	auto := c.attrString("auto_pad", "NOTSET")
	if auto != "SAME_UPPER" && auto != "SAME_LOWER" {
		return
	}
	out := (s.In[j] + s.Stride[j] - 1) / s.Stride[j]
	need := (out-1)*s.Stride[j] + s.Kernel[j] - s.In[j]
	if need >= 0 {
		return
	}
	head := need / 2
	if auto == "SAME_LOWER" {
		head = (need + 1) / 2
	}
	s.PadBegin[j], s.PadEnd[j] = head, need-head
}
