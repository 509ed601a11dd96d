package attn_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// Saving multi-head attention as a torch.nn.MultiheadAttention state_dict
// in safetensors, and loading it back.
func ExampleLoadMultiHead() {
	m, err := attn.NewMultiHead(8, 2, true)
	if err != nil {
		panic(err)
	}
	for i := range m.InProj.Data {
		m.InProj.Data[i] = float32(i%7) / 7
	}
	for i := range m.OutProj.Data {
		m.OutProj.Data[i] = float32(i%5) / 5
	}
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mha.safetensors")
	if err := m.Save(path, nil); err != nil {
		panic(err)
	}

	back, err := attn.LoadMultiHead(path, "", 0) // num_heads comes from the metadata
	if err != nil {
		panic(err)
	}
	fmt.Println(back.DModel, back.Heads, len(back.InBias))

	x := kernel.NewMatrix(3, 8)
	for i := range x.Data {
		x.Data[i] = float32(i%4) - 1.5
	}
	y1, y2 := kernel.NewMatrix(3, 8), kernel.NewMatrix(3, 8)
	_ = m.Forward(y1, x, attn.Options{Causal: true})
	_ = back.Forward(y2, x, attn.Options{Causal: true})
	fmt.Println(y1.Data[0] == y2.Data[0] && y1.Data[23] == y2.Data[23])
	// Output:
	// 8 2 24
	// true
}
