package weights_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/simdcore/simdcore/internal/weights"
)

// A round trip through the safetensors format, and the errors a loader
// sees for a tensor that is absent or has the wrong shape.
func Example() {
	var buf bytes.Buffer
	err := weights.Write(&buf, []weights.Tensor{
		{Name: "weight_ih_l0", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "bias_ih_l0", Shape: []int{2}, Data: []float32{0.5, -0.5}},
	}, map[string]string{"nonlinearity": "relu"})
	if err != nil {
		panic(err)
	}

	f, err := weights.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Names(), f.Metadata()["nonlinearity"])
	shape, _ := f.Shape("weight_ih_l0")
	w, _ := f.Float32s("weight_ih_l0", shape...)
	fmt.Println(shape, w)

	_, err = f.Float32s("weight_hh_l0", 2, 2)
	fmt.Println(errors.Is(err, weights.ErrMissing), err)
	_, err = f.Float32s("bias_ih_l0", 3)
	fmt.Println(errors.Is(err, weights.ErrShape), err)
	_, err = weights.Read(bytes.NewReader(buf.Bytes()[:40]), 40)
	fmt.Println(errors.Is(err, weights.ErrFormat))
	// Output:
	// [bias_ih_l0 weight_ih_l0] relu
	// [2 3] [1 2 3 4 5 6]
	// true weights: tensor missing: no tensor "weight_hh_l0"
	// true weights: tensor shape does not fit: tensor "bias_ih_l0" has shape [2], want [3]
	// true
}
