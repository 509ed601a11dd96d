package onnx

import (
	"errors"
	"fmt"
	"slices"
)

// Session runs a model's graph for fixed input shapes. NewSession plans it
// once: it propagates shapes and types through the graph, folds every node
// whose inputs are known while planning (initializers, constants, and the
// shape arithmetic that depends only on the fixed input shapes), orders the
// rest topologically and allocates every buffer. Run then computes the
// outputs without allocating.
//
// A Session is not safe for concurrent use; make one per goroutine (or
// per input shape). Sessions planned from one parsed Model share the
// packed copies of its MatMul and Gemm weights (read-only), so each more
// Session costs its activations' buffers, not another copy of the weights;
// a program that changes a Model's initializers in place after planning
// a Session must parse the model again for new Sessions to see them.
type Session struct {
	inputs   []*Tensor
	planned  []plannedInput // inputs[i] as planned, which Run checks
	outputs  []*Tensor
	inNames  []string
	outNames []string
	steps    []step
	halfIns  [][]float32 // the values of the FLOAT16 inputs and sequence inputs' elements, which Run rounds to half

	// the graph inputs and outputs that are sequences of tensors
	seqIns, seqOuts         []*sequence
	seqInNames, seqOutNames []string

	// the graph inputs and outputs that are optionals (their elements
	// are among the tensors' or the sequences')
	optIns, optOuts         []*optional
	optInNames, optOutNames []string
}

// step is one planned node: its kernel and what an error names.
type step struct {
	node *Node
	run  func() error
}

// Options tunes NewSession. The zero value is the default.
type Options struct {
	// MaxElements bounds the number of tensor elements the plan may
	// allocate in all (0: 1<<28, one GiB of float32), so that a small
	// file whose shapes expand enormously is refused (ErrLimit) rather
	// than exhausting memory. The lists of tensors it plans (a
	// sequence's elements, the carried values of each iteration of an
	// unrolled Loop) count one element a tensor.
	MaxElements int

	// Fixed gives graph inputs whose values are fixed for the life of the
	// session: they are planned as constants (shapes, axes and anything
	// computed from them are folded), and Run does not read them (Input
	// returns nil for them). Their types must match the declared ones;
	// the values of a FLOAT16 one are rounded to half.
	Fixed map[string]*Tensor

	// MaxIterations bounds the iterations one run of a Loop node may
	// take (0: 1<<20), so that a trip count and a condition that never
	// end (a hostile or broken file) make Run return ErrLimit rather
	// than spin forever; it bounds the Loops folded while planning too.
	// It also bounds, for the whole plan, the loop iterations planned
	// one by one (a Loop whose carried values change shape or length
	// from one iteration to the next is unrolled: see op_loop.go), at
	// most 4096 of them, whose bodies may have 1<<17 nodes in all.
	MaxIterations int

	// SequenceShapes gives, for each graph input that is a sequence of
	// tensors (or an optional of one), the shape of each of its elements
	// (its length is the number of shapes: none for an empty sequence).
	// Fill the elements through InputSequence.
	SequenceShapes map[string][][]int
}

const defaultMaxElements = 1 << 28

// NewSession plans m's graph for the given input shapes: shapes maps the
// name of every graph input that is not an initializer to its dimensions
// (an input whose declared shape is fully fixed may be left out; an input
// that is a sequence of tensors takes its elements' shapes from
// Options.SequenceShapes; one that is an optional is planned as its
// element, given the same way, and holds it unless SetInputHasValue says
// otherwise). A
// declared fixed dimension must match; symbolic ones take the given size.
//
// It refuses (ErrUnsupported, naming the operator, node and opset)
// operators outside Operators(), other domains, data types other than
// FLOAT, FLOAT16, the integer types and BOOL flowing through operators
// that compute, and
// shape arithmetic that depends on input values rather than shapes.
func NewSession(m *Model, shapes map[string][]int, opts *Options) (*Session, error) {
	if m == nil || m.Graph == nil {
		return nil, fmt.Errorf("%w: model has no graph", ErrFormat)
	}
	opset, ok := m.Opset("")
	if !ok {
		opset = 1 // IR version 1 models predate opset imports
	}
	if opset < 1 || opset > maxOpset {
		return nil, fmt.Errorf("%w: default opset version %d (this package knows 1 to %d)", ErrUnsupported, opset, maxOpset)
	}
	var msOpset int64
	for _, o := range m.OpsetImports {
		d := canonicalDomain(o.Domain)
		switch {
		case d == "" || !usesDomain(m.Graph, d):
		case d == msDomain && o.Version >= 1:
			msOpset = o.Version
		default:
			return nil, fmt.Errorf("%w: operator domain %q (version %d)", ErrUnsupported, o.Domain, o.Version)
		}
	}
	limit := defaultMaxElements
	if opts != nil && opts.MaxElements > 0 {
		limit = opts.MaxElements
	}
	loops := &loopLimits{maxIters: defaultMaxIterations, unroll: maxUnrolled, nodes: maxUnrolledNodes, foldWork: foldBudget(m.Graph)}
	if opts != nil && opts.MaxIterations > 0 {
		loops.maxIters = int64(opts.MaxIterations)
		loops.unroll = min(loops.unroll, opts.MaxIterations)
	}
	root := &planner{opset: opset, msOpset: msOpset, budget: &limit, values: map[string]*value{},
		packs: m.packs, weights: map[*Tensor]bool{}, loops: loops}
	s := &Session{}
	g := m.Graph
	inits := map[string]bool{}
	for _, t := range g.Initializers {
		inits[t.Name] = true
		root.weights[t] = true
		if err := root.define(t.Name, &value{t: t, known: true}); err != nil {
			return nil, err
		}
	}
	used := map[string]bool{}
	for _, in := range g.Inputs {
		if inits[in.Name] {
			continue // an initializer with a default value: kept constant
		}
		if in.Type.Kind == KindOptional {
			var given [][]int
			if opts != nil {
				given = opts.SequenceShapes[in.Name]
				if opts.Fixed[in.Name] != nil {
					return nil, fmt.Errorf("%w: value fixed for %q, an optional input", ErrShape, in.Name)
				}
			}
			v, err := root.inputOptional(in, shapes[in.Name], given)
			if err != nil {
				return nil, err
			}
			if v.opt.seqElem && shapes[in.Name] != nil {
				return nil, fmt.Errorf("%w: shape given for %q, an optional of a sequence (give its elements' shapes in Options.SequenceShapes)", ErrShape, in.Name)
			}
			used[in.Name] = true
			if err := root.define(in.Name, v); err != nil {
				return nil, err
			}
			s.optIns = append(s.optIns, v.opt)
			s.optInNames = append(s.optInNames, in.Name)
			if e := v.opt.elem; e.seq != nil {
				s.seqIns = append(s.seqIns, e.seq)
				s.seqInNames = append(s.seqInNames, in.Name)
			} else {
				s.inputs = append(s.inputs, e.t)
				s.inNames = append(s.inNames, in.Name)
			}
			continue
		}
		if in.Type.Kind == KindSequence {
			var given [][]int
			if opts != nil {
				given = opts.SequenceShapes[in.Name]
			}
			seq, err := root.inputSequence(in, given)
			if err != nil {
				return nil, err
			}
			used[in.Name] = true
			if err := root.define(in.Name, &value{seq: seq}); err != nil {
				return nil, err
			}
			s.seqIns = append(s.seqIns, seq)
			s.seqInNames = append(s.seqInNames, in.Name)
			continue
		}
		if opts != nil && opts.Fixed[in.Name] != nil {
			t, err := fixedInput(in, opts.Fixed[in.Name])
			if err != nil {
				return nil, err
			}
			used[in.Name] = true
			if err := root.define(in.Name, &value{t: t, known: true}); err != nil {
				return nil, err
			}
			continue
		}
		t, err := root.inputTensor(in, shapes[in.Name])
		if err != nil {
			return nil, err
		}
		used[in.Name] = true
		if err := root.define(in.Name, &value{t: t}); err != nil {
			return nil, err
		}
		s.inputs = append(s.inputs, t)
		s.inNames = append(s.inNames, in.Name)
	}
	for name := range shapes {
		if !used[name] {
			return nil, fmt.Errorf("%w: shape given for %q, which is not an input of the graph", ErrShape, name)
		}
	}
	if opts != nil {
		for name := range opts.Fixed {
			if !used[name] {
				return nil, fmt.Errorf("%w: value fixed for %q, which is not an input of the graph", ErrShape, name)
			}
		}
		for name := range opts.SequenceShapes {
			if !used[name] || !slices.Contains(s.seqInNames, name) {
				return nil, fmt.Errorf("%w: sequence shapes given for %q, which is not a sequence input of the graph", ErrShape, name)
			}
		}
	}
	if err := root.planGraph(g); err != nil {
		return nil, err
	}
	for _, out := range g.Outputs {
		v := root.lookup(out.Name)
		if v == nil {
			return nil, fmt.Errorf("%w: graph output %q is not computed by any node", ErrFormat, out.Name)
		}
		if v.opt != nil || out.Type.Kind == KindOptional {
			if err := s.optionalOutput(root, out, v); err != nil {
				return nil, err
			}
			continue
		}
		if v.seq != nil {
			if k := out.Type.Kind; k != KindSequence && k != KindUnknown {
				return nil, fmt.Errorf("%w: graph output %q is not declared a sequence and computes one", ErrShape, out.Name)
			}
			s.seqOuts = append(s.seqOuts, v.seq)
			s.seqOutNames = append(s.seqOutNames, out.Name)
			continue
		}
		if out.Type.Kind == KindSequence {
			return nil, fmt.Errorf("%w: graph output %q is declared a sequence and computes a tensor", ErrShape, out.Name)
		}
		if err := checkDeclared(out, v.t); err != nil {
			return nil, err
		}
		s.outputs = append(s.outputs, v.t)
		s.outNames = append(s.outNames, out.Name)
	}
	s.steps = root.steps
	for _, t := range s.inputs {
		s.planned = append(s.planned, planInput(t))
		if t.DType == Float16 {
			s.halfIns = append(s.halfIns, t.Float)
		}
	}
	for _, q := range s.seqIns {
		for _, t := range q.ts {
			if t.DType == Float16 {
				s.halfIns = append(s.halfIns, t.Float)
			}
		}
	}
	return s, nil
}

// optionalOutput adds graph output out, computed as v: an optional, or a
// value declared one (which holds it).
func (s *Session) optionalOutput(root *planner, out ValueInfo, v *value) error {
	if k := out.Type.Kind; k != KindOptional && k != KindUnknown {
		return fmt.Errorf("%w: graph output %q is not declared an optional and computes one", ErrShape, out.Name)
	}
	v, err := root.declaredOptional(out.Name, v)
	if err != nil {
		return err
	}
	if err := checkOptionalDeclared(out, v.opt); err != nil {
		return err
	}
	s.optOuts = append(s.optOuts, v.opt)
	s.optOutNames = append(s.optOutNames, out.Name)
	switch e := v.opt.elem; {
	case e == nil: // always empty: no buffers
	case e.seq != nil:
		s.seqOuts = append(s.seqOuts, e.seq)
		s.seqOutNames = append(s.seqOutNames, out.Name)
	default:
		if e := out.Type.Elem; e != nil && e.Kind == KindTensor {
			if err := checkDeclared(ValueInfo{Name: out.Name, Type: *e}, v.opt.elem.t); err != nil {
				return err
			}
		}
		s.outputs = append(s.outputs, v.opt.elem.t)
		s.outNames = append(s.outNames, out.Name)
	}
	return nil
}

// usesDomain reports whether any node of g or its subgraphs is in domain d.
func usesDomain(g *Graph, d string) bool {
	for _, n := range g.Nodes {
		if canonicalDomain(n.Domain) == d {
			return true
		}
		for _, a := range n.Attributes {
			if a.G != nil && usesDomain(a.G, d) {
				return true
			}
			for _, sg := range a.Graphs {
				if usesDomain(sg, d) {
					return true
				}
			}
		}
	}
	return false
}

// checkDeclared checks a computed value against a declared type: the
// element type, and the fixed dimensions of its shape.
func checkDeclared(vi ValueInfo, t *Tensor) error {
	if vi.Type.Kind != KindTensor {
		return nil
	}
	if et := vi.Type.ElemType; et != Undefined && et != t.DType {
		return fmt.Errorf("%w: %q is declared %v but computes %v", ErrShape, vi.Name, et, t.DType)
	}
	if !vi.Type.HasShape {
		return nil
	}
	if len(vi.Type.Shape) != len(t.Dims) {
		return fmt.Errorf("%w: %q is declared with %d dimensions but computes shape %v", ErrShape, vi.Name, len(vi.Type.Shape), t.Dims)
	}
	for i, d := range vi.Type.Shape {
		if d.Known && d.Value != int64(t.Dims[i]) {
			return fmt.Errorf("%w: %q is declared with shape %s but computes shape %v", ErrShape, vi.Name, dimsString(vi.Type.Shape), t.Dims)
		}
	}
	return nil
}

func dimsString(ds []Dim) string {
	b := []byte{'['}
	for i, d := range ds {
		if i > 0 {
			b = append(b, ' ')
		}
		switch {
		case d.Known:
			b = fmt.Appendf(b, "%d", d.Value)
		case d.Param != "":
			b = append(b, d.Param...)
		default:
			b = append(b, '?')
		}
	}
	return string(append(b, ']'))
}

// InputNames returns the names of the graph inputs that Run reads, in the
// graph's order: the tensors and the optionals of a tensor (the sequences
// are SequenceInputNames).
func (s *Session) InputNames() []string { return slices.Clone(s.inNames) }

// OutputNames returns the names of the graph outputs, in the graph's
// order: the tensors and the optionals of a tensor (the sequences are
// SequenceOutputNames; an optional that never holds a value is only among
// OptionalOutputNames).
func (s *Session) OutputNames() []string { return slices.Clone(s.outNames) }

// SequenceInputNames returns the names of the graph inputs that are
// sequences of tensors or optionals of one, in the graph's order.
func (s *Session) SequenceInputNames() []string { return slices.Clone(s.seqInNames) }

// SequenceOutputNames returns the names of the graph outputs that are
// sequences of tensors or optionals of one, in the graph's order.
func (s *Session) SequenceOutputNames() []string { return slices.Clone(s.seqOutNames) }

// OptionalInputNames returns the names of the graph inputs that are
// optionals, in the graph's order. Each is also among InputNames (an
// optional of a tensor, filled through Input) or SequenceInputNames (an
// optional of a sequence, filled through InputSequence), and holds that
// value unless SetInputHasValue says it holds none.
func (s *Session) OptionalInputNames() []string { return slices.Clone(s.optInNames) }

// OptionalOutputNames returns the names of the graph outputs that are
// optionals, in the graph's order; OutputHasValue says whether one holds
// its value after a Run.
func (s *Session) OptionalOutputNames() []string { return slices.Clone(s.optOutNames) }

// SetInputHasValue sets whether the named optional input holds a value
// (true, as planned: its buffers, which Input or InputSequence return) or
// none (false: the values of its buffers are then ignored). It lasts
// until changed. It fails (ErrShape) for a name that is not an optional
// input, and does not allocate.
func (s *Session) SetInputHasValue(name string, has bool) error {
	i := slices.Index(s.optInNames, name)
	if i < 0 {
		return fmt.Errorf("%w: %q is not an optional input of the graph", ErrShape, name)
	}
	s.optIns[i].has.Int[0] = 0
	if has {
		s.optIns[i].has.Int[0] = 1
	}
	return nil
}

// OutputHasValue reports whether the named graph output holds a value
// after the last Run: for an optional, whether it holds its element (when
// it does not, the values of the buffers Output or OutputSequence return
// for it mean nothing); true for every other output; false for a name
// that is no output.
func (s *Session) OutputHasValue(name string) bool {
	if i := slices.Index(s.optOutNames, name); i >= 0 {
		return s.optOuts[i].holds()
	}
	return slices.Contains(s.outNames, name) || slices.Contains(s.seqOutNames, name)
}

// InputSequence returns the element buffers of the named sequence input
// (nil if there is none), one per shape given in Options.SequenceShapes,
// each as Input's (FLOAT16 values rounded to half by Run): fill them
// before Run, and replace neither a slice nor Dims.
func (s *Session) InputSequence(name string) []*Tensor {
	if i := slices.Index(s.seqInNames, name); i >= 0 {
		return slices.Clone(s.seqIns[i].ts)
	}
	return nil
}

// OutputSequence returns the elements of the named sequence output (nil
// if there is none), as Output's: their values are those of the last Run
// and may share memory with inputs and other outputs.
func (s *Session) OutputSequence(name string) []*Tensor {
	if i := slices.Index(s.seqOutNames, name); i >= 0 {
		return slices.Clone(s.seqOuts[i].ts)
	}
	return nil
}

// Input returns the buffer of the named input, nil if there is none. Its
// Dims are the planned shape and its values slice (Float for FLOAT and
// FLOAT16, Int for INT64, INT32 and BOOL) has exactly that many elements:
// fill it before Run. A FLOAT16 input takes float32 values, which Run
// rounds to half in place (to nearest even, beyond 65504 to ±Inf) before
// anything reads them.
// Replace neither the slice nor Dims (Run refuses an input whose slice,
// Dims or DType changed, with ErrInput).
func (s *Session) Input(name string) *Tensor {
	if i := slices.Index(s.inNames, name); i >= 0 {
		return s.inputs[i]
	}
	return nil
}

// Output returns the named output, nil if there is none. Its values are
// those of the last Run and change with the next; the tensor may share
// memory with an input or another output (Identity, Reshape), so copy what
// must outlive the next Run or a change of the inputs.
func (s *Session) Output(name string) *Tensor {
	if i := slices.Index(s.outNames, name); i >= 0 {
		return s.outputs[i]
	}
	return nil
}

// Run computes the outputs from the inputs' current values. It does not
// allocate (unless it fails). An error names the node; errors that depend
// on the input values (an index out of range, integer division by zero)
// wrap ErrInput, as does an input whose values slice, Dims or DType was
// replaced since planning (checked before anything runs).
func (s *Session) Run() error {
	for i := range s.planned {
		if err := s.planned[i].check(s.inNames[i], s.inputs[i]); err != nil {
			return err
		}
	}
	for _, f := range s.halfIns {
		roundHalfSlice(f)
	}
	return runSteps(s.steps)
}

func runSteps(steps []step) error {
	for i := range steps {
		if err := steps[i].run(); err != nil {
			return nodeError(steps[i].node, err)
		}
	}
	return nil
}

// nodeError prefixes err with the node it concerns, once.
func nodeError(n *Node, err error) error {
	var ne *NodeError
	if errors.As(err, &ne) {
		return err
	}
	return &NodeError{Node: n.Name, OpType: n.OpType, Err: err}
}

// NodeError is an error planning or running one node.
type NodeError struct {
	Node   string // the node's name (may be empty)
	OpType string
	Err    error
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("node %q (%s): %v", e.Node, e.OpType, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

// fixedInput checks a fixed input value against the input's declaration
// and copies it.
func fixedInput(in ValueInfo, v *Tensor) (*Tensor, error) {
	if in.Type.Kind != KindTensor || !runtimeType(v.DType) || (in.Type.ElemType != Undefined && in.Type.ElemType != v.DType) {
		return nil, fmt.Errorf("%w: fixed value for input %q has type %v, declared %v", ErrShape, in.Name, v.DType, in.Type.ElemType)
	}
	if v.Len() != len(v.Float)+len(v.Int) {
		return nil, fmt.Errorf("%w: fixed value for input %q has %d values for shape %v", ErrShape, in.Name, len(v.Float)+len(v.Int), v.Dims)
	}
	if err := checkDeclared(in, v); err != nil {
		return nil, err
	}
	t := &Tensor{Name: in.Name, DType: v.DType, Dims: slices.Clone(v.Dims), Float: slices.Clone(v.Float), Int: slices.Clone(v.Int)}
	if t.DType == Float16 {
		roundHalfSlice(t.Float) // as Run rounds a FLOAT16 input
	}
	return t, nil
}
