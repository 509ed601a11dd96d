package onnx

import "math"

// QLinearSoftmax (domain com.microsoft), which ONNX Runtime's quantizer
// writes for Softmax in its QOperator format: X, X_scale, X_zero_point,
// Y_scale, Y_zero_point (five inputs, as the schema wants; X_zero_point
// may be named "", and is not read, the softmax not depending on it; the
// others are required), int8 or uint8 X and Y of X's type, one value per
// parameter. The
// attribute opset (required) is the version of the Softmax it replaced:
// below 13, rows are X flattened to 2-D at axis, from 13 the one axis;
// axis defaults to −1 for every opset (the schema's default, which ONNX
// Runtime reads: not Softmax's 1 before opset 13).
//
// ONNX Runtime 1.31's steps, established by experiment against it and
// reproduced here: a table of 256 float32 values e[d] = exp((d − 255 +
// shift)·X_scale) (in float64, then rounded), shift = max(0,
// ln(FLT_MAX/D) − 5)/X_scale for rows of D elements (FLT_MAX/D and its
// logarithm in float32, the rest in float64; the float32 logarithm is
// taken correctly rounded here, glibc's logf on ONNX Runtime's side, which
// could differ in its last bit for some D); for a row of maximum m, each x weighs t = e[x − m + 255],
// the weights summed in float32 in order; y = round_half_even(t·S/sum)
// with S = floor(1/Y_scale), the product and the quotient rounded to
// float32 (so t·S may overflow to +Inf: shift makes the largest weight
// FLT_MAX/(e⁵·D), and S above about 148·D, a Y_scale below 1/(148·D),
// overflows). The integer steps are C's on amd64: for uint8, the value
// converted to uint32 through int64 (cvtI64: +Inf gives 0) plus the zero
// point, above 255 giving 255; for int8, converted to int32 (cvtI32:
// +Inf gives −2^31) plus the zero point, wrapping as int32, then
// saturated to [−128, 127].

func init() {
	registerMS("QLinearSoftmax", buildQLinearSoftmax)
}

func buildQLinearSoftmax(c *nodeCtx) (func() error, error) {
	if c.nIn() != 5 {
		return nil, c.shapeErr("QLinearSoftmax of %d inputs: want 5", c.nIn())
	}
	x, err := c.needTyped(0, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	sx, err := needQuantParam(c, 1, Float)
	if err != nil {
		return nil, err
	}
	if _, err := quantParam(c, 2, x.DType); err != nil {
		return nil, err
	}
	sy, err := needQuantParam(c, 3, Float)
	if err != nil {
		return nil, err
	}
	zy, err := needQuantParam(c, 4, x.DType)
	if err != nil {
		return nil, err
	}
	op := c.node.Attr("opset")
	if op == nil {
		return nil, c.shapeErr("attribute opset is required")
	}
	opset := c.attrInt("opset", 0)
	// The schema's default axis is −1, which ONNX Runtime reads for
	// every opset (not Softmax's 1 before opset 13).
	a := c.attrInt("axis", -1)
	if c.err != nil {
		return nil, c.err
	}
	r := len(x.Dims)
	if r == 0 {
		return nil, c.shapeErr("QLinearSoftmax of a scalar")
	}
	axis, err := c.axis(a, r)
	if err != nil {
		return nil, err
	}
	y, err := c.output(0, x.DType, x.Dims)
	if err != nil {
		return nil, err
	}
	// Rows of D elements, inner apart: D·inner elements per outer block.
	outer, D, inner := numElements(x.Dims[:axis]), 1, 1
	if opset < 13 {
		D = numElements(x.Dims[axis:])
	} else {
		D, inner = x.Dims[axis], numElements(x.Dims[axis+1:])
	}
	if D == 0 || x.Len() == 0 {
		return func() error { return nil }, nil
	}
	w, err := scratch[float32](c, D)
	if err != nil {
		return nil, err
	}
	var table [256]float32
	build := func() { softmaxTable(&table, sx.Float[0], D) }
	fixed := c.known(1)
	if fixed {
		build()
	}
	signed := x.DType == Int8
	return func() error {
		if !fixed {
			build()
		}
		S := float32(math.Floor(float64(1 / sy.Float[0])))
		yz := zy.Int[0]
		for o := range outer {
			for in := range inner {
				base := o*D*inner + in
				m := x.Int[base]
				for k := 1; k < D; k++ {
					m = max(m, x.Int[base+k*inner])
				}
				var sum float32
				for k := range D {
					t := table[x.Int[base+k*inner]-m+255]
					w[k] = t
					sum += t
				}
				for k, t := range w {
					q := float32(math.RoundToEven(float64(t * S / sum)))
					at := base + k*inner
					if signed {
						v := cvtI32(q) + int32(yz)
						y.Int[at] = int64(min(max(v, -128), 127))
					} else {
						v := uint32(cvtI64(q)) + uint32(yz)
						y.Int[at] = int64(min(v, 255))
					}
				}
			}
		}
		return nil
	}, nil
}

// softmaxTable fills t as ONNX Runtime's QlinearBuildLookupTableUint32
// does for rows of n elements and the input scale s: entry d (0 to 255,
// the element's distance below the row's maximum counted from 255) is
// exp((d − 255 + shift)·s) in float64, rounded to float32.
func softmaxTable(t *[256]float32, s float32, n int) {
	// FLT_MAX / n in float32 (C's float / size_t), and its log in float32
	// (C++'s log of a float is logf), then in float64.
	shift := float64(float32(math.Log(float64(math.MaxFloat32 / float32(n)))))
	shift = math.Max(0, shift-5) / float64(s)
	for d := range t {
		t[d] = float32(math.Exp((float64(d) - 255 + shift) * float64(s)))
	}
}
