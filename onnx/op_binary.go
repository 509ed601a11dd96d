package onnx

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// The elementwise binary operators with numpy broadcasting: arithmetic on
// float32 (simdcore's Add and Mul kernels where neither operand is
// broadcast) and on the integer types (wrapping to the type's width, as
// ONNX Runtime does), and comparisons and logic giving BOOL.

type binOp int

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
	opPow
	opEqual
	opLess
	opGreater
	opLessOrEqual
	opGreaterOrEqual
	opAnd
	opOr
	opXor
)

func init() {
	for name, op := range map[string]binOp{"Add": opAdd, "Sub": opSub, "Mul": opMul, "Div": opDiv} {
		register(name, 1, arithBuilder(op))
	}
	register("Pow", 1, buildPow)
	for name, op := range map[string]binOp{"Equal": opEqual, "Less": opLess, "Greater": opGreater} {
		register(name, 1, compareBuilder(op))
	}
	register("LessOrEqual", 12, compareBuilder(opLessOrEqual))
	register("GreaterOrEqual", 12, compareBuilder(opGreaterOrEqual))
	for name, op := range map[string]binOp{"And": opAnd, "Or": opOr, "Xor": opXor} {
		register(name, 1, logicBuilder(op))
	}
}

// binaryShapes checks the legacy (opset < 7) broadcast attribute, which
// numpy broadcasting replaced, and returns the broadcast plan.
func binaryShapes(c *nodeCtx) (a, b *Tensor, out []int, plan *bcast, err error) {
	if a, err = c.need(0); err != nil {
		return
	}
	if b, err = c.need(1); err != nil {
		return
	}
	if c.opset < 7 {
		if bc, _ := c.attrInt("broadcast", 0); bc != 0 || c.node.Attr("axis") != nil {
			err = c.unsupported("legacy broadcast attributes (opset < 7)")
			return
		}
		if !equalDims(a.Dims, b.Dims) {
			err = c.shapeErr("shapes %v and %v differ (no broadcasting before opset 7 without broadcast=1)", a.Dims, b.Dims)
			return
		}
	}
	if a.DType != b.DType && !(c.node.OpType == "Pow") {
		err = c.shapeErr("operand types %v and %v differ", a.DType, b.DType)
		return
	}
	if out, err = broadcastDims(a.Dims, b.Dims); err != nil {
		return
	}
	plan = newBcast(out, a.Dims, b.Dims)
	return
}

func equalDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var intTypes = []DataType{Int64, Int32, Int16, Int8, Uint8, Uint16, Uint32}

func arithBuilder(op binOp) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		a, b, dims, plan, err := binaryShapes(c)
		if err != nil {
			return nil, err
		}
		if err := c.needType(a, append([]DataType{Float}, intTypes...)...); err != nil {
			return nil, err
		}
		out, err := c.output(0, a.DType, dims)
		if err != nil {
			return nil, err
		}
		if a.DType == Float {
			return func() error {
				binFloat(op, plan, out.Float, a.Float, b.Float)
				return nil
			}, nil
		}
		lo, hi := intRange(a.DType)
		return func() error {
			return binInt(op, plan, lo, hi, out.Int, a.Int, b.Int)
		}, nil
	}
}

// binFloat computes dst = a op b over the broadcast plan.
func binFloat(op binOp, p *bcast, dst, a, b []float32) {
	for bi := range p.offs[0] {
		ao, an := p.span(0, bi)
		bo, bn := p.span(1, bi)
		d := dst[bi*p.inner : (bi+1)*p.inner]
		x, y := a[ao:ao+an], b[bo:bo+bn]
		switch {
		case an == bn && (op == opAdd || op == opMul):
			if op == opAdd {
				kernel.Add(d, x, y)
			} else {
				kernel.Mul(d, x, y)
			}
		case an == bn:
			binFloatLoop(op, d, x, y, 1, 1)
		case an == 1:
			binFloatLoop(op, d, x, y, 0, 1)
		default:
			binFloatLoop(op, d, x, y, 1, 0)
		}
	}
}

func binFloatLoop(op binOp, d, x, y []float32, sx, sy int) {
	switch op {
	case opAdd:
		for i := range d {
			d[i] = x[i*sx] + y[i*sy]
		}
	case opSub:
		for i := range d {
			d[i] = x[i*sx] - y[i*sy]
		}
	case opMul:
		for i := range d {
			d[i] = x[i*sx] * y[i*sy]
		}
	case opDiv:
		for i := range d {
			d[i] = x[i*sx] / y[i*sy]
		}
	case opPow:
		for i := range d {
			d[i] = powf(x[i*sx], y[i*sy])
		}
	}
}

// powf is x^y in float64, rounded once; squares and square roots, the
// common exponents, are computed directly.
func powf(x, y float32) float32 {
	switch y {
	case 2:
		return x * x
	case 1:
		return x
	case 0.5:
		if x >= 0 || math.IsNaN(float64(x)) {
			return float32(math.Sqrt(float64(x)))
		}
	}
	return float32(math.Pow(float64(x), float64(y)))
}

// wrap reduces v to the range [lo, hi] of an integer type of that width,
// as two's complement arithmetic does.
func wrap(v, lo, hi int64) int64 {
	if lo == math.MinInt64 {
		return v
	}
	span := hi - lo + 1
	v = (v - lo) % span
	if v < 0 {
		v += span
	}
	return v + lo
}

func binInt(op binOp, p *bcast, lo, hi int64, dst, a, b []int64) error {
	for bi := range p.offs[0] {
		ao, an := p.span(0, bi)
		bo, bn := p.span(1, bi)
		d := dst[bi*p.inner : (bi+1)*p.inner]
		sx, sy := min(an-1, 1), min(bn-1, 1)
		if p.inner == 1 {
			sx, sy = 0, 0
		}
		x, y := a[ao:ao+an], b[bo:bo+bn]
		for i := range d {
			u, v := x[i*sx], y[i*sy]
			var r int64
			switch op {
			case opAdd:
				r = u + v
			case opSub:
				r = u - v
			case opMul:
				r = u * v
			case opDiv:
				if v == 0 {
					return fmt.Errorf("%w: integer division by zero", ErrInput)
				}
				if v == -1 {
					r = -u // avoids the MinInt64 / -1 trap
				} else {
					r = u / v
				}
			case opPow:
				r = int64(math.Pow(float64(u), float64(v)))
			}
			d[i] = wrap(r, lo, hi)
		}
	}
	return nil
}

func buildPow(c *nodeCtx) (func() error, error) {
	a, b, dims, plan, err := binaryShapes(c)
	if err != nil {
		return nil, err
	}
	if err := c.needType(a, append([]DataType{Float}, Int64, Int32)...); err != nil {
		return nil, err
	}
	out, err := c.output(0, a.DType, dims)
	if err != nil {
		return nil, err
	}
	switch {
	case a.DType == Float && b.DType == Float:
		return func() error {
			binFloat(opPow, plan, out.Float, a.Float, b.Float)
			return nil
		}, nil
	case a.DType == Float && b.DType.storage() == storeInt:
		return func() error {
			for bi := range plan.offs[0] {
				ao, an := plan.span(0, bi)
				bo, bn := plan.span(1, bi)
				d := out.Float[bi*plan.inner : (bi+1)*plan.inner]
				sx, sy := min(an-1, 1), min(bn-1, 1)
				for i := range d {
					d[i] = powf(a.Float[ao+i*sx], float32(b.Int[bo+i*sy]))
				}
			}
			return nil
		}, nil
	case b.DType == Float:
		lo, hi := intRange(a.DType)
		return func() error {
			for bi := range plan.offs[0] {
				ao, _ := plan.span(0, bi)
				bo, _ := plan.span(1, bi)
				d := out.Int[bi*plan.inner : (bi+1)*plan.inner]
				for i := range d {
					v := math.Pow(float64(a.Int[ao+i*plan.steps[0]]), float64(b.Float[bo+i*plan.steps[1]]))
					d[i] = wrap(floatToInt(float32(v)), lo, hi)
				}
			}
			return nil
		}, nil
	case a.DType == b.DType:
		lo, hi := intRange(a.DType)
		return func() error { return binInt(opPow, plan, lo, hi, out.Int, a.Int, b.Int) }, nil
	}
	return nil, c.unsupported("base %v with exponent %v", a.DType, b.DType)
}

func compareBuilder(op binOp) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		a, b, dims, plan, err := binaryShapes(c)
		if err != nil {
			return nil, err
		}
		if err := c.needType(a, append([]DataType{Float, Bool}, intTypes...)...); err != nil {
			return nil, err
		}
		out, err := c.output(0, Bool, dims)
		if err != nil {
			return nil, err
		}
		return func() error {
			for bi := range plan.offs[0] {
				ao, an := plan.span(0, bi)
				bo, bn := plan.span(1, bi)
				d := out.Int[bi*plan.inner : (bi+1)*plan.inner]
				sx, sy := min(an-1, 1), min(bn-1, 1)
				if a.DType == Float {
					for i := range d {
						d[i] = b2i(cmpF(op, a.Float[ao+i*sx], b.Float[bo+i*sy]))
					}
				} else {
					for i := range d {
						d[i] = b2i(cmpI(op, a.Int[ao+i*sx], b.Int[bo+i*sy]))
					}
				}
			}
			return nil
		}, nil
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func cmpF(op binOp, x, y float32) bool {
	switch op {
	case opEqual:
		return x == y
	case opLess:
		return x < y
	case opGreater:
		return x > y
	case opLessOrEqual:
		return x <= y
	}
	return x >= y
}

func cmpI(op binOp, x, y int64) bool {
	switch op {
	case opEqual:
		return x == y
	case opLess:
		return x < y
	case opGreater:
		return x > y
	case opLessOrEqual:
		return x <= y
	}
	return x >= y
}

func logicBuilder(op binOp) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		a, b, dims, plan, err := binaryShapes(c)
		if err != nil {
			return nil, err
		}
		if err := c.needType(a, Bool); err != nil {
			return nil, err
		}
		out, err := c.output(0, Bool, dims)
		if err != nil {
			return nil, err
		}
		return func() error {
			for bi := range plan.offs[0] {
				ao, an := plan.span(0, bi)
				bo, bn := plan.span(1, bi)
				d := out.Int[bi*plan.inner : (bi+1)*plan.inner]
				sx, sy := min(an-1, 1), min(bn-1, 1)
				for i := range d {
					x, y := a.Int[ao+i*sx], b.Int[bo+i*sy]
					switch op {
					case opAnd:
						d[i] = x & y
					case opOr:
						d[i] = x | y
					default:
						d[i] = x ^ y
					}
				}
			}
			return nil
		}, nil
	}
}
