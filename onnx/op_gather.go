package onnx

import "fmt"

// Gather along an axis, with indices known while planning or given at run
// time (checked then: an index out of range is ErrInput).

func init() {
	register("Gather", 1, buildGather)
}

func buildGather(c *nodeCtx) (func() error, error) {
	x, axis, err := c.inputAxis(0)
	if err != nil {
		return nil, err
	}
	ind, err := c.need(1)
	if err != nil {
		return nil, err
	}
	if ind.DType != Int64 && ind.DType != Int32 {
		return nil, c.unsupported("indices of type %v", ind.DType)
	}
	dims := append(append(append([]int(nil), x.Dims[:axis]...), ind.Dims...), x.Dims[axis+1:]...)
	y, err := c.output(0, x.DType, dims)
	if err != nil {
		return nil, err
	}
	outer, inner := numElements(x.Dims[:axis]), numElements(x.Dims[axis+1:])
	d := x.Dims[axis]
	return func() error {
		n := len(ind.Int)
		for j, k := range ind.Int {
			if k < -int64(d) || k >= int64(d) {
				return fmt.Errorf("%w: index %d out of range for dimension %d", ErrInput, k, d)
			}
			if k < 0 {
				k += int64(d)
			}
			blockCopy(y, x, outer, inner, d*inner, int(k)*inner, n*inner, j*inner)
		}
		return nil
	}, nil
}
