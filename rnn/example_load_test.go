package rnn_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

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

// Loading torch.save checkpoints of a state_dict, written by torch 1.6 and
// later (a zip) or by older versions (the legacy format, which
// _use_new_zipfile_serialization=False still writes): the cell and its
// sizes follow from the tensors' names and shapes.
func ExampleLoad_torchCheckpoint() {
	xs := kernel.MatrixFrom(2, 3, []float32{1, 0, -1, 0.5, 0.5, 0.5})
	var outs [][]float32
	for _, name := range []string{"lstm_proj.pt", "lstm_proj_legacy.pt"} {
		net, err := rnn.Load(filepath.Join("..", "testdata", "torch", name))
		if err != nil {
			panic(err)
		}
		cfg := net.Config()
		fmt.Println(name, cfg.Cell, cfg.Input, cfg.Hidden, cfg.Proj, cfg.Layers, cfg.Bidirectional)
		ys, err := net.Forward(xs)
		if err != nil {
			panic(err)
		}
		outs = append(outs, ys.Data)
	}
	fmt.Println(slices.Equal(outs[0], outs[1]))
	// Output:
	// lstm_proj.pt lstm 3 6 4 2 true
	// lstm_proj_legacy.pt lstm 3 6 4 2 true
	// true
}
