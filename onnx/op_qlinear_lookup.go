package onnx

import "math"

// QLinearSigmoid and QLinearLeakyRelu (domain com.microsoft), which ONNX
// Runtime's quantizer writes for Sigmoid and LeakyRelu in its QOperator
// format: X, X_scale, X_zero_point, Y_scale, Y_zero_point (zero points
// optional, 0 when absent; one value each), int8 or uint8 X and Y of X's
// type. Each maps X through a table of its 256 values (lookupTable:
// dequantized, mapped in float32, quantized half to even), built while
// planning when the scales and zero points are known then, else at every
// Run.
//
// LeakyRelu's map is v ≥ 0 ? v : alpha·v (alpha default 0.01). Sigmoid's
// is MLAS's logistic (mlasLogistic), the rational approximation ONNX
// Runtime computes, not the exact logistic: the tables differ from a
// correctly rounded sigmoid's in some entries, and agree with ONNX
// Runtime's on its FMA kernel (amd64 with AVX2, which runs
// MlasLogisticKernelFma3 for all 256 values). ONNX Runtime on a CPU
// without FMA (its SSE2 kernel, an unfused multiply and add) or on arm64
// (its NEON kernel, which clamps the result to 1 too) may round an entry
// differently.

func init() {
	registerMS("QLinearSigmoid", buildQLinearLookup(func(*nodeCtx) func(*[256]float32) { return mlasLogistic }))
	registerMS("QLinearLeakyRelu", buildQLinearLookup(func(c *nodeCtx) func(*[256]float32) {
		alpha := c.attrFloat("alpha", 0.01)
		return func(v *[256]float32) {
			for i, x := range v {
				if !(x >= 0) {
					v[i] = alpha * x
				}
			}
		}
	}))
}

// buildQLinearLookup plans a table-mapped operator whose float map fn
// gives (reading its attributes).
func buildQLinearLookup(fn func(*nodeCtx) func(*[256]float32)) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, err := c.needTyped(0, Int8, Uint8)
		if err != nil {
			return nil, err
		}
		var ps [5]*Tensor
		for i := 1; i < 5; i++ {
			if i%2 == 1 {
				ps[i], err = needQuantParam(c, i, Float)
			} else {
				ps[i], err = quantParam(c, i, x.DType)
			}
			if err != nil {
				return nil, err
			}
		}
		f := fn(c)
		if c.err != nil {
			return nil, c.err
		}
		y, err := c.output(0, x.DType, x.Dims)
		if err != nil {
			return nil, err
		}
		var table lookupTable
		var deq [256]float32
		build := func() {
			table.build(x.DType, ps[1].Float[0], zeroOf(ps[2]), ps[3].Float[0], zeroOf(ps[4]), &deq, f)
		}
		fixed := c.known(1) && c.known(3) && (ps[2] == nil || c.known(2)) && (ps[4] == nil || c.known(4))
		if fixed {
			build()
		}
		return func() error {
			if !fixed {
				build()
			}
			for i, v := range x.Int {
				y.Int[i] = table[v&0xFF]
			}
			return nil
		}, nil
	}
}

// The constants of MLAS's logistic (Eigen's rational approximation).
const (
	logisticLower  = -18
	logisticUpper  = 18
	logisticAlpha9 = float32(4.37031012579801e-11)
	logisticAlpha7 = float32(1.15627324459942e-07)
	logisticAlpha5 = float32(6.08574864600143e-05)
	logisticAlpha3 = float32(8.51377133304701e-03)
	logisticAlpha1 = float32(2.48287947061529e-01)
	logisticBeta10 = float32(6.10247389755681e-13)
	logisticBeta8  = float32(5.76102136993427e-09)
	logisticBeta6  = float32(6.29106785017040e-06)
	logisticBeta4  = float32(1.70198817374094e-03)
	logisticBeta2  = float32(1.16817656904453e-01)
	logisticBeta0  = float32(9.93151921023180e-01)
)

// mlasLogistic maps v in place as MlasLogisticKernelFma3 does: x clamped
// to [−18, 18] (NaN kept), p = x·P(x²) and q = Q(x²) by Horner's rule in
// fused multiply-adds, p/q + 0.5, clamped below at 0 (NaN kept).
func mlasLogistic(v *[256]float32) {
	for i, x := range v {
		if x < logisticLower {
			x = logisticLower
		}
		if x > logisticUpper {
			x = logisticUpper
		}
		x2 := x * x
		p := fmaf(x2, logisticAlpha9, logisticAlpha7)
		p = fmaf(x2, p, logisticAlpha5)
		p = fmaf(x2, p, logisticAlpha3)
		p = fmaf(x2, p, logisticAlpha1)
		q := fmaf(x2, logisticBeta10, logisticBeta8)
		q = fmaf(x2, q, logisticBeta6)
		q = fmaf(x2, q, logisticBeta4)
		q = fmaf(x2, q, logisticBeta2)
		q = fmaf(x2, q, logisticBeta0)
		r := float32(x*p)/q + 0.5
		if r < 0 {
			r = 0
		}
		v[i] = r
	}
}

// fmaf returns a·b + c rounded once to float32 (VFMADD's result). The
// product is exact in float64; the sum is taken there rounded to odd
// (the float64 sum, moved to its odd neighbour toward the exact value
// when inexact), which float32's 24 bits then round correctly.
func fmaf(a, b, c float32) float32 {
	p, z := float64(a)*float64(b), float64(c)
	s := p + z
	bv := s - p
	e := (p - (s - bv)) + (z - bv) // the exact sum is s + e
	if e != 0 && math.Float64bits(s)&1 == 0 {
		if e > 0 {
			s = math.Nextafter(s, math.Inf(1))
		} else {
			s = math.Nextafter(s, math.Inf(-1))
		}
	}
	return float32(s)
}
