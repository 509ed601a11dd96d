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
// A (FLOAT, [..., K]) is quantized to uint8 as ONNX Runtime's CPU kernel
// does: its range widened to hold 0, a_scale = (max − min)/255 (1 when
// max = min, where DynamicQuantizeLinear takes 1/255), za =
// round_half_even(clamp(−min/a_scale, 0, 255)), qa =
// clamp(round_half_even(a/a_scale) + za, 0, 255).
// B is a 2-D int8 or uint8 [K, N] (batched B is refused), b_scale and
// the optional b_zero_point of one value or one per column ([N]), bias an
// optional FLOAT [N]. The int32 sums are exact (intProduct, as
// MatMulInteger's); a_scale·b_scale[j] is rounded to float32 once, and each
// output is the sum rounded to float32, times it, rounded, plus the bias.
// A holding NaN or ±Inf has no scale: Run returns an error wrapping
// ErrInput, as DynamicQuantizeLinear's does. A, b_scale and bias are FLOAT
// only, as the operator's schema says: FLOAT16 ones are refused
// (ErrUnsupported).

// MatMulIntegerToFloat (com.microsoft), which the optimizer writes instead
// where one DynamicQuantizeLinear feeds several MatMulIntegers (query, key
// and value projections of one input):
//
//	Y = float(Σ (a − a_zero_point)·(b − b_zero_point)) · (a_scale·b_scale) + bias
//
// A uint8 or int8 ([..., K]) with one a_scale and optional a_zero_point, B
// a 2-D int8 or uint8 [K, N] with b_scale and b_zero_point of one value or
// one per column ([N]), bias an optional FLOAT [N]; the same exact sums and
// float32 steps as DynamicQuantizeMatMul. ONNX Runtime 1.31's CPU provider
// has no kernel for an int8 A by a uint8 B; this package computes it. The
// scales, bias and Y may be FLOAT16 (the schema allows it): computed in
// float32, Y rounded to half (plan_half.go).

func init() {
	registerMS("DynamicQuantizeMatMul", buildDynamicQuantizeMatMul)
	registerMS("MatMulIntegerToFloat", buildMatMulIntegerToFloat)
}

// intToFloat is the product DynamicQuantizeMatMul and MatMulIntegerToFloat
// share: B (2-D int8 or uint8), b_scale and b_zero_point of one value or,
// where allowed, one per column, the bias, the output; the scales times
// B's zero points per column, filled by run; and store, which
// writes float(s)·mult[j] + bias[j].
type intToFloat struct {
	y         *Tensor
	b, bs, bz *Tensor
	bias      *Tensor
	m, k, n   int
	prod      *intProduct
	mult      []float32
	zb        []int64
	store     func(i, j int, s int32)
}

// intToFloatInputs are the positions of B, b_scale, b_zero_point and
// bias among a node's inputs, and how many inputs it takes.
type intToFloatInputs struct{ b, scale, zero, bias, count int }

// planIntToFloat plans the product of A (of dims aDims, [..., K]) by B.
func planIntToFloat(c *nodeCtx, aDims []int, in intToFloatInputs) (*intToFloat, error) {
	b, err := c.needTyped(in.b, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	bs, err := c.needTyped(in.scale, Float)
	if err != nil {
		return nil, err
	}
	bz, bias := c.input(in.zero), c.input(in.bias)
	if c.nIn() > in.count {
		return nil, c.shapeErr("%s takes at most %d inputs, not %d", c.node.OpType, in.count, c.nIn())
	}
	if len(b.Dims) != 2 {
		return nil, c.unsupported("B of shape %v (only a 2-D B)", b.Dims)
	}
	if len(aDims) < 1 || aDims[len(aDims)-1] != b.Dims[0] {
		return nil, c.shapeErr("%s of A %v by B %v", c.node.OpType, aDims, b.Dims)
	}
	k, n := b.Dims[0], b.Dims[1]
	param := func(t *Tensor, what string) error {
		if len(t.Dims) <= 1 && t.Len() == 1 {
			return nil
		}
		if equalDims(t.Dims, []int{n}) {
			return nil
		}
		return c.unsupported("%s of shape %v (per-column values)", what, t.Dims)
	}
	if err := param(bs, "b_scale"); err != nil {
		return nil, err
	}
	if bz != nil {
		if err := c.needType(bz, b.DType); err != nil {
			return nil, err
		}
		if err := param(bz, "b_zero_point"); err != nil {
			return nil, err
		}
	}
	if bias != nil {
		if err := c.needType(bias, Float); err != nil {
			return nil, err
		}
		if !equalDims(bias.Dims, []int{n}) {
			return nil, c.shapeErr("%s bias of shape %v, want [%d]", c.node.OpType, bias.Dims, n)
		}
	}
	m := numElements(aDims[:len(aDims)-1])
	p := &intToFloat{b: b, bs: bs, bz: bz, bias: bias, m: m, k: k, n: n}
	if p.y, err = c.output(0, Float, append(append([]int(nil), aDims[:len(aDims)-1]...), n)); err != nil {
		return nil, err
	}
	if p.mult, err = scratch[float32](c, n); err != nil {
		return nil, err
	}
	if p.zb, err = scratch[int64](c, n); err != nil {
		return nil, err
	}
	if p.prod, err = newIntProduct(c, m, k, n, b.DType == Int8); err != nil {
		return nil, err
	}
	if c.known(in.b) {
		p.prod.packOnce(intView{v: b.Int, rs: n, cs: 1})
	}
	y, mult := p.y, p.mult
	p.store = func(i, j int, s int32) {
		v := float32(float32(s) * mult[j])
		if bias != nil {
			v += bias.Float[j]
		}
		y.Float[i*n+j] = v
	}
	return p, nil
}

// run computes Y from A's values (a, of type aUint8 or int8) less its zero
// point za, with A's scale sa.
func (p *intToFloat) run(a []int64, aUint8 bool, za []int64, sa float32) {
	for j := range p.n {
		s := p.bs.Float[0]
		if p.bs.Len() > 1 {
			s = p.bs.Float[j]
		}
		p.mult[j] = sa * s
		var z int64
		if p.bz != nil {
			z = p.bz.Int[0]
			if p.bz.Len() > 1 {
				z = p.bz.Int[j]
			}
		}
		p.zb[j] = z
	}
	p.prod.run(intView{v: a, rs: p.k, cs: 1}, intView{v: p.b.Int, rs: p.n, cs: 1}, aUint8, za, p.zb, p.store)
}

func buildMatMulIntegerToFloat(c *nodeCtx) (func() error, error) {
	a, err := c.needTyped(0, Uint8, Int8)
	if err != nil {
		return nil, err
	}
	sa, err := c.needTyped(2, Float)
	if err != nil {
		return nil, err
	}
	if len(sa.Dims) > 1 || sa.Len() != 1 {
		return nil, c.unsupported("a_scale of shape %v (one value only)", sa.Dims)
	}
	za := c.input(4)
	if za != nil {
		if err := c.needType(za, a.DType); err != nil {
			return nil, err
		}
		if len(za.Dims) > 1 || za.Len() != 1 {
			return nil, c.unsupported("a_zero_point of shape %v (one value only)", za.Dims)
		}
	}
	p, err := planIntToFloat(c, a.Dims, intToFloatInputs{b: 1, scale: 3, zero: 5, bias: 6, count: 7})
	if err != nil {
		return nil, err
	}
	zas, err := scratch[int64](c, p.m)
	if err != nil {
		return nil, err
	}
	return func() error {
		var z int64
		if za != nil {
			z = za.Int[0]
		}
		for i := range zas {
			zas[i] = z
		}
		p.run(a.Int, a.DType == Uint8, zas, sa.Float[0])
		return nil
	}, nil
}

func buildDynamicQuantizeMatMul(c *nodeCtx) (func() error, error) {
	a, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	p, err := planIntToFloat(c, a.Dims, intToFloatInputs{b: 1, scale: 2, zero: 3, bias: 4, count: 5})
	if err != nil {
		return nil, err
	}
	qa, err := scratch[int64](c, a.Len())
	if err != nil {
		return nil, err
	}
	za, err := scratch[int64](c, p.m)
	if err != nil {
		return nil, err
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
		p.run(qa, true, za, s)
		return nil
	}, nil
}
