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
// SequenceProtos for inputs that are sequences, in the order of the
// graph's inputs that are not initializers) and output_0.pb, … (in the
// order of the graph's outputs). It plans a session for the inputs'
// shapes, runs it once and compares every output at rtol and atol (a
// sequence element by element, each check named "output[i]"). Where
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
		name := m.Graph.Outputs[i].Name
		if !want.isSeq {
			if got := s.Output(name); got != nil {
				checks = append(checks, OutputCheck{Name: name, Diff: Compare(got, want.t, rtol, atol)})
			} else {
				checks = append(checks, OutputCheck{Name: name, Diff: Diff{Worst: -1, Err: fmt.Errorf("%w: output %q is a sequence, want a tensor", ErrShape, name)}})
			}
			continue
		}
		if !slices.Contains(s.seqOutNames, name) {
			checks = append(checks, OutputCheck{Name: name, Diff: Diff{Worst: -1, Err: fmt.Errorf("%w: output %q is a tensor, want a sequence", ErrShape, name)}})
			continue
		}
		got := s.OutputSequence(name)
		if len(got) != len(want.seq) {
			checks = append(checks, OutputCheck{Name: name, Diff: Diff{Worst: -1, Err: fmt.Errorf("%w: output %q has %d elements, want %d", ErrShape, name, len(got), len(want.seq))}})
			continue
		}
		checks = append(checks, OutputCheck{Name: name, Diff: Diff{Worst: -1}})
		for j, w := range want.seq {
			checks = append(checks, OutputCheck{Name: fmt.Sprintf("%s[%d]", name, j), Diff: Compare(got[j], w, rtol, atol)})
		}
	}
	return checks, nil
}

// LoadDataSet plans m for one data set in ONNX's test layout (see
// CheckDataSet: its inputs' shapes, and the values of the inputs planning
// needs) and fills the session's inputs with it: a session to run again,
// to time it (simdcore onnx time) or to read its outputs.
func LoadDataSet(m *Model, dir string) (*Session, error) {
	s, _, err := loadDataSet(m, dir)
	return s, err
}

// dataValue is one value of a data set: a tensor, or a sequence's
// elements.
type dataValue struct {
	t     *Tensor
	seq   []*Tensor
	isSeq bool
}

// readDataValue reads a data set's file: a TensorProto, or a
// SequenceProto when isSeq.
func readDataValue(path string, isSeq bool) (dataValue, error) {
	if isSeq {
		seq, err := ReadSequenceFile(path)
		return dataValue{seq: seq, isSeq: true}, err
	}
	t, err := ReadTensorFile(path)
	return dataValue{t: t}, err
}

// loadDataSet plans m for the data set in dir, fills the session's inputs
// and returns it with the expected outputs.
func loadDataSet(m *Model, dir string) (*Session, []dataValue, error) {
	var names []string
	var inSeq []bool
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	for _, in := range m.Graph.Inputs {
		if inits[in.Name] {
			continue
		}
		if in.Type.Kind != KindTensor && in.Type.Kind != KindSequence {
			return nil, nil, fmt.Errorf("%w: input %q is not a tensor", ErrUnsupported, in.Name)
		}
		names = append(names, in.Name)
		inSeq = append(inSeq, in.Type.Kind == KindSequence)
	}
	var outSeq []bool
	for _, out := range m.Graph.Outputs {
		if out.Type.Kind != KindTensor && out.Type.Kind != KindSequence {
			return nil, nil, fmt.Errorf("%w: output %q is not a tensor", ErrUnsupported, out.Name)
		}
		outSeq = append(outSeq, out.Type.Kind == KindSequence)
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
		if ins[i], err = readDataValue(p, inSeq[i]); err != nil {
			return nil, nil, err
		}
	}
	wants := make([]dataValue, len(outPaths))
	for i, p := range outPaths {
		if wants[i], err = readDataValue(p, outSeq[i]); err != nil {
			return nil, nil, err
		}
	}
	shapes := map[string][]int{}
	opts := &Options{}
	for i, v := range ins {
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
			if !v.isSeq && (v.t.DType.storage() == storeInt || v.t.Len() == 1) {
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
			if i < 0 || ins[i].isSeq {
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
