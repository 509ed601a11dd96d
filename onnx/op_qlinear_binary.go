package onnx

import "math"

// QLinearAdd and QLinearMul (domain com.microsoft), which ONNX Runtime's
// quantizer writes for Add and Mul in its QOperator format: A, A_scale,
// A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point (zero
// points optional, 0 when absent), int8 or uint8 A and B of one type and
// C of that type, numpy broadcasting, per-tensor scales and zero points.
// The float steps are those of ONNX Runtime's kernels (MLAS), each
// rounded to float32 (fma rounds once, as MLAS's AVX2 kernel), C's zero
// point added before the rounding (half to even), as ONNX Runtime does
// (after it, ties came out otherwise where zc is odd: 12.5 + (−41) is
// −28, not 12 − 41):
//
//	QLinearAdd: ra = sa/sc, rb = sb/sc, f = zc − fma(ra, za, rb·zb),
//	            c = round(fma(a, ra, fma(b, rb, f)))
//	QLinearMul: c = round((a − za)(b − zb)·(sa·sb/sc) + zc)
//
// QLinearAdd swaps A and B where A is the scalar of a broadcast, as ONNX
// Runtime's broadcast loop does; its rounding differs from
// (a − za)·ra + (b − zb)·rb + zc in about one element in 500,000, as
// QLinearMul's from (sa·(a − za))·(sb·(b − zb))/sc + zc in some. The
// result is converted as ONNX Runtime's x86 kernels convert (CVTPS2DQ,
// then saturating packs): NaN (from a zero, NaN or infinite scale) or a
// value beyond int32 gives the type's minimum, as cvtI32's "integer
// indefinite" does, any other is saturated to C's type.

func init() {
	registerMS("QLinearAdd", buildQLinearBinary(false))
	registerMS("QLinearMul", buildQLinearBinary(true))
}

func buildQLinearBinary(mul bool) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		a, err := c.needTyped(0, Int8, Uint8)
		if err != nil {
			return nil, err
		}
		b, err := c.needTyped(3, a.DType)
		if err != nil {
			return nil, err
		}
		// the scales (1, 4, 6) and zero points (2, 5, 7): one value each
		var ps [8]*Tensor
		for _, i := range []int{1, 2, 4, 5, 6, 7} {
			scale := i == 1 || i == 4 || i == 6
			if scale {
				ps[i], err = c.needTyped(i, Float)
			} else if ps[i] = c.input(i); ps[i] != nil {
				err = c.needType(ps[i], a.DType)
			}
			if err != nil {
				return nil, err
			}
			if ps[i] != nil && numElements(ps[i].Dims) != 1 {
				return nil, c.unsupported("input %d of shape %v (per-tensor scales and zero points only)", i, ps[i].Dims)
			}
		}
		out, err := broadcastDims(a.Dims, b.Dims)
		if err != nil {
			return nil, err
		}
		plan := newBcast(out, a.Dims, b.Dims)
		y, err := c.output(0, a.DType, out)
		if err != nil {
			return nil, err
		}
		lo, hi := qRange(a.DType)
		ilo, ihi := int64(lo), int64(hi)
		zero := func(t *Tensor) int64 {
			if t == nil {
				return 0
			}
			return t.Int[0]
		}
		return func() error {
			sa, sb, sc := ps[1].Float[0], ps[4].Float[0], ps[6].Float[0]
			za, zb, zc := zero(ps[2]), zero(ps[5]), zero(ps[7])
			ra, rb, fzc := sa/sc, sb/sc, float32(zc)
			fza, fzb := float32(za), float32(zb)
			// QLinearAdd's zero points folded into one term, for A the
			// vector operand and for A the scalar (operands swapped).
			fixAB := fzc - fmaf(ra, fza, rb*fzb)
			fixBA := fzc - fmaf(rb, fzb, ra*fza)
			scale := sa * sb / sc // QLinearMul's
			aScalar := a.Len() == 1
			plan.blocks(func(o, n, ao, bo, da, db int) {
				swap := aScalar || da == 0 && db != 0
				for i := range n {
					av, bv := a.Int[ao+i*da], b.Int[bo+i*db]
					var v float32
					switch {
					case mul:
						// Rounded before zc is added: never fused (arm64 would).
						v = float32(float32(float32(av-za)*float32(bv-zb))*scale) + fzc
					case swap:
						v = fmaf(float32(bv), rb, fmaf(float32(av), ra, fixBA))
					default:
						v = fmaf(float32(av), ra, fmaf(float32(bv), rb, fixAB))
					}
					// CVTPS2DQ, then saturating packs: NaN and values
					// beyond int32 are INT32_MIN, which saturates to lo.
					q := int64(cvtI32(float32(math.RoundToEven(float64(v)))))
					y.Int[o+i] = min(max(q, ilo), ihi)
				}
			})
			return nil
		}, nil
	}
}
