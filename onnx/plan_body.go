package onnx

import (
	"fmt"
	"unsafe"
)

// Loop and Scan bodies: a subgraph with inputs, planned in a child scope
// (it reads outer values as If's branches do) for the shapes of the
// values it is given, and the copies that carry its outputs back to its
// inputs between iterations.

// body is a planned loop body: its inputs (what the loop writes before
// each iteration, or the values an unrolled iteration reads), its steps
// and its outputs.
type body struct {
	ins   []*value
	steps []step
	outs  []*value
}

// planBody plans g in p, a child scope of the loop's planner, with g's
// inputs defined as ins. An input declared a tensor must be given one of
// its element type, an input declared a sequence a sequence; an input or
// output declared an optional that is given or computes a tensor or a
// sequence holds it (declaredOptional); declared dimensions are not
// checked (exporters declare the first iteration's).
func planBody(p *planner, g *Graph, ins []*value) (*body, error) {
	if p.depth > maxDepth {
		return nil, fmt.Errorf("%w: subgraphs nested deeper than %d", ErrLimit, maxDepth)
	}
	if len(g.Inputs) != len(ins) {
		return nil, fmt.Errorf("%w: body %q has %d inputs, want %d", ErrShape, g.Name, len(g.Inputs), len(ins))
	}
	for i, in := range g.Inputs {
		v := ins[i]
		switch in.Type.Kind {
		case KindTensor:
			if v.t == nil {
				return nil, fmt.Errorf("%w: body input %q is declared a tensor and gets %s", ErrShape, in.Name, shapeString(v))
			}
			if et := in.Type.ElemType; et != Undefined && et != v.t.DType {
				return nil, fmt.Errorf("%w: body input %q is declared %v and gets %v", ErrShape, in.Name, et, v.t.DType)
			}
		case KindSequence:
			if v.seq == nil {
				return nil, fmt.Errorf("%w: body input %q is declared a sequence and gets %s", ErrShape, in.Name, shapeString(v))
			}
			if e := in.Type.Elem; e != nil && e.Kind == KindTensor && e.ElemType != Undefined && e.ElemType != v.seq.elem {
				return nil, fmt.Errorf("%w: body input %q is declared a sequence of %v and gets one of %v", ErrShape, in.Name, e.ElemType, v.seq.elem)
			}
		case KindOptional:
			// A value carried into an optional (a Loop's first iteration
			// gets the optional, the next ones the sequence the body
			// computed) holds it.
			o, err := p.declaredOptional(in.Name, v)
			if err != nil {
				return nil, err
			}
			if err := checkOptionalDeclared(in, o.opt); err != nil {
				return nil, err
			}
			v = o
		case KindUnknown:
		default:
			return nil, fmt.Errorf("%w: body input %q is not a tensor, a sequence or an optional", ErrUnsupported, in.Name)
		}
		if err := p.define(in.Name, v); err != nil {
			return nil, err
		}
	}
	for _, t := range g.Initializers {
		if err := p.define(t.Name, &value{t: t, known: true}); err != nil {
			return nil, err
		}
	}
	if err := p.planGraph(g); err != nil {
		return nil, err
	}
	b := &body{ins: ins, steps: p.steps}
	for _, o := range g.Outputs {
		v := p.lookup(o.Name)
		if v == nil {
			return nil, fmt.Errorf("%w: body %q: output %q is not defined", ErrFormat, g.Name, o.Name)
		}
		switch o.Type.Kind {
		case KindTensor:
			if v.t == nil {
				return nil, fmt.Errorf("%w: body output %q is declared a tensor and computes %s", ErrShape, o.Name, shapeString(v))
			}
			if et := o.Type.ElemType; et != Undefined && et != v.t.DType {
				return nil, fmt.Errorf("%w: body output %q is declared %v and computes %v", ErrShape, o.Name, et, v.t.DType)
			}
		case KindSequence:
			if v.seq == nil {
				return nil, fmt.Errorf("%w: body output %q is declared a sequence and computes %s", ErrShape, o.Name, shapeString(v))
			}
		case KindOptional:
			var err error
			if v, err = p.declaredOptional(o.Name, v); err != nil {
				return nil, err
			}
			if err := checkOptionalDeclared(o, v.opt); err != nil {
				return nil, err
			}
		}
		b.outs = append(b.outs, v)
	}
	return b, nil
}

// outerKnown reports whether every value g reads from enclosing scopes is
// known while planning (a loop whose inputs are known too can be folded).
func outerKnown(p *planner, g *Graph) bool {
	for _, name := range outerReads(g) {
		if v := p.lookup(name); v == nil || !v.known {
			return false
		}
	}
	return true
}

// carry copies a loop body's outputs into the buffers its next iteration
// reads. A source that overlaps another pair's destination (the body
// passed one carried value through to another's place, or swapped two) is
// first copied to a staging buffer of its own, allocated while planning;
// a source that is its destination is not copied.
type carry struct {
	dst, src, stage []*Tensor
}

// newCarry plans the copies from src[i] to dst[i].
func newCarry(p *planner, dst, src []*Tensor) (*carry, error) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("onnx.newCarry: %d destinations for %d sources", len(dst), len(src)))
	}
	k := &carry{dst: dst, src: src, stage: make([]*Tensor, len(dst))}
	for i, s := range src {
		for j, d := range dst {
			if j != i && tensorsOverlap(s, d) {
				t, err := p.alloc(s.DType, s.Dims)
				if err != nil {
					return nil, err
				}
				k.stage[i] = t
				break
			}
		}
	}
	return k, nil
}

func (k *carry) run() {
	for i, t := range k.stage {
		if t != nil {
			copyTensor(t, k.src[i])
		}
	}
	for i, d := range k.dst {
		switch {
		case k.stage[i] != nil:
			copyTensor(d, k.stage[i])
		case !tensorsOverlap(d, k.src[i]):
			copyTensor(d, k.src[i])
		}
	}
}

// tensorsOverlap reports whether a's and b's values share memory.
func tensorsOverlap(a, b *Tensor) bool {
	return spanOverlap(unsafe.Pointer(unsafe.SliceData(a.Float)), len(a.Float)*4, unsafe.Pointer(unsafe.SliceData(b.Float)), len(b.Float)*4) ||
		spanOverlap(unsafe.Pointer(unsafe.SliceData(a.Int)), len(a.Int)*8, unsafe.Pointer(unsafe.SliceData(b.Int)), len(b.Int)*8)
}

func spanOverlap(a unsafe.Pointer, na int, b unsafe.Pointer, nb int) bool {
	if na == 0 || nb == 0 {
		return false
	}
	pa, pb := uintptr(a), uintptr(b)
	return pa < pb+uintptr(nb) && pb < pa+uintptr(na)
}

// valuesTensors lists the buffers of values, in order (a sequence's
// elements in their place).
func valuesTensors(vs []*value) []*Tensor {
	var ts []*Tensor
	for _, v := range vs {
		ts = append(ts, v.tensors()...)
	}
	return ts
}
