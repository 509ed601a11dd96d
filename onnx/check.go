package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The tolerances of ONNX's backend tests (numpy.testing.assert_allclose).
const (
	TestRTol = 1e-3
	TestATol = 1e-7
)

// OutputCheck is the comparison of one graph output with its expected value.
type OutputCheck struct {
	Name string
	Diff Diff
}

// CheckDataSet runs m on one data set in ONNX's test layout: a directory
// holding input_0.pb, input_1.pb, … (serialized TensorProtos, or
// SequenceProtos and OptionalProtos for inputs that are sequences and
// optionals, in the order of the graph's inputs that are not
// initializers) and output_0.pb, … (in the order of the graph's outputs).
// It plans a session for the inputs' shapes (an optional input that holds
// nothing for its declared shape, and SetInputHasValue false), runs it
// once and compares every output at rtol and atol (a sequence element by
// element, each check named "output[i]"; an optional by whether it holds
// a value, then its value). Where
// planning needs input values (ErrValueDependent: a shape, an axis, a
// depth or a range given as an input), it plans again with the integer
// and the one-element inputs fixed to the data set's values
// (Options.Fixed), and then each other input that a planning error names
// (Resize's scales). Errors planning or running wrap the package's sentinels
// (ErrUnsupported for what Session does not run).
func CheckDataSet(m *Model, dir string, rtol, atol float64) ([]OutputCheck, error) {
	s, wants, err := loadDataSet(m, dir)
	if err != nil {
		return nil, err
	}
	if err := s.Run(); err != nil {
		return nil, err
	}
	var checks []OutputCheck
	for i, want := range wants {
		checks = append(checks, checkOutput(s, m.Graph.Outputs[i].Name, want, rtol, atol)...)
	}
	return checks, nil
}

// checkOutput compares the session's output name with want.
func checkOutput(s *Session, name string, want dataValue, rtol, atol float64) []OutputCheck {
	fail := func(format string, args ...any) []OutputCheck {
		return []OutputCheck{{Name: name, Diff: Diff{Worst: -1, Err: fmt.Errorf("%w: output %q "+format, append([]any{ErrShape, name}, args...)...)}}}
	}
	if want.isOpt {
		if !slices.Contains(s.optOutNames, name) {
			return fail("is not an optional")
		}
		if got := s.OutputHasValue(name); got != want.has {
			return fail("holds a value: %v, want %v", got, want.has)
		}
		if !want.has {
			return []OutputCheck{{Name: name, Diff: Diff{Worst: -1}}}
		}
	}
	if !want.isSeq {
		got := s.Output(name)
		if got == nil {
			return fail("is a sequence, want a tensor")
		}
		return []OutputCheck{{Name: name, Diff: Compare(got, want.t, rtol, atol)}}
	}
	if !slices.Contains(s.seqOutNames, name) {
		return fail("is a tensor, want a sequence")
	}
	got := s.OutputSequence(name)
	if len(got) != len(want.seq) {
		return fail("has %d elements, want %d", len(got), len(want.seq))
	}
	checks := []OutputCheck{{Name: name, Diff: Diff{Worst: -1}}}
	for j, w := range want.seq {
		checks = append(checks, OutputCheck{Name: fmt.Sprintf("%s[%d]", name, j), Diff: Compare(got[j], w, rtol, atol)})
	}
	return checks
}

// LoadDataSet plans m for one data set in ONNX's test layout (see
// CheckDataSet: its inputs' shapes, and the values of the inputs planning
// needs) and fills the session's inputs with it: a session to run again,
// to time it (simdcore onnx time) or to read its outputs.
func LoadDataSet(m *Model, dir string) (*Session, error) {
	s, _, err := loadDataSet(m, dir)
	return s, err
}

// dataValue is one value of a data set: a tensor, a sequence's
// elements, or an optional of either (which may hold neither).
type dataValue struct {
	t     *Tensor
	seq   []*Tensor
	isSeq bool
	isOpt bool
	has   bool // an optional holds t or seq
}

// readDataValue reads a data set's file, a TensorProto, or a
// SequenceProto or OptionalProto for a value of that kind.
func readDataValue(path string, kind TypeKind) (dataValue, error) {
	switch kind {
	case KindSequence:
		seq, err := ReadSequenceFile(path)
		return dataValue{seq: seq, isSeq: true}, err
	case KindOptional:
		o, err := ReadOptionalFile(path)
		return dataValue{t: o.Tensor, seq: o.Sequence, isSeq: o.IsSequence, isOpt: true, has: o.Has}, err
	}
	t, err := ReadTensorFile(path)
	return dataValue{t: t}, err
}

// valueKind is the kind of a graph input or output that a data set's
// file holds, or an error for the kinds Session does not take.
func valueKind(vi ValueInfo, what string) (TypeKind, error) {
	switch k := vi.Type.Kind; k {
	case KindTensor, KindSequence, KindOptional:
		return k, nil
	}
	return 0, fmt.Errorf("%w: %s %q is not a tensor, a sequence or an optional", ErrUnsupported, what, vi.Name)
}

// noneShapes gives an optional input that holds no value in a data set
// the shape its declaration gives (0 for an unknown dimension), or no
// elements for an optional of a sequence.
func noneShapes(in ValueInfo, shapes map[string][]int, opts *Options) {
	e := in.Type.Elem
	if e != nil && e.Kind == KindSequence {
		if opts.SequenceShapes == nil {
			opts.SequenceShapes = map[string][][]int{}
		}
		opts.SequenceShapes[in.Name] = [][]int{}
		return
	}
	dims := []int{}
	if e != nil {
		for _, d := range e.Shape {
			n := 0
			if d.Known {
				n = int(max(d.Value, 0))
			}
			dims = append(dims, n)
		}
	}
	shapes[in.Name] = dims
}

// loadDataSet plans m for the data set in dir, fills the session's inputs
// and returns it with the expected outputs.
func loadDataSet(m *Model, dir string) (*Session, []dataValue, error) {
	var names []string
	var inKinds []TypeKind
	var inDecl []ValueInfo
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	for _, in := range m.Graph.Inputs {
		if inits[in.Name] {
			continue
		}
		k, err := valueKind(in, "input")
		if err != nil {
			return nil, nil, err
		}
		names = append(names, in.Name)
		inKinds = append(inKinds, k)
		inDecl = append(inDecl, in)
	}
	var outKinds []TypeKind
	for _, out := range m.Graph.Outputs {
		k, err := valueKind(out, "output")
		if err != nil {
			return nil, nil, err
		}
		outKinds = append(outKinds, k)
	}
	inPaths, err := numberedFiles(dir, "input_")
	if err != nil {
		return nil, nil, err
	}
	outPaths, err := numberedFiles(dir, "output_")
	if err != nil {
		return nil, nil, err
	}
	if len(inPaths) != len(names) {
		return nil, nil, fmt.Errorf("%w: %s holds %d inputs, the graph takes %d", ErrShape, dir, len(inPaths), len(names))
	}
	if len(outPaths) != len(m.Graph.Outputs) {
		return nil, nil, fmt.Errorf("%w: %s holds %d outputs, the graph gives %d", ErrShape, dir, len(outPaths), len(m.Graph.Outputs))
	}
	ins := make([]dataValue, len(inPaths))
	for i, p := range inPaths {
		if ins[i], err = readDataValue(p, inKinds[i]); err != nil {
			return nil, nil, err
		}
	}
	wants := make([]dataValue, len(outPaths))
	for i, p := range outPaths {
		if wants[i], err = readDataValue(p, outKinds[i]); err != nil {
			return nil, nil, err
		}
	}
	shapes := map[string][]int{}
	opts := &Options{}
	for i, v := range ins {
		if v.isOpt && !v.has {
			noneShapes(inDecl[i], shapes, opts)
			continue
		}
		if !v.isSeq {
			shapes[names[i]] = v.t.Dims
			continue
		}
		if opts.SequenceShapes == nil {
			opts.SequenceShapes = map[string][][]int{}
		}
		dims := make([][]int, len(v.seq))
		for j, e := range v.seq {
			dims[j] = e.Dims
		}
		opts.SequenceShapes[names[i]] = dims
	}
	s, err := NewSession(m, shapes, opts)
	if errors.Is(err, ErrValueDependent) {
		// ONNX's node tests pass shapes, axes and sizes (such as
		// OneHot's depth, or Range's start, limit and delta: float
		// scalars) as inputs: fix the integer inputs' and the
		// one-element inputs' values, as a model's initializers would be.
		opts.Fixed = map[string]*Tensor{}
		for i, v := range ins {
			if !v.isSeq && !v.isOpt && (v.t.DType.storage() == storeInt || v.t.Len() == 1) {
				opts.Fixed[names[i]] = v.t
				delete(shapes, names[i])
			}
		}
		s, err = NewSession(m, shapes, opts)
		// Other inputs read while planning (Resize's float scales): fix
		// each that the error names, one at a time.
		for range names {
			var vd *valueDependentError
			if !errors.As(err, &vd) || opts.Fixed[vd.Input] != nil {
				break
			}
			i := slices.Index(names, vd.Input)
			if i < 0 || ins[i].isSeq || ins[i].isOpt {
				break
			}
			opts.Fixed[names[i]] = ins[i].t
			delete(shapes, names[i])
			s, err = NewSession(m, shapes, opts)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	for i, v := range ins {
		if v.isOpt && !v.has {
			if err := s.SetInputHasValue(names[i], false); err != nil {
				return nil, nil, err
			}
			continue
		}
		if v.isSeq {
			for j, dst := range s.InputSequence(names[i]) {
				if dst.DType != v.seq[j].DType {
					return nil, nil, fmt.Errorf("%w: input %q[%d] is %v in %s, the graph takes %v", ErrShape, names[i], j, v.seq[j].DType, dir, dst.DType)
				}
				copyTensor(dst, v.seq[j])
			}
			continue
		}
		dst := s.Input(names[i])
		if dst == nil {
			continue // fixed
		}
		if dst.DType != v.t.DType {
			return nil, nil, fmt.Errorf("%w: input %q is %v in %s, the graph takes %v", ErrShape, names[i], v.t.DType, dir, dst.DType)
		}
		copyTensor(dst, v.t)
	}
	return s, wants, nil
}

// numberedFiles lists dir/prefix0.pb, prefix1.pb, … in numeric order,
// and fails if one is missing or two share a number. It lists dir itself
// rather than globbing a pattern made from its name, which would read the
// files of other directories when the name holds pattern characters
// (data[1], a*).
func numberedFiles(dir, prefix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type numbered struct {
		n    int
		path string
	}
	var ps []numbered
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".pb") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, prefix), ".pb"))
		if err != nil || n < 0 {
			continue
		}
		ps = append(ps, numbered{n, filepath.Join(dir, name)})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
	paths := make([]string, len(ps))
	for i, p := range ps {
		switch {
		case p.n < i:
			return nil, fmt.Errorf("%w: %s: two files are number %d: %s and %s", ErrFormat, dir, p.n, filepath.Base(ps[i-1].path), filepath.Base(p.path))
		case p.n > i:
			return nil, fmt.Errorf("%w: %s: %s%d.pb is missing", ErrFormat, dir, prefix, i)
		}
		paths[i] = p.path
	}
	return paths, nil
}
