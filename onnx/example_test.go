package onnx_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/simdcore/simdcore/onnx"
)

// Plan a model once for its input shape, then run it as often as needed:
// each Run reads the inputs' buffers and writes the outputs' without
// allocating.
func Example() {
	m, err := onnx.ReadFile("testdata/node/test_softmax_default_axis/model.onnx")
	if err != nil {
		log.Fatal(err)
	}
	name := m.Graph.Inputs[0].Name
	s, err := onnx.NewSession(m, map[string][]int{name: {3, 4, 5}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	x := s.Input(name)
	for i := range x.Float {
		x.Float[i] = float32(i % 5)
	}
	if err := s.Run(); err != nil {
		log.Fatal(err)
	}
	y := s.Output(s.OutputNames()[0])
	fmt.Println(y.Dims)
	fmt.Printf("%.4f\n", y.Float[:5])
	// Output:
	// [3 4 5]
	// [0.0117 0.0317 0.0861 0.2341 0.6364]
}

// What Session does not run is refused while planning with ErrUnsupported,
// saying what: here an Add of a FLOAT16 input and a FLOAT weight, whose
// types ONNX requires to be the same.
func ExampleNewSession_unsupported() {
	tensor := func(dt onnx.DataType, n int64) onnx.Type {
		return onnx.Type{Kind: onnx.KindTensor, ElemType: dt, HasShape: true, Shape: []onnx.Dim{{Known: true, Value: n}}}
	}
	m := &onnx.Model{OpsetImports: []onnx.OpsetID{{Version: 17}}, Graph: &onnx.Graph{
		Nodes:        []*onnx.Node{{Name: "add", OpType: "Add", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
		Initializers: []*onnx.Tensor{{Name: "w", DType: onnx.Float, Dims: []int{2}, Float: []float32{1, 2}}},
		Inputs:       []onnx.ValueInfo{{Name: "x", Type: tensor(onnx.Float16, 2)}},
		Outputs:      []onnx.ValueInfo{{Name: "y", Type: tensor(onnx.Float16, 2)}},
	}}
	_, err := onnx.NewSession(m, nil, nil)
	fmt.Println(errors.Is(err, onnx.ErrUnsupported), err)
	// Output:
	// true node "add" (Add): onnx: unsupported: Add (opset 17): input 1 ("w") is FLOAT where input 0 is FLOAT16: ONNX requires one type
}

// A FLOAT16 graph runs on float32 buffers that hold half-precision values:
// Run rounds a FLOAT16 input to half in place (1/3 to 0.33325195, 70000
// beyond half's range to +Inf), computes each node in float32, and rounds
// its FLOAT16 outputs to half, as the graph's types say.
func ExampleSession_float16() {
	tensor := func(dt onnx.DataType, n int64) onnx.Type {
		return onnx.Type{Kind: onnx.KindTensor, ElemType: dt, HasShape: true, Shape: []onnx.Dim{{Known: true, Value: n}}}
	}
	m := &onnx.Model{OpsetImports: []onnx.OpsetID{{Version: 17}}, Graph: &onnx.Graph{
		Nodes:        []*onnx.Node{{Name: "mul", OpType: "Mul", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
		Initializers: []*onnx.Tensor{{Name: "w", DType: onnx.Float16, Dims: []int{3}, Float: []float32{0.5, 3, -2}}},
		Inputs:       []onnx.ValueInfo{{Name: "x", Type: tensor(onnx.Float16, 3)}},
		Outputs:      []onnx.ValueInfo{{Name: "y", Type: tensor(onnx.Float16, 3)}},
	}}
	s, err := onnx.NewSession(m, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	copy(s.Input("x").Float, []float32{1.0 / 3, 1000.1, 70000})
	if err := s.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Input("x").Float)
	fmt.Println(s.Output("y").Float)
	// Output:
	// [0.33325195 1000 +Inf]
	// [0.16662598 3000 -Inf]
}
