package rnn_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// Saving a network as safetensors and loading it back, as a PyTorch
// state_dict would load.
func ExampleLoad() {
	net, err := rnn.New(rnn.Config{Input: 3, Hidden: 8, Layers: 2, Activation: rnn.ReLU, Output: 2}, 1)
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	if err := net.Save(path, map[string]string{"author": "me"}); err != nil {
		panic(err)
	}

	var meta map[string]string
	back, err := rnn.Load(path, rnn.WithMetadata(&meta))
	if err != nil {
		panic(err)
	}
	cfg := back.Config()
	fmt.Println(cfg.Input, cfg.Hidden, cfg.Layers, cfg.Activation, cfg.Output)
	fmt.Println(meta["nonlinearity"], meta["num_layers"], meta["author"])

	xs := kernel.MatrixFrom(2, 3, []float32{1, 0, -1, 0.5, 0.5, 0.5})
	a, _ := net.Last(xs)
	b, _ := back.Last(xs)
	fmt.Println(a[0] == b[0] && a[1] == b[1])
	// Output:
	// 3 8 2 relu 2
	// relu 2 me
	// true
}
