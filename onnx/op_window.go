package onnx

import (
	"fmt"
	"math"
)

// HannWindow, HammingWindow and BlackmanWindow (opset 17): the window of
// size samples, a generalized cosine window
//
//	w[n] = a0 − a1·cos(2πn/N) + a2·cos(4πn/N),  n = 0 … size−1,
//
// with N = size when periodic (the default) and size − 1 when not, and
// (a0, a1, a2) = (1/2, 1/2, 0) for Hann, (25/46, 21/46, 0) for Hamming and
// (0.42, 0.5, 0.08) for Blackman, as ONNX defines them. The size input is
// an integer scalar whose value must be known while planning (it sets the
// output's shape); the window is computed then, in float64 and rounded
// once to float32, and the output is known. output_datatype must be FLOAT.
// A symmetric window of one sample divides 0 by 0 and is NaN, as ONNX's
// definition makes it.

func init() {
	register("HannWindow", 17, windowBuilder(0.5, 0.5, 0))
	register("HammingWindow", 17, windowBuilder(25.0/46, 21.0/46, 0))
	register("BlackmanWindow", 17, windowBuilder(0.42, 0.5, 0.08))
}

func windowBuilder(a0, a1, a2 float64) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		if dt := DataType(c.attrInt("output_datatype", int64(Float))); dt != Float {
			return nil, c.unsupported("data type %v for output_datatype (only FLOAT)", dt)
		}
		periodic := c.attrInt("periodic", 1)
		if periodic != 0 && periodic != 1 {
			return nil, c.unsupported("periodic %d (want 0 or 1)", periodic)
		}
		size, err := knownScalarInt(c, 0, "the window size")
		if err != nil {
			return nil, err
		}
		m, err := knownSize(c, size, "window size")
		if err != nil {
			return nil, err
		}
		y, err := c.p.alloc(Float, []int{m})
		if err != nil {
			return nil, err
		}
		n := float64(size)
		if periodic == 0 {
			n--
		}
		for i := range y.Float {
			x := 2 * math.Pi * float64(i) / n
			y.Float[i] = float32(a0 - a1*math.Cos(x) + a2*math.Cos(2*x))
		}
		c.knownOutput(0, y)
		return nil, nil
	}
}

// knownScalarInt returns the value of input i, an integer scalar (one
// element) known while planning: what, in errors.
func knownScalarInt(c *nodeCtx, i int, what string) (int64, error) {
	v, err := c.knownInts(i, what)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, c.shapeErr("%s (input %d) has %d values, want a scalar", what, i, len(v))
	}
	return v[0], nil
}

// knownSize checks a size read from an input known while planning (what,
// in errors): a negative one is an ErrShape error, one beyond the
// element budget (which also keeps it within int) an ErrLimit error.
func knownSize(c *nodeCtx, v int64, what string) (int, error) {
	if v < 0 {
		return 0, c.shapeErr("%s %d is negative", what, v)
	}
	if v > int64(*c.p.budget) {
		return 0, fmt.Errorf("%w: %s %d exceeds the element budget", ErrLimit, what, v)
	}
	return int(v), nil
}
