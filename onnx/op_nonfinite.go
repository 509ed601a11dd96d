package onnx

import "math"

// IsNaN (opset 9) and IsInf (opset 10) on float32, giving BOOL. IsInf's
// detect_negative and detect_positive (default 1) choose which infinities
// count.

func init() {
	register("IsNaN", 9, buildIsNaN)
	register("IsInf", 10, buildIsInf)
}

func buildIsNaN(c *nodeCtx) (func() error, error) {
	return classify(c, func(x float32) bool { return x != x })
}

func buildIsInf(c *nodeCtx) (func() error, error) {
	neg := c.attrInt("detect_negative", 1) != 0
	pos := c.attrInt("detect_positive", 1) != 0
	return classify(c, func(x float32) bool {
		return neg && x < -math.MaxFloat32 || pos && x > math.MaxFloat32
	})
}

// classify plans a BOOL output of input 0's shape holding pred of each
// float32 element.
func classify(c *nodeCtx, pred func(float32) bool) (func() error, error) {
	x, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	y, err := c.output(0, Bool, x.Dims)
	if err != nil {
		return nil, err
	}
	return func() error {
		for i, v := range x.Float {
			y.Int[i] = b2i(pred(v))
		}
		return nil
	}, nil
}
