// Command cmp runs the ONNX runner on the case folders gen.py wrote and
// compares every output with ONNX Runtime's (ort_run.mjs: out_<i>.bin)
// and torch's (torch_<i>.bin) at 1e-5 relative and 1e-6 absolute; see
// README.md.
//
//	go run ./scripts/loop_crosscheck/cmp ROOT
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/simdcore/simdcore/onnx"
)

type tinfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Dims  []int  `json:"dims"`
}

type meta struct {
	Kind    string  `json:"kind"`
	Opset   int     `json:"opset"`
	Inputs  []tinfo `json:"inputs"`
	Outputs []tinfo `json:"outputs"`
}

type ortResult struct {
	OK      bool    `json:"ok"`
	Error   string  `json:"error"`
	Outputs []tinfo `json:"outputs"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cmp ROOT")
		os.Exit(2)
	}
	dirs, err := filepath.Glob(filepath.Join(os.Args[1], "*"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bad := 0
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "meta.json")); err != nil {
			continue
		}
		if err := check(dir); err != nil {
			bad++
			fmt.Printf("%s: %v\n", filepath.Base(dir), err)
		}
	}
	fmt.Printf("%d cases, %d not matching\n", len(dirs), bad)
	if bad > 0 {
		os.Exit(1)
	}
}

// readJSON decodes the JSON file path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// readTensor reads a raw little-endian file of float32 or int64 values.
func readTensor(path string, ti tinfo) (*onnx.Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &onnx.Tensor{Dims: ti.Dims}
	switch ti.DType {
	case "float32":
		t.DType = onnx.Float
		t.Float = make([]float32, len(b)/4)
		for i := range t.Float {
			t.Float[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "int64":
		t.DType = onnx.Int64
		t.Int = make([]int64, len(b)/8)
		for i := range t.Int {
			t.Int[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	default:
		return nil, fmt.Errorf("dtype %s", ti.DType)
	}
	if t.Len() != len(t.Float)+len(t.Int) {
		return nil, fmt.Errorf("%s holds %d values for shape %v", path, len(t.Float)+len(t.Int), ti.Dims)
	}
	return t, nil
}

// check runs one case: planned for its inputs' shapes, and again with its
// integer inputs fixed when planning needs their values.
func check(dir string) error {
	var m meta
	if err := readJSON(filepath.Join(dir, "meta.json"), &m); err != nil {
		return err
	}
	var ort ortResult
	if err := readJSON(filepath.Join(dir, "ort.json"), &ort); err != nil {
		return fmt.Errorf("no ONNX Runtime result (run ort_run.mjs): %w", err)
	}
	if !ort.OK {
		return fmt.Errorf("ONNX Runtime failed: %s", ort.Error)
	}
	model, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return err
	}
	ins := make([]*onnx.Tensor, len(m.Inputs))
	shapes := map[string][]int{}
	for i, in := range m.Inputs {
		if ins[i], err = readTensor(filepath.Join(dir, fmt.Sprintf("in_%d.bin", i)), in); err != nil {
			return err
		}
		shapes[in.Name] = in.Dims
	}
	s, err := onnx.NewSession(model, shapes, nil)
	if errors.Is(err, onnx.ErrValueDependent) {
		opts := &onnx.Options{Fixed: map[string]*onnx.Tensor{}}
		for i, in := range m.Inputs {
			if ins[i].DType == onnx.Int64 {
				opts.Fixed[in.Name] = ins[i]
				delete(shapes, in.Name)
			}
		}
		s, err = onnx.NewSession(model, shapes, opts)
	}
	if err != nil {
		return fmt.Errorf("%s (opset %d): %w", m.Kind, m.Opset, err)
	}
	for i, in := range m.Inputs {
		if dst := s.Input(in.Name); dst != nil {
			copy(dst.Float, ins[i].Float)
			copy(dst.Int, ins[i].Int)
		}
	}
	if err := s.Run(); err != nil {
		return fmt.Errorf("%s (opset %d): %w", m.Kind, m.Opset, err)
	}
	for i, o := range ort.Outputs {
		got := s.Output(o.Name)
		if got == nil {
			return fmt.Errorf("no output %s", o.Name)
		}
		for _, ref := range []struct {
			who, file string
			ti        tinfo
		}{{"ONNX Runtime", fmt.Sprintf("out_%d.bin", i), o}, {"torch", fmt.Sprintf("torch_%d.bin", i), m.Outputs[i]}} {
			want, err := readTensor(filepath.Join(dir, ref.file), ref.ti)
			if err != nil {
				return err
			}
			if d := onnx.Compare(got, want, 1e-5, 1e-6); !d.OK() {
				return fmt.Errorf("%s (opset %d): output %d against %s: %d mismatches, max |diff| %g %v", m.Kind, m.Opset, i, ref.who, d.Mismatches, d.MaxAbs, d.Err)
			}
		}
	}
	return nil
}
