package onnx

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// Softmax and LogSoftmax with simdcore's kernels, and Hardmax: before opset 13 over the
// input flattened to 2-D at axis (default 1), since over one axis (default
// −1); rows along an inner axis are gathered into a scratch row.

func init() {
	register("Softmax", 1, softmaxBuilder(specRows(kernel.Softmax, 0)))
	register("LogSoftmax", 1, softmaxBuilder(specRows(kernel.LogSoftmax, float32(math.Inf(-1)))))
	register("Hardmax", 1, softmaxBuilder(hardmax))
}

// specRows gives f, kernel.Softmax or kernel.LogSoftmax, the operators'
// answer for a row of −Inf only. The ONNX definition, exp(x − max)/Σ
// with max = −Inf, is NaN in every element, as in onnx's reference, ONNX
// Runtime and torch (an exported attention whose query has every key
// masked); the kernels give zeros (LogSoftmax: −Inf) there, for package
// attn's masks. Every other row, NaN and +Inf included, is the kernels'
// already. empty is what the kernel writes for such a row: any other row
// has an element above it (the softmax of its maximum is positive, the
// log-softmax finite), so the row is checked only when its first element
// is empty and the check reads dst (dst may be src).
func specRows(f func(dst, src []float32), empty float32) func(dst, src []float32) {
	nan := float32(math.NaN())
	return func(dst, src []float32) {
		f(dst, src)
		if len(dst) > 0 && dst[0] == empty && kernel.Max(dst) == empty {
			for i := range dst {
				dst[i] = nan
			}
		}
	}
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
