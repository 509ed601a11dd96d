package onnx

import (
	"fmt"
	"math"
	"slices"
)

// The int8 operators of quantized models, as ONNX Runtime's quantizer
// writes them: QuantizeLinear and DequantizeLinear (per tensor, per axis
// from opset 13, per block from opset 21; int8 and uint8, from opset 21
// int16 and uint16 too, and int32 for DequantizeLinear),
// DynamicQuantizeLinear (uint8 with a scale and zero point taken from the
// tensor, as dynamically quantized MatMuls begin), MatMulInteger (int8 or
// uint8 operands less their zero points, per tensor or per row of A and
// column of B, for all matrices or each, exact int32 sums, MatMul's
// broadcasting) and QLinearMatMul (the same, its scales laid out as its
// zero points, requantized), and Round (half to even), which the expanded
// form of DynamicQuantizeLinear uses.
//
// The float steps are ONNX's reference ones in float32: x/scale rounded
// half to even, plus the zero point, saturated; (x − zero point)·scale.
// QuantizeLinear of NaN, which ONNX leaves undefined, gives the zero point
// (ONNX Runtime's MLAS gives the type's minimum on amd64).
// DynamicQuantizeLinear's scale is (max(0, max x) − min(0, min x))/255 (1/255
// for a tensor of zeros) and its zero point round(0 − min(0, min x)/scale)
// within [0, 255]; a tensor holding NaN or ±Inf has no such scale, and Run
// returns an error wrapping ErrInput.

func init() {
	register("QuantizeLinear", 10, buildQuantizeLinear)
	register("DequantizeLinear", 10, buildDequantizeLinear)
	register("DynamicQuantizeLinear", 11, buildDynamicQuantizeLinear)
	register("MatMulInteger", 10, buildMatMulInteger(false))
	register("QLinearMatMul", 10, buildMatMulInteger(true))
	register("Round", 11, floatUnary(mapF(roundEven)))
}

// roundEven is Round: x rounded half to even, and x itself for ±0, ±Inf
// and NaN (bit for bit: a signalling NaN is not quieted by a conversion to
// float64 and back).
func roundEven(x float32) float32 {
	if x != x {
		return x
	}
	return float32(math.RoundToEven(float64(x)))
}

// qRange returns the range of a quantized type.
func qRange(dt DataType) (lo, hi float32) {
	switch dt {
	case Int8:
		return -128, 127
	case Int16:
		return -32768, 32767
	case Uint16:
		return 0, 65535
	}
	return 0, 255
}

// qTypes are the quantized types of QuantizeLinear's output and
// DequantizeLinear's input at the node's opset: int8 and uint8, and from
// opset 21 int16 and uint16.
func qTypes(c *nodeCtx) []DataType {
	if c.opset >= 21 {
		return []DataType{Uint8, Int8, Uint16, Int16}
	}
	return []DataType{Uint8, Int8}
}

// qParams reads a (de)quantizer's scale (input i) and zero point (input
// i+1, optional) for x: one value each; from opset 13 one per index of x
// along the axis attribute; from opset 21, with the block_size attribute,
// one per block of block_size indices along the axis (the scale of x's
// rank, its other dimensions x's). It returns a function giving the scale
// and zero point of x's element at a flat index, and the zero point's
// type (Uint8 when absent, or def for DequantizeLinear, where it is x's).
func qParams(c *nodeCtx, x *Tensor, i int, def DataType, zpTypes ...DataType) (at func(int) (float32, int64), zt DataType, err error) {
	scale, err := c.needTyped(i, Float)
	if err != nil {
		return nil, 0, err
	}
	zt = def
	zp := c.input(i + 1)
	if zp != nil {
		if err := c.needType(zp, zpTypes...); err != nil {
			return nil, 0, err
		}
		zt = zp.DType
	}
	n := numElements(scale.Dims)
	var block int64
	if c.opset >= 21 {
		if block = c.attrInt("block_size", 0); block < 0 {
			return nil, 0, c.shapeErr("block_size %d: want 0 or more", block)
		}
	}
	if zp != nil && !equalDims(zp.Dims, scale.Dims) && !(numElements(zp.Dims) == 1 && n == 1 && block == 0) {
		return nil, 0, c.shapeErr("zero point of shape %v, scale %v", zp.Dims, scale.Dims)
	}
	zpAt := func(j int) int64 {
		if zp == nil {
			return 0
		}
		return zp.Int[j]
	}
	if block > 0 {
		at, err := blockParams(c, x, scale, int(block), zpAt)
		return at, zt, err
	}
	if len(scale.Dims) > 1 || n == 0 {
		return nil, 0, c.shapeErr("scale of shape %v: want a scalar or a 1-D tensor (or block_size for blocked quantization, from opset 21)", scale.Dims)
	}
	if n == 1 { // per tensor (a one-element axis too)
		return func(int) (float32, int64) { return scale.Float[0], zpAt(0) }, zt, nil
	}
	if c.opset < 13 {
		return nil, 0, c.shapeErr("scale of shape %v: per-axis parameters need opset 13", scale.Dims)
	}
	axis, err := c.axis(c.attrInt("axis", 1), len(x.Dims))
	if err != nil {
		return nil, 0, err
	}
	if n != x.Dims[axis] {
		return nil, 0, c.shapeErr("scale of shape %v along axis %d of %v", scale.Dims, axis, x.Dims)
	}
	inner := numElements(x.Dims[axis+1:])
	return func(k int) (float32, int64) {
		j := k / inner % n
		return scale.Float[j], zpAt(j)
	}, zt, nil
}

// blockParams is qParams for blocked quantization (opset 21): the scale
// has x's rank and dimensions except along the axis, where it has
// ceil(D/block) of them, the last block maybe shorter.
func blockParams(c *nodeCtx, x, scale *Tensor, block int, zpAt func(int) int64) (func(int) (float32, int64), error) {
	axis, err := c.axis(c.attrInt("axis", 1), len(x.Dims))
	if err != nil {
		return nil, err
	}
	if len(scale.Dims) != len(x.Dims) {
		return nil, c.shapeErr("block_size %d with a scale of shape %v for x %v: blocked quantization wants a scale of x's rank", block, scale.Dims, x.Dims)
	}
	D := x.Dims[axis]
	for d, v := range scale.Dims {
		want := x.Dims[d]
		if d == axis {
			want = (D + block - 1) / block
		}
		if v != want {
			return nil, c.shapeErr("scale of shape %v for x %v, block_size %d along axis %d: want %d at dimension %d", scale.Dims, x.Dims, block, axis, want, d)
		}
	}
	inner := numElements(x.Dims[axis+1:])
	S := scale.Dims[axis]
	return func(k int) (float32, int64) {
		outer, a, in := k/(D*inner), k/inner%D, k%inner
		j := (outer*S+a/block)*inner + in
		return scale.Float[j], zpAt(j)
	}, nil
}

func buildQuantizeLinear(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	at, zt, err := qParams(c, x, 1, Uint8, qTypes(c)...)
	if err != nil {
		return nil, err
	}
	if c.opset >= 21 {
		// output_dtype: the output's type where there is no zero point,
		// and the zero point's where there is one.
		if od := DataType(c.attrInt("output_dtype", 0)); od != 0 {
			if !slices.Contains(qTypes(c), od) {
				return nil, c.unsupported("output_dtype %v (this package quantizes to %v)", od, qTypes(c))
			}
			if c.input(2) != nil && od != zt {
				return nil, c.shapeErr("output_dtype %v, y_zero_point of type %v", od, zt)
			}
			zt = od
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	y, err := c.output(0, zt, x.Dims)
	if err != nil {
		return nil, err
	}
	lo, hi := qRange(zt)
	return func() error {
		for k, v := range x.Float {
			s, z := at(k)
			y.Int[k] = int64(quantize(v, s, z, lo, hi))
		}
		return nil
	}, nil
}

// quantize returns clamp(round_half_even(v/s) + z, lo, hi); NaN (and a
// zero scale's 0/0) gives z.
func quantize(v, s float32, z int64, lo, hi float32) float32 {
	return roundClamp(v/s, z, lo, hi)
}

// roundClamp returns clamp(round_half_even(q) + z, lo, hi), NaN counting
// as 0: the last steps of every quantizer here.
func roundClamp(q float32, z int64, lo, hi float32) float32 {
	q = float32(math.RoundToEven(float64(q)))
	if q != q {
		q = 0
	}
	return min(max(q+float32(z), lo), hi)
}

// buildDequantizeLinear: (x − zero point)·scale, the difference exact (an
// integer, then one rounding to float32, which matters for int32 x).
func buildDequantizeLinear(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, append(qTypes(c), Int32)...)
	if err != nil {
		return nil, err
	}
	at, _, err := qParams(c, x, 1, x.DType, x.DType)
	if err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, c.err
	}
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	return func() error {
		for k, v := range x.Int {
			s, z := at(k)
			y.Float[k] = float32(v-z) * s
		}
		return nil
	}, nil
}

func buildDynamicQuantizeLinear(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	y, err := c.output(0, Uint8, x.Dims)
	if err != nil {
		return nil, err
	}
	ys, err := c.output(1, Float, nil)
	if err != nil {
		return nil, err
	}
	yz, err := c.output(2, Uint8, nil)
	if err != nil {
		return nil, err
	}
	return func() error {
		var mx, mn float32
		for _, v := range x.Float {
			if v-v != 0 {
				return fmt.Errorf("%w: DynamicQuantizeLinear of a tensor holding %v", ErrInput, v)
			}
			mx, mn = max(mx, v), min(mn, v)
		}
		s := float32(1) / 255
		if mx != mn {
			s = (mx - mn) / 255
		}
		zp := float32(math.RoundToEven(float64(min(max(0-mn/s, 0), 255))))
		ys.Float[0], yz.Int[0] = s, int64(zp)
		for k, v := range x.Float {
			y.Int[k] = int64(quantize(v, s, int64(zp), 0, 255))
		}
		return nil
	}, nil
}

// intOperands returns the two int8 or uint8 operands of MatMulInteger
// and ConvInteger (inputs 0 and 1) or of QLinearMatMul and QLinearConv
// (inputs 0 and 3), and the indices of their zero points.
func intOperands(c *nodeCtx, requant bool) (a, b *Tensor, za, zb int, err error) {
	ib, za, zb := 1, 2, 3
	if requant {
		ib, za, zb = 3, 2, 5
	}
	if a, err = c.needTyped(0, Int8, Uint8); err != nil {
		return nil, nil, 0, 0, err
	}
	if b, err = c.needTyped(ib, Int8, Uint8); err != nil {
		return nil, nil, 0, 0, err
	}
	return a, b, za, zb, nil
}

// paramLayout is how MatMulInteger's and QLinearMatMul's quantization
// parameters cover an operand: one value, one per row of A or column of B
// for every matrix, or one per row or column of each matrix.
type paramLayout int

const (
	perTensor paramLayout = iota
	perVector
	perMatrix
)

// expandParam writes src, laid out as lay, into dst: per values for each
// of the operand's matrices.
func expandParam[T int64 | float32](dst, src []T, lay paramLayout, per int) {
	switch lay {
	case perTensor:
		for i := range dst {
			dst[i] = src[0]
		}
	case perVector:
		for o := 0; o < len(dst); o += per {
			copy(dst[o:o+per], src)
		}
	default:
		copy(dst, src)
	}
}

// requantize returns an int32 sum times mul (float32), rounded half to
// even, plus the zero point z, saturated to [lo, hi]; NaN counts as 0.
func requantize(acc int32, mul float32, z int64, lo, hi float32) int64 {
	return int64(roundClamp(float32(acc)*mul, z, lo, hi))
}

// buildMatMulInteger plans MatMulInteger (A, B, a_zero_point, b_zero_point
// → int32) or, with requant, QLinearMatMul (a, a_scale, a_zero_point, b,
// b_scale, b_zero_point, y_scale, y_zero_point → y_zero_point's type):
// the exact int32 sums Σ (a − za)(b − zb) over MatMul's shapes, and for
// QLinearMatMul those times a_scale·b_scale/y_scale (float32, the scales
// of the row of A and column of B), rounded half to even, plus y's zero
// point, saturated.
func buildMatMulInteger(requant bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		a, b, iza, izb, err := intOperands(c, requant)
		if err != nil {
			return nil, err
		}
		ib := 1
		if requant {
			ib = 3
		}
		sh, err := planMatMul(c, a, b)
		if err != nil {
			return nil, err
		}
		m, k, n := sh.m, sh.k, sh.n
		// Zero points (and QLinearMatMul's scales): one value (per tensor);
		// one per row of A ([m]) or column of B ([n]), the same for every
		// matrix of a batched operand; or one per row of each matrix of A
		// ([..., m, 1], A's leading dims) or column of each matrix of B
		// ([..., 1, n], B's). They are read at every run (they may be graph
		// inputs) into one value per row of every matrix of A (za, sa: nA·m)
		// or column of every matrix of B (zb, sb: nB·n).
		nA, nB := numElements(sh.ad[:len(sh.ad)-2]), numElements(sh.bd[:len(sh.bd)-2])
		layout := func(i int, z *Tensor, ofA bool) (paramLayout, error) {
			op, per, lead := b, n, b.Dims[:max(len(b.Dims)-2, 0)]
			last := []int{1, n}
			if ofA {
				op, per, lead, last = a, m, a.Dims[:max(len(a.Dims)-2, 0)], []int{m, 1}
			}
			switch {
			case numElements(z.Dims) == 1:
				return perTensor, nil
			case len(z.Dims) == 1 && z.Dims[0] == per:
				return perVector, nil
			case len(op.Dims) >= 2 && equalDims(z.Dims, append(slices.Clone(lead), last...)):
				return perMatrix, nil
			}
			return 0, c.shapeErr("input %d of shape %v for %v by %v: want a scalar, %d values or %v", i, z.Dims, a.Dims, b.Dims, per, append(slices.Clone(lead), last...))
		}
		type qparam struct {
			z, s *Tensor
			lay  paramLayout
			zs   []int64
			ss   []float32
			per  int // values per matrix
		}
		param := func(iz, is int, ofA bool, per, mats int) (*qparam, error) {
			op := b
			if ofA {
				op = a
			}
			p := &qparam{per: per}
			if p.z = c.input(iz); p.z != nil {
				if err := c.needType(p.z, op.DType); err != nil {
					return nil, err
				}
			} else if requant {
				return nil, c.shapeErr("input %d (a zero point) is required", iz)
			}
			if requant {
				var err error
				if p.s, err = c.needTyped(is, Float); err != nil {
					return nil, err
				}
				if !equalDims(p.s.Dims, p.z.Dims) && (numElements(p.s.Dims) != 1 || numElements(p.z.Dims) != 1) {
					return nil, c.shapeErr("scale of shape %v, zero point %v", p.s.Dims, p.z.Dims)
				}
				if p.ss, err = scratch[float32](c, per*mats); err != nil {
					return nil, err
				}
			}
			var err error
			if p.zs, err = scratch[int64](c, per*mats); err != nil {
				return nil, err
			}
			if p.z != nil {
				if p.lay, err = layout(iz, p.z, ofA); err != nil {
					return nil, err
				}
			}
			return p, nil
		}
		fill := func(p *qparam) {
			if p.z != nil {
				expandParam(p.zs, p.z.Int, p.lay, p.per)
			}
			if p.s != nil {
				expandParam(p.ss, p.s.Float, p.lay, p.per)
			}
		}
		qa, err := param(iza, 1, true, m, nA)
		if err != nil {
			return nil, err
		}
		qb, err := param(izb, 4, false, n, nB)
		if err != nil {
			return nil, err
		}
		var sy, yzt *Tensor
		yt := Int32
		if requant {
			if sy, err = c.needTyped(6, Float); err != nil {
				return nil, err
			}
			if yzt, err = c.needTyped(7, Int8, Uint8); err != nil {
				return nil, err
			}
			if numElements(sy.Dims) != 1 || numElements(yzt.Dims) != 1 {
				return nil, c.shapeErr("y_scale of shape %v, y_zero_point %v: want one value each", sy.Dims, yzt.Dims)
			}
			yt = yzt.DType
		}
		batch := sh.batch
		y, err := c.output(0, yt, sh.dims)
		if err != nil {
			return nil, err
		}
		aIdx, bIdx, err := sh.index(c)
		if err != nil {
			return nil, err
		}
		prod, err := newIntProduct(c, m, k, n, b.DType == Int8)
		if err != nil {
			return nil, err
		}
		if c.known(ib) && numElements(sh.bd[:len(sh.bd)-2]) == 1 {
			prod.packOnce(intView{v: b.Int, rs: n, cs: 1})
		}
		lo, hi := qRange(yt)
		var sa, sb []float32
		var ys float32
		var yz int64
		var yo int
		store := func(i, j int, s int32) {
			if !requant {
				y.Int[yo+i*n+j] = int64(s)
				return
			}
			y.Int[yo+i*n+j] = requantize(s, sa[i]*sb[j]/ys, yz, lo, hi)
		}
		return func() error {
			fill(qa)
			fill(qb)
			if requant {
				ys, yz = sy.Float[0], yzt.Int[0]
			}
			for bi := range numElements(batch) {
				ao, bo := int(aIdx[bi])*m*k, int(bIdx[bi])*k*n
				za, zb := qa.zs[int(aIdx[bi])*m:][:m], qb.zs[int(bIdx[bi])*n:][:n]
				if requant {
					sa, sb = qa.ss[int(aIdx[bi])*m:][:m], qb.ss[int(bIdx[bi])*n:][:n]
				}
				yo = bi * m * n
				prod.run(intView{v: a.Int, off: ao, rs: k, cs: 1}, intView{v: b.Int, off: bo, rs: n, cs: 1}, a.DType == Uint8, za, zb, store)
			}
			return nil
		}, nil
	}
}

func init() {
	register("ConvInteger", 10, buildConvInteger(false))
	register("QLinearConv", 10, buildConvInteger(true))
}

// buildConvInteger plans ConvInteger (x, w, x_zero_point, w_zero_point →
// int32) or, with requant, QLinearConv (x, x_scale, x_zero_point, w,
// w_scale, w_zero_point, y_scale, y_zero_point, B → y_zero_point's type):
// Conv's geometry (convGeometry) over the exact int32 sums of
// (x − x_zero_point)·(w − w_zero_point), padding counted as x_zero_point
// (so adding nothing); w's zero point, and QLinearConv's w_scale, per
// tensor or per output channel; QLinearConv adds the int32 bias B, scales
// by x_scale·w_scale/y_scale (float32), rounds half to even, adds y's zero
// point and saturates. The sums run in Go, position by position.
func buildConvInteger(requant bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		x, w, izx, izw, err := intOperands(c, requant)
		if err != nil {
			return nil, err
		}
		s, group, err := convGeometry(c, x, w)
		if err != nil {
			return nil, err
		}
		N, C, M := x.Dims[0], x.Dims[1], w.Dims[0]
		// per-tensor or per-channel parameters, read at every run
		param := func(i int, per int, types ...DataType) (*Tensor, error) {
			t := c.input(i)
			if t == nil {
				if requant {
					return nil, c.shapeErr("input %d is required", i)
				}
				return nil, nil
			}
			if err := c.needType(t, types...); err != nil {
				return nil, err
			}
			if n := numElements(t.Dims); n != 1 && (len(t.Dims) != 1 || n != per) {
				return nil, c.shapeErr("input %d of shape %v: want a scalar or %d values", i, t.Dims, per)
			}
			return t, nil
		}
		zx, err := param(izx, 1, x.DType)
		if err != nil {
			return nil, err
		}
		zw, err := param(izw, M, w.DType)
		if err != nil {
			return nil, err
		}
		var sx, sw, sy, zy, bias *Tensor
		yt := Int32
		if requant {
			if sx, err = param(1, 1, Float); err != nil {
				return nil, err
			}
			if sw, err = param(4, M, Float); err != nil {
				return nil, err
			}
			if sy, err = param(6, 1, Float); err != nil {
				return nil, err
			}
			if zy, err = param(7, 1, Int8, Uint8); err != nil {
				return nil, err
			}
			if bias = c.input(8); bias != nil {
				if err := c.needType(bias, Int32); err != nil {
					return nil, err
				}
				if !equalDims(bias.Dims, []int{M}) {
					return nil, c.shapeErr("bias of shape %v, want [%d]", bias.Dims, M)
				}
			}
			yt = zy.DType
		}
		out := s.Out()
		outPlane, inPlane, kPlane := numElements(out), numElements(s.In), numElements(s.Kernel)
		cg, mg := C/int(group), M/int(group)
		if work := float64(N) * float64(M) * float64(outPlane) * float64(cg) * float64(kPlane); work > poolWork {
			return nil, fmt.Errorf("%w: %s of X %v by W %v: about %.3g multiply-adds per run, more than %d", ErrLimit, c.node.OpType, x.Dims, w.Dims, work, int64(poolWork))
		}
		y, err := c.output(0, yt, append([]int{N, M}, out...))
		if err != nil {
			return nil, err
		}
		nd := len(s.In)
		inStride := make([]int, nd)
		st := 1
		for j := nd - 1; j >= 0; j-- {
			inStride[j] = st
			st *= s.In[j]
		}
		at := func(t *Tensor, i int) int64 {
			if t == nil {
				return 0
			}
			if numElements(t.Dims) == 1 {
				return t.Int[0]
			}
			return t.Int[i]
		}
		atF := func(t *Tensor, i int) float32 {
			if numElements(t.Dims) == 1 {
				return t.Float[0]
			}
			return t.Float[i]
		}
		o, kk, pos := make([]int, nd), make([]int, nd), make([]int, nd)
		lo, hi := qRange(yt)
		return func() error {
			xz := at(zx, 0)
			for n := range N {
				for m := range M {
					g := m / mg
					wz := at(zw, m)
					var mul float32
					if requant {
						mul = atF(sx, 0) * atF(sw, m) / atF(sy, 0)
					}
					clear(o)
					for q := range outPlane {
						var acc int32
						for ci := range cg {
							xin := x.Int[(n*C+g*cg+ci)*inPlane:][:inPlane]
							wk := w.Int[(m*cg+ci)*kPlane:][:kPlane]
							clear(kk)
							for kq := range kPlane {
								off, inside := 0, true
								for j := range nd {
									pos[j] = o[j]*s.Stride[j] - s.PadBegin[j] + kk[j]*s.Dilation[j]
									inside = inside && pos[j] >= 0 && pos[j] < s.In[j]
									off += pos[j] * inStride[j]
								}
								if inside {
									acc += int32((xin[off] - xz) * (wk[kq] - wz))
								}
								next(kk, s.Kernel)
							}
						}
						yo := (n*M+m)*outPlane + q
						if !requant {
							y.Int[yo] = int64(acc)
						} else {
							if bias != nil {
								acc += int32(bias.Int[m])
							}
							y.Int[yo] = requantize(acc, mul, at(zy, 0), lo, hi)
						}
						next(o, out)
					}
				}
			}
			return nil
		}, nil
	}
}
