package onnx

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// Conv, N-dimensional (1 to kernel.MaxConvDims spatial dimensions), with
// groups, strides, dilations, explicit pads or auto_pad and an optional
// bias, on kernel.PackedConv (the filters packed once, every output position
// of an image in one Gemm, or a Gemv per position for one or two), one image
// of the batch at a time.

func init() {
	register("Conv", 1, buildConv)
}

// convOperands reads the operands of Conv and ConvTranspose: FLOAT x and
// w, and the optional FLOAT bias (nil when absent).
func convOperands(c *nodeCtx) (x, w, bias *Tensor, err error) {
	xw, err := c.needAll(2, Float)
	if err != nil {
		return nil, nil, nil, err
	}
	bias = c.input(2)
	if bias != nil {
		if err := c.needType(bias, Float); err != nil {
			return nil, nil, nil, err
		}
	}
	return xw[0], xw[1], bias, nil
}

func buildConv(c *nodeCtx) (func() error, error) {
	_, run, err := planConv(c)
	return run, err
}

// planConv plans a Conv node's inputs 0 to 2 and output 0: its output
// tensor and the function that computes it (FusedConv adds to both).
func planConv(c *nodeCtx) (*Tensor, func() error, error) {
	x, w, bias, err := convOperands(c)
	if err != nil {
		return nil, nil, err
	}
	s, group, err := convGeometry(c, x, w)
	if err != nil {
		return nil, nil, err
	}
	N, C, M := x.Dims[0], x.Dims[1], w.Dims[0]
	if bias != nil && !equalDims(bias.Dims, []int{M}) {
		return nil, nil, c.shapeErr("Conv bias %v, want [%d]", bias.Dims, M)
	}
	out := s.Out()
	y, err := c.output(0, Float, append([]int{N, M}, out...))
	if err != nil {
		return nil, nil, err
	}
	// The filters are packed here once when they are known (initializers,
	// constants), else at every Run (into the same memory); and again if
	// the level has changed since.
	p := new(kernel.PackedConv)
	// its copy of the filters, and at most that again per group with the
	// filters rounded up to Gemm's widest tile (32 columns)
	G, Fg := int(group), M/int(group)
	if _, err := c.p.charge([]int{M + G*((Fg+31)/32*32), C / G, numElements(s.Kernel)}); err != nil {
		return nil, nil, err
	}
	pack := func() {
		var b []float32
		if bias != nil {
			b = bias.Float
		}
		p.Pack(s, w.Float, b)
	}
	pack()
	known := c.known(1) && (bias == nil || c.known(2))
	col, err := scratch[float32](c, p.ColSize())
	if err != nil {
		return nil, nil, err
	}
	inSize, outSize := numElements(s.In)*C, numElements(out)*M
	return y, func() error {
		if !known || p.Level() != kernel.Active() {
			pack()
			if n := p.ColSize(); len(col) < n {
				// Another level's Gemm blocks need more scratch: allocated
				// once, on the first Run after the kernel.SetLevel.
				col = make([]float32, n)
			}
		}
		for n := 0; n < N; n++ {
			p.Conv(y.Float[n*outSize:(n+1)*outSize], x.Float[n*inSize:(n+1)*inSize], col)
		}
		return nil
	}, nil
}

// convGeometry reads the geometry of a convolution (Conv, ConvInteger,
// QLinearConv) of X by W: the groups, strides, dilations, kernel_shape
// (checked against W), pads or auto_pad, and the checks kernel.Conv
// makes, as errors.
func convGeometry(c *nodeCtx, x, w *Tensor) (kernel.ConvShape, int64, error) {
	nd := len(x.Dims) - 2
	if nd < 1 || nd > kernel.MaxConvDims || len(w.Dims) != nd+2 {
		return kernel.ConvShape{}, 0, c.shapeErr("Conv of X %v by W %v: want N×C×D1… and M×C/group×k1… with 1 to %d spatial dimensions", x.Dims, w.Dims, kernel.MaxConvDims)
	}
	group := c.attrInt("group", 1)
	C, M := x.Dims[1], w.Dims[0]
	if C < 1 || M < 1 || group < 1 || int64(C)%group != 0 || int64(M)%group != 0 || w.Dims[1]*int(group) != C {
		return kernel.ConvShape{}, 0, c.shapeErr("%s of X %v by W %v in %d groups", c.node.OpType, x.Dims, w.Dims, group)
	}
	s := kernel.ConvShape{Channels: C, Filters: M, Groups: int(group), In: x.Dims[2:], Kernel: w.Dims[2:]}
	var err error
	if s.Stride, err = spatialAttr(c, "strides", nd, 1); err != nil {
		return kernel.ConvShape{}, 0, err
	}
	if s.Dilation, err = spatialAttr(c, "dilations", nd, 1); err != nil {
		return kernel.ConvShape{}, 0, err
	}
	if ks, ok, err := c.attrInts("kernel_shape"); err != nil {
		return kernel.ConvShape{}, 0, err
	} else if ok && !equalDims(intsOf(ks), s.Kernel) {
		return kernel.ConvShape{}, 0, c.shapeErr("kernel_shape %v, but W is %v", ks, w.Dims)
	}
	for j := 0; j < nd; j++ {
		if s.Stride[j] < 1 || s.Dilation[j] < 1 || s.In[j] < 1 || s.Kernel[j] < 1 {
			return kernel.ConvShape{}, 0, c.shapeErr("Conv of X %v by W %v with strides %v and dilations %v: all must be positive", x.Dims, w.Dims, s.Stride, s.Dilation)
		}
	}
	if err := convPads(c, &s); err != nil {
		return kernel.ConvShape{}, 0, err
	}
	// The checks kernel.Conv makes, as errors: the kernel fits the padded
	// input, and the im2col matrix and the output stay within its limit
	// (the budget refuses them later if they pass it).
	const limit = 1 << 40
	cols, outs := C, M
	for j := 0; j < nd; j++ {
		span := s.Dilation[j]*(s.Kernel[j]-1) + 1
		if s.In[j]+s.PadBegin[j]+s.PadEnd[j] < span {
			return kernel.ConvShape{}, 0, c.shapeErr("Conv of X %v by W %v: the kernel (dilations %v) is larger than the padded input (pads %v %v)", x.Dims, w.Dims, s.Dilation, s.PadBegin, s.PadEnd)
		}
		o := (s.In[j]+s.PadBegin[j]+s.PadEnd[j]-span)/s.Stride[j] + 1
		if cols > limit/o || outs > limit/o || cols*o > limit/s.Kernel[j] {
			return kernel.ConvShape{}, 0, fmt.Errorf("%w: Conv of X %v by W %v: the output or its im2col matrix is too large", ErrLimit, x.Dims, w.Dims)
		}
		cols, outs = cols*o*s.Kernel[j], outs*o
	}
	return s, group, nil
}

// spatialAttr reads an attribute of one value per spatial dimension (nd
// of them, each in [0, 2^30]), def in each when absent.
func spatialAttr(c *nodeCtx, name string, nd, def int) ([]int, error) {
	v, ok, err := c.attrInts(name)
	if err != nil || !ok {
		return fill(nd, def), err
	}
	if len(v) != nd {
		return nil, c.shapeErr("attribute %s %v, want %d values", name, v, nd)
	}
	out := make([]int, nd)
	for i, e := range v {
		if e < 0 || e > 1<<30 {
			return nil, c.shapeErr("attribute %s %v out of range", name, v)
		}
		out[i] = int(e)
	}
	return out, nil
}

// convPads sets s's pads from the pads or auto_pad attribute.
func convPads(c *nodeCtx, s *kernel.ConvShape) error {
	nd := len(s.In)
	s.PadBegin, s.PadEnd = fill(nd, 0), fill(nd, 0)
	switch auto := c.attrString("auto_pad", "NOTSET"); auto {
	case "NOTSET":
		pads, ok, err := c.attrInts("pads")
		if err != nil || !ok {
			return err
		}
		if len(pads) != 2*nd {
			return c.shapeErr("attribute pads %v, want %d values", pads, 2*nd)
		}
		for j := 0; j < nd; j++ {
			if pads[j] < 0 || pads[nd+j] < 0 || pads[j] > 1<<30 || pads[nd+j] > 1<<30 {
				return c.unsupported("attribute pads %v (negative pads)", pads)
			}
			s.PadBegin[j], s.PadEnd[j] = int(pads[j]), int(pads[nd+j])
		}
	case "VALID":
	case "SAME_UPPER", "SAME_LOWER":
		// The output is ⌈In/Stride⌉ wide; the padding that needs is split
		// evenly, the odd element at the end (UPPER) or the beginning.
		for j := 0; j < nd; j++ {
			out := (s.In[j] + s.Stride[j] - 1) / s.Stride[j]
			total := max((out-1)*s.Stride[j]+s.Dilation[j]*(s.Kernel[j]-1)+1-s.In[j], 0)
			small := total / 2
			s.PadBegin[j], s.PadEnd[j] = small, total-small
			if auto == "SAME_LOWER" {
				s.PadBegin[j], s.PadEnd[j] = total-small, small
			}
		}
	default:
		return c.unsupported("attribute auto_pad %q", auto)
	}
	return nil
}

// fill returns n copies of v.
func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// intsOf converts attribute values to ints (callers bound them first, or
// compare them only).
func intsOf(v []int64) []int {
	out := make([]int, len(v))
	for i, e := range v {
		out[i] = int(e)
	}
	return out
}
