package onnx

import (
	"fmt"
	"math"
)

// DynamicQuantizeMatMul (com.microsoft), which ONNX Runtime's optimizer
// writes at its 'extended' level for the DynamicQuantizeLinear, MatMulInteger,
// Cast and Mul chain of its dynamic quantizer (quantize_dynamic):
//
//	Y = float(Σ (qa − za)·(b − b_zero_point)) · (a_scale·b_scale) + bias
//
// A (FLOAT, [..., K]) is quantized to uint8 as ONNX Runtime's kernel does
// (contrib_ops/cpu/quantization/dynamic_quantize_matmul.cc): its range
// widened to hold 0, a_scale = (max − min)/255 (1 when max = min, where
// DynamicQuantizeLinear takes 1/255), za = round_half_even(clamp(−min/
// a_scale, 0, 255)), qa = clamp(round_half_even(a/a_scale) + za, 0, 255).
// B is a 2-D int8 or uint8 [K, N] (batched B is refused), b_scale and
// the optional b_zero_point one value each (ONNX Runtime refuses per-column
// ones), bias an optional FLOAT [N]. The int32 sums are exact (intProduct,
// as MatMulInteger's); a_scale·b_scale is rounded to float32 once, and each
// output is the sum rounded to float32, times it, rounded, plus the bias.
// A holding NaN or ±Inf has no scale: Run returns an error wrapping
// ErrInput, as DynamicQuantizeLinear's does.

func init() {
	registerMS("DynamicQuantizeMatMul", buildDynamicQuantizeMatMul)
}

func buildDynamicQuantizeMatMul(c *nodeCtx) (func() error, error) {
	a, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	b, err := c.needTyped(1, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	bs, err := c.needTyped(2, Float)
	if err != nil {
		return nil, err
	}
	bz, bias := c.input(3), c.input(4)
	if c.nIn() > 5 {
		return nil, c.shapeErr("DynamicQuantizeMatMul takes at most 5 inputs, not %d", c.nIn())
	}
	if len(b.Dims) != 2 {
		return nil, c.unsupported("B of shape %v (only a 2-D B)", b.Dims)
	}
	if len(a.Dims) < 1 || a.Dims[len(a.Dims)-1] != b.Dims[0] {
		return nil, c.shapeErr("DynamicQuantizeMatMul of A %v by B %v", a.Dims, b.Dims)
	}
	if bs.Len() != 1 || len(bs.Dims) > 1 {
		return nil, c.unsupported("b_scale of shape %v (per-column scales)", bs.Dims)
	}
	if bz != nil {
		if err := c.needType(bz, b.DType); err != nil {
			return nil, err
		}
		if bz.Len() != 1 || len(bz.Dims) > 1 {
			return nil, c.unsupported("b_zero_point of shape %v (per-column zero points)", bz.Dims)
		}
	}
	k, n := b.Dims[0], b.Dims[1]
	m := 1
	if k > 0 {
		m = a.Len() / k
	} else {
		m = numElements(a.Dims[:len(a.Dims)-1])
	}
	if bias != nil {
		if err := c.needType(bias, Float); err != nil {
			return nil, err
		}
		if !equalDims(bias.Dims, []int{n}) {
			return nil, c.shapeErr("DynamicQuantizeMatMul bias of shape %v, want [%d]", bias.Dims, n)
		}
	}
	y, err := c.output(0, Float, append(append([]int(nil), a.Dims[:len(a.Dims)-1]...), n))
	if err != nil {
		return nil, err
	}
	qa, err := scratch[int64](c, m*k)
	if err != nil {
		return nil, err
	}
	za, err := scratch[int64](c, m)
	if err != nil {
		return nil, err
	}
	zb, err := scratch[int64](c, n)
	if err != nil {
		return nil, err
	}
	prod, err := newIntProduct(c, m, k, n, b.DType == Int8)
	if err != nil {
		return nil, err
	}
	if c.known(1) {
		prod.packOnce(intView{v: b.Int, rs: n, cs: 1})
	}
	var mult float32
	store := func(i, j int, s int32) {
		v := float32(float32(s) * mult)
		if bias != nil {
			v += bias.Float[j]
		}
		y.Float[i*n+j] = v
	}
	return func() error {
		var mx, mn float32
		for _, v := range a.Float {
			if v-v != 0 {
				return fmt.Errorf("%w: DynamicQuantizeMatMul of A holding %v", ErrInput, v)
			}
			mx, mn = max(mx, v), min(mn, v)
		}
		s := float32(1)
		if mx != mn {
			s = (mx - mn) / 255
		}
		z := int64(math.RoundToEven(float64(min(max(0-mn/s, 0), 255))))
		for i, v := range a.Float {
			qa[i] = int64(quantize(v, s, z, 0, 255))
		}
		for i := range za {
			za[i] = z
		}
		var zbv int64
		if bz != nil {
			zbv = bz.Int[0]
		}
		for j := range zb {
			zb[j] = zbv
		}
		mult = s * bs.Float[0]
		prod.run(intView{v: qa, rs: k, cs: 1}, intView{v: b.Int, rs: n, cs: 1}, true, za, zb, store)
		return nil
	}, nil
}
