package onnx

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// ConvTranspose (opset 1 on), N-dimensional (1 to kernel.MaxConvDims
// spatial dimensions, as Conv), with groups, strides, dilations,
// output_padding, explicit pads, auto_pad or output_shape, and an optional
// bias, over float32. X is N×C×D1…, W is C×(M/group)×k1…, Y is N×M×O1….
//
// The output size along each spatial dimension is
// full = stride·(D−1) + output_padding + dilation·(k−1) + 1 less the pads.
// With output_shape the output has that size and the pads are derived from
// total = full − output_shape: split evenly, the odd one at the end for
// SAME_UPPER and at the beginning otherwise; a negative total (an output
// larger than full) extends the output at the end, where only the bias
// reaches. SAME_UPPER and SAME_LOWER without output_shape ask for
// D·stride, split the same way. NOTSET takes pads (0 when absent), VALID
// none.
//
// Each image and group is one Gemm, col = Wgᵀ·Xg ((M/group)·K rows of
// D1·D2… columns, K = k1·k2…), whose rows are then added into the output
// at their positions (col2im), over the bias. The column buffer is
// allocated while planning and charged to the element budget.

func init() {
	register("ConvTranspose", 1, buildConvTranspose)
}

// convTransposeShape is a ConvTranspose node's geometry.
type convTransposeShape struct {
	C, M, G  int   // input channels, output channels, groups
	in       []int // spatial input size
	kernel   []int // spatial kernel size
	stride   []int
	dilation []int
	padBegin []int // output positions dropped at the beginning
	out      []int // spatial output size
}

func buildConvTranspose(c *nodeCtx) (func() error, error) {
	x, w, bias, err := convOperands(c)
	if err != nil {
		return nil, err
	}
	s, err := convTransposeGeometry(c, x, w)
	if err != nil {
		return nil, err
	}
	if bias != nil && !equalDims(bias.Dims, []int{s.M}) {
		return nil, c.shapeErr("ConvTranspose bias %v, want [%d]", bias.Dims, s.M)
	}
	N := x.Dims[0]
	y, err := c.output(0, Float, append([]int{N, s.M}, s.out...))
	if err != nil {
		return nil, err
	}
	P, K, outSize := numElements(s.in), numElements(s.kernel), numElements(s.out)
	Cg, Mg := s.C/s.G, s.M/s.G
	if float64(Mg*K)*float64(P) > maxTensorElements {
		return nil, fmt.Errorf("%w: ConvTranspose of X %v by W %v: a column buffer of %d×%d", ErrLimit, x.Dims, w.Dims, Mg*K, P)
	}
	col, err := scratch[float32](c, Mg*K*P)
	if err != nil {
		return nil, err
	}
	return func() error {
		for n := range N {
			yn := y.Float[n*s.M*outSize : (n+1)*s.M*outSize]
			for m := range s.M {
				b := float32(0)
				if bias != nil {
					b = bias.Float[m]
				}
				plane := yn[m*outSize : (m+1)*outSize]
				for i := range plane {
					plane[i] = b
				}
			}
			for g := range s.G {
				a := kernel.MatrixFrom(Cg, Mg*K, w.Float[g*Cg*Mg*K:(g+1)*Cg*Mg*K])
				xg := kernel.MatrixFrom(Cg, P, x.Float[(n*s.C+g*Cg)*P:(n*s.C+(g+1)*Cg)*P])
				kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, a, xg, 0, kernel.MatrixFrom(Mg*K, P, col))
				s.col2im(yn[g*Mg*outSize:(g+1)*Mg*outSize], col, Mg)
			}
		}
		return nil
	}, nil
}

// convTransposeGeometry reads a ConvTranspose node's attributes for X and
// W and returns its geometry, refusing what is inconsistent (ErrShape) and
// outputs too large to index (ErrLimit); the budget bounds the rest.
func convTransposeGeometry(c *nodeCtx, x, w *Tensor) (*convTransposeShape, error) {
	nd := len(x.Dims) - 2
	if nd < 1 || nd > kernel.MaxConvDims || len(w.Dims) != nd+2 {
		return nil, c.shapeErr("ConvTranspose of X %v by W %v: want N×C×D1… and C×M/group×k1… with 1 to %d spatial dimensions", x.Dims, w.Dims, kernel.MaxConvDims)
	}
	group := c.attrInt("group", 1)
	C := x.Dims[1]
	if C < 1 || w.Dims[1] < 1 || group < 1 || int64(C)%group != 0 || w.Dims[0] != C {
		return nil, c.shapeErr("ConvTranspose of X %v by W %v in %d groups", x.Dims, w.Dims, group)
	}
	s := &convTransposeShape{C: C, M: w.Dims[1] * int(group), G: int(group), in: x.Dims[2:], kernel: w.Dims[2:]}
	var err error
	if s.stride, err = spatialAttr(c, "strides", nd, 1); err != nil {
		return nil, err
	}
	if s.dilation, err = spatialAttr(c, "dilations", nd, 1); err != nil {
		return nil, err
	}
	outPad, err := spatialAttr(c, "output_padding", nd, 0)
	if err != nil {
		return nil, err
	}
	if ks, ok, err := c.attrInts("kernel_shape"); err != nil {
		return nil, err
	} else if ok && !equalDims(intsOf(ks), s.kernel) {
		return nil, c.shapeErr("kernel_shape %v, but W is %v", ks, w.Dims)
	}
	for j := range nd {
		if s.stride[j] < 1 || s.dilation[j] < 1 || s.in[j] < 1 || s.kernel[j] < 1 {
			return nil, c.shapeErr("ConvTranspose of X %v by W %v with strides %v and dilations %v: all must be positive", x.Dims, w.Dims, s.stride, s.dilation)
		}
	}
	// full output sizes (no pads), each within maxTensorElements so that
	// the arithmetic below cannot overflow
	full := make([]int, nd)
	for j := range nd {
		f := float64(s.stride[j])*float64(s.in[j]-1) + float64(outPad[j]) + float64(s.dilation[j])*float64(s.kernel[j]-1) + 1
		if f > maxTensorElements {
			return nil, fmt.Errorf("%w: ConvTranspose of X %v by W %v with strides %v and dilations %v: an output dimension of %.3g", ErrLimit, x.Dims, w.Dims, s.stride, s.dilation, f)
		}
		full[j] = int(f)
	}
	auto := c.attrString("auto_pad", "NOTSET")
	switch auto {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return nil, c.unsupported("attribute auto_pad %q", auto)
	}
	s.padBegin, s.out = make([]int, nd), make([]int, nd)
	want, given, err := c.attrInts("output_shape")
	if err != nil {
		return nil, err
	}
	if given {
		if len(want) == nd+2 { // N and C included
			want = want[2:]
		}
		if len(want) != nd {
			return nil, c.shapeErr("attribute output_shape %v, want %d values", want, nd)
		}
		for _, o := range want {
			if o < 1 || o > maxTensorElements {
				return nil, c.shapeErr("attribute output_shape %v out of range", want)
			}
		}
	}
	switch {
	case given || auto == "SAME_UPPER" || auto == "SAME_LOWER":
		for j := range nd {
			switch {
			case given:
				s.out[j] = int(want[j])
			case float64(s.in[j])*float64(s.stride[j]) > maxTensorElements:
				return nil, fmt.Errorf("%w: ConvTranspose of X %v with strides %v: an output dimension of %d·%d", ErrLimit, x.Dims, s.stride, s.in[j], s.stride[j])
			default:
				s.out[j] = s.in[j] * s.stride[j]
			}
			total := full[j] - s.out[j]
			switch {
			case total < 0: // the output extends past full at the end
			case auto == "SAME_UPPER":
				s.padBegin[j] = total / 2
			default:
				s.padBegin[j] = total - total/2
			}
		}
	case auto == "NOTSET":
		pads, ok, err := c.attrInts("pads")
		if err != nil {
			return nil, err
		}
		if ok && len(pads) != 2*nd {
			return nil, c.shapeErr("attribute pads %v, want %d values", pads, 2*nd)
		}
		for j := range nd {
			var pb, pe int64
			if ok {
				pb, pe = pads[j], pads[nd+j]
			}
			if pb < 0 || pe < 0 {
				return nil, c.unsupported("attribute pads %v (negative pads)", pads)
			}
			if pb >= int64(full[j]) || pe >= int64(full[j])-pb {
				return nil, c.shapeErr("ConvTranspose of X %v by W %v: pads %v leave no output", x.Dims, w.Dims, pads)
			}
			s.padBegin[j], s.out[j] = int(pb), full[j]-int(pb+pe)
		}
	default: // VALID
		copy(s.out, full)
	}
	return s, nil
}

// col2im adds col, the product Wgᵀ·Xg of one image's group (Mg·K rows of
// P columns: output channel, kernel position; input position), into y, the
// group's Mg output planes: input position i with kernel offset k lands on
// output position i·stride + k·dilation − padBegin, if inside the output.
func (s *convTransposeShape) col2im(y, col []float32, Mg int) {
	nd := len(s.in)
	P, K, outSize := numElements(s.in), numElements(s.kernel), numElements(s.out)
	last := nd - 1
	var k, lo, hi, off, inStride, outStride, i [kernel.MaxConvDims]int
	is, os := 1, 1
	for j := last; j >= 0; j-- {
		inStride[j], outStride[j] = is, os
		is *= s.in[j]
		os *= s.out[j]
	}
	for kk := range K {
		// the input positions whose output lies inside, per dimension
		empty := false
		for j := range nd {
			off[j] = k[j]*s.dilation[j] - s.padBegin[j]
			lo[j] = 0
			if off[j] < 0 {
				lo[j] = (-off[j] + s.stride[j] - 1) / s.stride[j]
			}
			hi[j] = 0
			if r := s.out[j] - 1 - off[j]; r >= 0 {
				hi[j] = min(s.in[j], r/s.stride[j]+1)
			}
			empty = empty || lo[j] >= hi[j]
		}
		if !empty {
			st := s.stride[last]
			for m := range Mg {
				row := col[(m*K+kk)*P : (m*K+kk+1)*P]
				plane := y[m*outSize : (m+1)*outSize]
				copy(i[:nd], lo[:nd])
				for {
					ib, ob := 0, off[last]
					for j := range last {
						ib += i[j] * inStride[j]
						ob += (i[j]*s.stride[j] + off[j]) * outStride[j]
					}
					src := row[ib+lo[last] : ib+hi[last]]
					o := ob + lo[last]*st
					for _, v := range src {
						plane[o] += v
						o += st
					}
					// the next row of the input box (dimensions before the last)
					j := last - 1
					for ; j >= 0; j-- {
						if i[j]++; i[j] < hi[j] {
							break
						}
						i[j] = lo[j]
					}
					if j < 0 {
						break
					}
				}
			}
		}
		// the next kernel position
		for j := last; j >= 0; j-- {
			if k[j]++; k[j] < s.kernel[j] {
				break
			}
			k[j] = 0
		}
	}
}
