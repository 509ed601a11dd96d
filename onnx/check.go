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
// holding input_0.pb, input_1.pb, … (serialized TensorProtos, in the order
// of the graph's inputs that are not initializers) and output_0.pb, … (in
// the order of the graph's outputs). It plans a session for the inputs'
// shapes, runs it once and compares every output at rtol and atol. Where
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
	checks := make([]OutputCheck, len(wants))
	for i, want := range wants {
		name := m.Graph.Outputs[i].Name
		checks[i] = OutputCheck{Name: name, Diff: Compare(s.Output(name), want, rtol, atol)}
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

// loadDataSet plans m for the data set in dir, fills the session's inputs
// and returns it with the expected outputs.
func loadDataSet(m *Model, dir string) (*Session, []*Tensor, error) {
	var names []string
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	for _, in := range m.Graph.Inputs {
		if !inits[in.Name] {
			names = append(names, in.Name)
		}
	}
	for _, in := range m.Graph.Inputs {
		if in.Type.Kind != KindTensor && !inits[in.Name] {
			return nil, nil, fmt.Errorf("%w: input %q is not a tensor", ErrUnsupported, in.Name)
		}
	}
	for _, out := range m.Graph.Outputs {
		if out.Type.Kind != KindTensor {
			return nil, nil, fmt.Errorf("%w: output %q is not a tensor", ErrUnsupported, out.Name)
		}
	}
	ins, err := numberedTensors(dir, "input_")
	if err != nil {
		return nil, nil, err
	}
	wants, err := numberedTensors(dir, "output_")
	if err != nil {
		return nil, nil, err
	}
	if len(ins) != len(names) {
		return nil, nil, fmt.Errorf("%w: %s holds %d inputs, the graph takes %d", ErrShape, dir, len(ins), len(names))
	}
	if len(wants) != len(m.Graph.Outputs) {
		return nil, nil, fmt.Errorf("%w: %s holds %d outputs, the graph gives %d", ErrShape, dir, len(wants), len(m.Graph.Outputs))
	}
	shapes := map[string][]int{}
	for i, t := range ins {
		shapes[names[i]] = t.Dims
	}
	s, err := NewSession(m, shapes, nil)
	if errors.Is(err, ErrValueDependent) {
		// ONNX's node tests pass shapes, axes and sizes (such as
		// OneHot's depth, or Range's start, limit and delta: float
		// scalars) as inputs: fix the integer inputs' and the
		// one-element inputs' values, as a model's initializers would be.
		opts := &Options{Fixed: map[string]*Tensor{}}
		for i, t := range ins {
			if t.DType.storage() == storeInt || t.Len() == 1 {
				opts.Fixed[names[i]] = t
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
			if i < 0 {
				break
			}
			opts.Fixed[names[i]] = ins[i]
			delete(shapes, names[i])
			s, err = NewSession(m, shapes, opts)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	for i, t := range ins {
		dst := s.Input(names[i])
		if dst == nil {
			continue // fixed
		}
		if dst.DType != t.DType {
			return nil, nil, fmt.Errorf("%w: input %q is %v in %s, the graph takes %v", ErrShape, names[i], t.DType, dir, dst.DType)
		}
		copy(dst.Float, t.Float)
		copy(dst.Int, t.Int)
	}
	return s, wants, nil
}

// numberedTensors reads dir/prefix0.pb, prefix1.pb, … in numeric order.
// It lists dir itself rather than globbing a pattern made from its name,
// which would read the files of other directories when the name holds
// pattern characters (data[1], a*).
func numberedTensors(dir, prefix string) ([]*Tensor, error) {
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
	ts := make([]*Tensor, len(ps))
	for i, p := range ps {
		switch {
		case p.n < i:
			return nil, fmt.Errorf("%w: %s: two files are number %d: %s and %s", ErrFormat, dir, p.n, filepath.Base(ps[i-1].path), filepath.Base(p.path))
		case p.n > i:
			return nil, fmt.Errorf("%w: %s: %s%d.pb is missing", ErrFormat, dir, prefix, i)
		}
		if ts[i], err = ReadTensorFile(p.path); err != nil {
			return nil, err
		}
	}
	return ts, nil
}
