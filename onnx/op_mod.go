package onnx

import "math"

// Mod (opset 10) with numpy broadcasting, on float32 and the integer types.
// With fmod=1 the remainder has the dividend's sign (C's fmod, truncated
// division); with fmod=0 (the default) it has the divisor's sign (floored
// division, Python's %). The specification asks for fmod=1 on floating-point
// types; a float32 Mod with fmod=0 computes numpy's mod, as ONNX's reference
// implementation does. A float32 remainder by zero is NaN; an integer one
// is an ErrInput error from Run.

func init() {
	register("Mod", 10, buildMod)
}

func buildMod(c *nodeCtx) (func() error, error) {
	bin, err := planBinary(c, nil, append([]DataType{Float}, intTypes...)...)
	if err != nil {
		return nil, err
	}
	fmod := c.attrInt("fmod", 0)
	if fmod != 0 && fmod != 1 {
		return nil, c.unsupported("fmod=%d (want 0 or 1)", fmod)
	}
	a, b, out, plan := bin.a, bin.b, bin.out, bin.plan
	if a.DType == Float {
		return func() error {
			plan.blocks(func(o, n, ao, bo, sa, sb int) {
				for i := range n {
					out.Float[o+i] = modFloat(a.Float[ao+i*sa], b.Float[bo+i*sb], fmod == 1)
				}
			})
			return nil
		}, nil
	}
	return func() error {
		var err error
		plan.blocks(func(o, n, ao, bo, sa, sb int) {
			if err != nil {
				return
			}
			for i := range n {
				u, v := a.Int[ao+i*sa], b.Int[bo+i*sb]
				if v == 0 {
					err = errDivZero
					return
				}
				// Go's % truncates (and gives 0 for MinInt64 % -1); the
				// result lies between the operands, so no wrapping.
				r := u % v
				if fmod == 0 && r != 0 && (r < 0) != (v < 0) {
					r += v
				}
				out.Int[o+i] = r
			}
		})
		return err
	}, nil
}

// modFloat is x mod y: C's fmod when trunc is set, numpy's mod (the sign of
// y, a zero signed as y) otherwise. The remainder of two float32 values is
// a float32 value, so computing it in float64 is exact.
func modFloat(x, y float32, trunc bool) float32 {
	r := math.Mod(float64(x), float64(y))
	if trunc {
		return float32(r)
	}
	switch {
	case r == 0:
		r = math.Copysign(0, float64(y))
	case (r < 0) != (y < 0):
		r += float64(y)
	}
	return float32(r)
}
