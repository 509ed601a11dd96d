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
// saying what: here a FLOAT16 input.
func ExampleNewSession_unsupported() {
	m, err := onnx.ReadFile("testdata/node/test_cast_FLOAT16_to_FLOAT/model.onnx")
	if err != nil {
		log.Fatal(err)
	}
	_, err = onnx.NewSession(m, nil, nil)
	fmt.Println(errors.Is(err, onnx.ErrUnsupported), err)
	// Output:
	// true onnx: unsupported: input "input" has data type FLOAT16
}
