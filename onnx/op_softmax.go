package onnx

import "github.com/simdcore/simdcore/kernel"

// Softmax and LogSoftmax with simdcore's kernels, and Hardmax: before opset 13 over the
// input flattened to 2-D at axis (default 1), since over one axis (default
// −1); rows along an inner axis are gathered into a scratch row.

func init() {
	register("Softmax", 1, softmaxBuilder(kernel.Softmax))
	register("LogSoftmax", 1, softmaxBuilder(kernel.LogSoftmax))
	register("Hardmax", 1, softmaxBuilder(hardmax))
}

// hardmax writes 1 at the first maximum of src (the first NaN, if any, as
// numpy's argmax takes it) and 0 elsewhere; dst may be src.
func hardmax(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	best := 0
	for i, v := range src {
		if v != v {
			best = i
			break
		}
		if v > src[best] {
			best = i
		}
	}
	clear(dst)
	dst[best] = 1
}

func softmaxBuilder(f func(dst, src []float32)) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, err := c.needTyped(0, Float)
		if err != nil {
			return nil, err
		}
		r := len(x.Dims)
		def := int64(-1)
		if c.opset < 13 {
			def = 1
		}
		a := c.attrInt("axis", def)
		var axis int
		if c.opset < 13 && a == int64(r) {
			axis = r // flattening at the end: rows of one element
		} else if axis, err = c.axis(a, r); err != nil {
			return nil, err
		}
		y, err := c.output(0, Float, x.Dims)
		if err != nil {
			return nil, err
		}
		if c.opset < 13 || axis == r-1 {
			d := numElements(x.Dims[axis:])
			if c.opset >= 13 {
				d = x.Dims[axis]
			}
			rows := 0
			if d > 0 {
				rows = x.Len() / d
			}
			return func() error {
				for i := 0; i < rows; i++ {
					f(y.Float[i*d:(i+1)*d], x.Float[i*d:(i+1)*d])
				}
				return nil
			}, nil
		}
		outer, d, inner := numElements(x.Dims[:axis]), x.Dims[axis], numElements(x.Dims[axis+1:])
		row, err := scratch[float32](c, d)
		if err != nil {
			return nil, err
		}
		return func() error {
			for o := 0; o < outer; o++ {
				for i := 0; i < inner; i++ {
					base := o*d*inner + i
					for k := range row {
						row[k] = x.Float[base+k*inner]
					}
					f(row, row)
					for k, v := range row {
						y.Float[base+k*inner] = v
					}
				}
			}
			return nil
		}, nil
	}
}
