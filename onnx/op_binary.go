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

// binaryShapes returns a binary operator's operands, output shape and
// broadcast plan: numpy broadcasting since opset 7; before, equal shapes,
// or with broadcast=1 the second operand broadcast to the first's shape,
// aligned at axis (default: at the end).
func binaryShapes(c *nodeCtx) (a, b *Tensor, out []int, plan *bcast, err error) {
	if a, err = c.need(0); err != nil {
		return
	}
	if b, err = c.need(1); err != nil {
		return
	}
	if a.DType != b.DType && c.node.OpType != "Pow" {
		err = c.shapeErr("operand types %v and %v differ", a.DType, b.DType)
		return
	}
	bDims := b.Dims
	if c.opset < 7 {
		if bDims, err = legacyBroadcast(c, a.Dims, b.Dims); err != nil {
			return
		}
	}
	if out, err = broadcastDims(a.Dims, bDims); err != nil {
		return
	}
	plan = newBcast(out, a.Dims, bDims)
	return
}

// legacyBroadcast returns b's dims as the first operand's before opset 7
// sees them: b's dims placed at axis among ones, which must then broadcast
// to a's shape without changing it.
func legacyBroadcast(c *nodeCtx, a, b []int) ([]int, error) {
	if c.attrInt("broadcast", 0) == 0 {
		if !equalDims(a, b) {
			return nil, c.shapeErr("shapes %v and %v differ (broadcast=0 before opset 7)", a, b)
		}
		return b, nil
	}
	axis := int64(len(a) - len(b))
	if c.node.Attr("axis") != nil {
		axis = c.attrInt("axis", 0)
	}
	if axis < 0 || axis+int64(len(b)) > int64(len(a)) {
		return nil, c.shapeErr("axis %d places shape %v outside %v", axis, b, a)
	}
	dims := make([]int, len(a))
	for i := range dims {
		dims[i] = 1
	}
	copy(dims[axis:], b)
	if out, err := broadcastDims(a, dims); err != nil || !equalDims(out, a) {
		return nil, c.shapeErr("shape %v does not broadcast to %v at axis %d", b, a, axis)
	}
	return dims, nil
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

// binOperands is a planned binary operator: its operands, output and walk.
type binOperands struct {
	a, b, out *Tensor
	plan      *bcast
}

// planBinary plans a binary operator whose first operand has one of types
// and whose output has type outType (nil: the operands' type).
func planBinary(c *nodeCtx, outType *DataType, types ...DataType) (*binOperands, error) {
	a, b, dims, plan, err := binaryShapes(c)
	if err != nil {
		return nil, err
	}
	if err := c.needType(a, types...); err != nil {
		return nil, err
	}
	dt := a.DType
	if outType != nil {
		dt = *outType
	}
	out, err := c.output(0, dt, dims)
	if err != nil {
		return nil, err
	}
	return &binOperands{a: a, b: b, out: out, plan: plan}, nil
}

// blocks calls f for each block of the walk: the output range [o, o+n) and
// the operands' offsets and steps (0 where broadcast).
func (p *bcast) blocks(f func(o, n, ao, bo, sa, sb int)) {
	for bi := range p.offs[0] {
		f(bi*p.inner, p.inner, p.offs[0][bi], p.offs[1][bi], p.steps[0], p.steps[1])
	}
}

func arithBuilder(op binOp) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		bin, err := planBinary(c, nil, append([]DataType{Float}, intTypes...)...)
		if err != nil {
			return nil, err
		}
		if bin.a.DType == Float {
			return func() error {
				binFloat(op, bin.plan, bin.out.Float, bin.a.Float, bin.b.Float)
				return nil
			}, nil
		}
		lo, hi := intRange(bin.a.DType)
		return func() error {
			return binInt(op, bin.plan, lo, hi, bin.out.Int, bin.a.Int, bin.b.Int)
		}, nil
	}
}

// binFloat computes dst = a op b over the broadcast plan.
func binFloat(op binOp, p *bcast, dst, a, b []float32) {
	p.blocks(func(o, n, ao, bo, sa, sb int) {
		d := dst[o : o+n]
		x, y := a[ao:ao+1+(n-1)*sa], b[bo:bo+1+(n-1)*sb]
		if sa == 1 && sb == 1 && (op == opAdd || op == opMul) {
			if op == opAdd {
				kernel.Add(d, x, y)
			} else {
				kernel.Mul(d, x, y)
			}
			return
		}
		binFloatLoop(op, d, x, y, sa, sb)
	})
}

func binFloatLoop(op binOp, d, x, y []float32, sx, sy int) {
	if sx == 1 && sy == 0 {
		binFloatScalarRight(op, d, x[:len(d)], y[0])
		return
	}
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

// binFloatScalarRight computes d = x op s, one operand broadcast over a
// run of the other (a LayerNorm's x − mean, (x − mean)², (x − mean)/σ,
// as torch.onnx.export writes them): binFloatLoop's arithmetic, without the
// strided indexing.
func binFloatScalarRight(op binOp, d, x []float32, s float32) {
	switch op {
	case opAdd:
		for i, v := range x {
			d[i] = v + s
		}
	case opSub:
		for i, v := range x {
			d[i] = v - s
		}
	case opMul:
		for i, v := range x {
			d[i] = v * s
		}
	case opDiv:
		for i, v := range x {
			d[i] = v / s
		}
	case opPow:
		for i, v := range x {
			d[i] = powf(v, s)
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
	var err error
	p.blocks(func(o, n, ao, bo, sa, sb int) {
		for i := range n {
			u, v := a[ao+i*sa], b[bo+i*sb]
			var r int64
			switch op {
			case opAdd:
				r = u + v
			case opSub:
				r = u - v
			case opMul:
				r = u * v
			case opDiv:
				switch v {
				case 0:
					err = errDivZero
					return
				case -1:
					r = -u // avoids the MinInt64 / -1 trap
				default:
					r = u / v
				}
			case opPow:
				r = int64(math.Pow(float64(u), float64(v)))
			}
			dst[o+i] = wrap(r, lo, hi)
		}
	})
	return err
}

var errDivZero = fmt.Errorf("%w: integer division by zero", ErrInput)

func buildPow(c *nodeCtx) (func() error, error) {
	bin, err := planBinary(c, nil, Float, Int64, Int32)
	if err != nil {
		return nil, err
	}
	a, b, out, plan := bin.a, bin.b, bin.out, bin.plan
	lo, hi := intRange(a.DType)
	switch {
	case a.DType == Float && b.DType == Float && c.known(1) && equalDims(out.Dims, a.Dims) && allEqual(b.Float, 2):
		// a squared (Silero's STFT magnitude): x·x, as powf computes it,
		// by the Mul kernel
		return func() error {
			kernel.Mul(out.Float, a.Float, a.Float)
			return nil
		}, nil
	case a.DType == Float && b.DType == Float:
		return func() error {
			binFloat(opPow, plan, out.Float, a.Float, b.Float)
			return nil
		}, nil
	case a.DType == Float && b.DType.storage() == storeInt:
		return func() error {
			plan.blocks(func(o, n, ao, bo, sa, sb int) {
				for i := range n {
					out.Float[o+i] = powf(a.Float[ao+i*sa], float32(b.Int[bo+i*sb]))
				}
			})
			return nil
		}, nil
	case b.DType == Float:
		return func() error {
			plan.blocks(func(o, n, ao, bo, sa, sb int) {
				for i := range n {
					v := math.Pow(float64(a.Int[ao+i*sa]), float64(b.Float[bo+i*sb]))
					out.Int[o+i] = wrap(floatToInt(float32(v)), lo, hi)
				}
			})
			return nil
		}, nil
	case a.DType == b.DType:
		return func() error { return binInt(opPow, plan, lo, hi, out.Int, a.Int, b.Int) }, nil
	}
	return nil, c.unsupported("base %v with exponent %v", a.DType, b.DType)
}

var boolType = Bool

// allEqual reports whether every element of v is x.
func allEqual(v []float32, x float32) bool {
	for _, e := range v {
		if e != x {
			return false
		}
	}
	return true
}

func compareBuilder(op binOp) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		bin, err := planBinary(c, &boolType, append([]DataType{Float, Bool}, intTypes...)...)
		if err != nil {
			return nil, err
		}
		a, b, out := bin.a, bin.b, bin.out
		return func() error {
			bin.plan.blocks(func(o, n, ao, bo, sa, sb int) {
				for i := range n {
					if a.DType == Float {
						out.Int[o+i] = b2i(compare(op, a.Float[ao+i*sa], b.Float[bo+i*sb]))
					} else {
						out.Int[o+i] = b2i(compare(op, a.Int[ao+i*sa], b.Int[bo+i*sb]))
					}
				}
			})
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

func compare[T float32 | int64](op binOp, x, y T) bool {
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
		bin, err := planBinary(c, &boolType, Bool)
		if err != nil {
			return nil, err
		}
		a, b, out := bin.a, bin.b, bin.out
		return func() error {
			bin.plan.blocks(func(o, n, ao, bo, sa, sb int) {
				for i := range n {
					x, y := a.Int[ao+i*sa], b.Int[bo+i*sb]
					switch op {
					case opAnd:
						out.Int[o+i] = x & y
					case opOr:
						out.Int[o+i] = x | y
					default:
						out.Int[o+i] = x ^ y
					}
				}
			})
			return nil
		}, nil
	}
}
