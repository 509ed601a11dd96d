package onnx

import "math"

// The float steps of ONNX Runtime's com.microsoft QLinear operators on
// its CPU provider (MLAS), shared by the files that implement them
// (op_qgemm.go, op_qlinear_lookup.go, op_qlinear_concat.go,
// op_qlinear_pool.go, op_qlinear_softmax.go). Each is one float32
// operation per step, never fused unless it says so.

// mlasRound returns round_half_even(q) + z saturated to [lo, hi], as
// MLAS's quantizers and requantizers do it: q is clamped to
// [lo − z, hi − z] with MAXPS and MINPS, which give the bound for NaN, so
// NaN gives lo (QuantizeLinear here gives the zero point).
func mlasRound(q float32, z int64, lo, hi float32) int64 {
	if q != q {
		return int64(lo)
	}
	return int64(roundClamp(q, z, lo, hi))
}

// mlasQuantize is MlasQuantizeLinear of one value: v/s, then mlasRound.
func mlasQuantize(v, s float32, z int64, lo, hi float32) int64 {
	return mlasRound(v/s, z, lo, hi)
}

// cvtI32 and cvtI64 convert a float32 that is already an integer as x86's
// CVTTSS2SI does (a C static_cast<int32_t> or <int64_t> of a float on
// amd64): NaN and values out of range give the type's minimum, the
// "integer indefinite" value.
func cvtI32(f float32) int32 {
	if !(f >= -(1<<31) && f < 1<<31) {
		return math.MinInt32
	}
	return int32(f)
}

func cvtI64(f float32) int64 {
	if !(f >= -(1<<63) && f < 1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// quantParam reads input i, a per-tensor scale (Float) or zero point (of
// one of types) that ONNX Runtime's kernels take as "a scalar or a 1-D
// tensor of one element"; nil when the input is omitted.
func quantParam(c *nodeCtx, i int, types ...DataType) (*Tensor, error) {
	t := c.input(i)
	if t == nil {
		return nil, nil
	}
	if err := c.needType(t, types...); err != nil {
		return nil, err
	}
	if len(t.Dims) > 1 || numElements(t.Dims) != 1 {
		return nil, c.shapeErr("input %d of shape %v: want a scalar or one value", i, t.Dims)
	}
	return t, nil
}

// needQuantParam is quantParam for a required input.
func needQuantParam(c *nodeCtx, i int, types ...DataType) (*Tensor, error) {
	if _, err := c.need(i); err != nil {
		return nil, err
	}
	return quantParam(c, i, types...)
}

// zeroOf returns a zero point's value, 0 for an omitted one.
func zeroOf(t *Tensor) int64 {
	if t == nil {
		return 0
	}
	return t.Int[0]
}

// lookupTable is a 256-entry map of an int8 or uint8 tensor's values,
// indexed by the value's byte (v & 0xFF), as ONNX Runtime's
// QlinearBuildLookupTable builds it: each value x dequantized as
// x_scale·(x − x_zero_point) (the difference an exact integer, one float32
// product), mapped by f over the 256 values at once, and quantized by
// MlasQuantizeLinear (mlasQuantize) with y's scale and zero point.
type lookupTable [256]int64

// build fills t for values of type dt. deq is scratch of 256 values that
// f maps in place.
func (t *lookupTable) build(dt DataType, sx float32, zx int64, sy float32, zy int64, deq *[256]float32, f func(v *[256]float32)) {
	lo, hi := qRange(dt)
	for i := range 256 {
		deq[i] = sx * float32(byteValue(dt, i)-zx)
	}
	f(deq)
	for i, v := range deq {
		t[i] = mlasQuantize(v, sy, zy, lo, hi)
	}
}

// byteValue is the value of type dt (Int8 or Uint8) whose byte is b.
func byteValue(dt DataType, b int) int64 {
	if dt == Int8 {
		return int64(int8(uint8(b)))
	}
	return int64(b)
}

// identity is the map of QLinearConcat's and QLinearWhere's tables.
func identity(*[256]float32) {}
