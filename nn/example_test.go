package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
)

// rowStats returns the mean and the standard deviation of a row.
func rowStats(x []float32) (mean, sd float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)))
}

// A causal encoder stack, as torch.nn.TransformerEncoder(layer, 2,
// norm=LayerNorm) with a square subsequent mask: each output row leaves
// the final norm with mean 0 and standard deviation 1.
func ExampleEncoder_Forward() {
	enc, err := nn.NewEncoder(nn.Config{DModel: 32, Heads: 4, FF: 64, Activation: nn.GELU, Layers: 2, FinalNorm: true})
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	enc.Init(r)
	x := kernel.NewMatrix(10, 32) // 10 time steps
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	y, err := enc.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
	if err != nil {
		panic(err)
	}
	mean, sd := rowStats(y.Row(9))
	fmt.Printf("%d×%d, last row: mean %.3f, sd %.3f\n", y.Rows, y.Cols, math.Abs(mean), sd)
	// Output: 10×32, last row: mean 0.000, sd 1.000
}

// Loading a torch.nn.TransformerEncoder saved with
// safetensors.torch.save_file(encoder.state_dict(), path, metadata), the
// metadata holding its constructor arguments.
func ExampleLoadEncoder() {
	enc, err := nn.LoadEncoder(filepath.Join("..", "testdata", "torch", "enc_pre_gelu.safetensors"), "")
	if err != nil {
		panic(err)
	}
	l := enc.Layers[0]
	fmt.Printf("%d layers, d_model %d, %d heads, ffn %d, %v, norm_first %v, eps %g, final norm %v\n",
		len(enc.Layers), l.DModel(), l.SelfAttn.Heads, l.FF.Linear1.Out, l.FF.Activation, l.NormFirst, l.Norm1.Eps, enc.Norm != nil)
	// Output: 3 layers, d_model 24, 4 heads, ffn 40, gelu, norm_first true, eps 1e-06, final norm true
}

// A decoder stack against an encoder's memory, with a causal target
// mask and a memory key padding mask (the last memory row is padding).
func ExampleDecoder_Forward() {
	c := nn.Config{DModel: 16, Heads: 2, FF: 32, Layers: 2}
	dec, err := nn.NewDecoder(c)
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	dec.Init(r)
	tgt, memory := kernel.NewMatrix(5, 16), kernel.NewMatrix(8, 16)
	for _, m := range []kernel.Matrix{tgt, memory} {
		for i := range m.Data {
			m.Data[i] = float32(r.NormFloat64())
		}
	}
	keep := []bool{true, true, true, true, true, true, true, false}
	y := kernel.NewMatrix(5, 16) // a dst of our own: Forward allocates none
	if _, err := dec.Forward(y, tgt, memory, nn.Mask{Causal: true}, nn.Mask{KeepKeys: keep}); err != nil {
		panic(err)
	}
	fmt.Printf("%d×%d\n", y.Rows, y.Cols)
	// Output: 5×16
}

// Training a causal (decoder-only) encoder layer with its gradients and
// package optim: the loss ½‖y − target‖² falls.
func ExampleEncoderLayer_Backward() {
	l, err := nn.NewEncoderLayer(nn.Config{DModel: 16, Heads: 2, FF: 32, NormFirst: true})
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	l.Init(r)
	x, target := kernel.NewMatrix(6, 16), kernel.NewMatrix(6, 16)
	for i := range x.Data {
		x.Data[i], target.Data[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	g := l.NewGrads()
	params := l.Params(g, "")
	opt := optim.NewAdam(1e-2)
	y, dy := kernel.NewMatrix(6, 16), kernel.NewMatrix(6, 16)
	m := nn.Mask{Causal: true}
	var losses []float64
	for range 50 {
		if _, err := l.Forward(y, x, m); err != nil {
			panic(err)
		}
		loss := 0.0
		for i := range y.Data {
			dy.Data[i] = y.Data[i] - target.Data[i]
			loss += 0.5 * float64(dy.Data[i]*dy.Data[i])
		}
		losses = append(losses, loss)
		g.Zero()
		if err := l.Backward(g, kernel.Matrix{}, dy, x, m); err != nil {
			panic(err)
		}
		opt.Step(params)
	}
	fmt.Printf("%d parameters; loss after 50 steps below a quarter of the first: %v\n", len(params), losses[49] < losses[0]/4)
	// Output: 12 parameters; loss after 50 steps below a quarter of the first: true
}

// Saving an encoder with torch's names and constructor arguments, which
// torch.nn.TransformerEncoder's load_state_dict(strict=True) and
// LoadEncoder read back.
func ExampleEncoder_Save() {
	enc, err := nn.NewEncoder(nn.Config{DModel: 8, Heads: 2, FF: 16, Layers: 1})
	if err != nil {
		panic(err)
	}
	enc.Init(rand.New(rand.NewPCG(7, 8)))
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "encoder.safetensors")
	if err := enc.Save(path, nil); err != nil {
		panic(err)
	}
	back, err := nn.LoadEncoder(path, "")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(back.Layers), back.Layers[0].FF.Activation, back.Layers[0].SelfAttn.Heads)
	// Output: 1 relu 2
}

// A decoder-only language model's stack: the prompt through Prefill,
// then one token at a time through Decode with the key/value caches,
// allocating nothing per token.
func ExampleEncoder_Decode() {
	enc, err := nn.NewEncoder(nn.Config{DModel: 16, Heads: 2, FF: 32, Activation: nn.GELU, NormFirst: true, Layers: 2, FinalNorm: true})
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(9, 10))
	enc.Init(r)
	cache, err := enc.NewCache(64)
	if err != nil {
		panic(err)
	}
	prompt := kernel.NewMatrix(5, 16)
	for i := range prompt.Data {
		prompt.Data[i] = float32(r.NormFloat64())
	}
	h, err := enc.Prefill(kernel.Matrix{}, prompt, cache) // causal, fills the caches
	if err != nil {
		panic(err)
	}
	x, y := append([]float32(nil), h.Row(4)...), make([]float32, 16)
	for range 3 { // feed each output back as the next input
		if err := enc.Decode(y, x, cache); err != nil {
			panic(err)
		}
		copy(x, y)
	}
	fmt.Println(cache.Len(), "tokens cached")
	// Output: 8 tokens cached
}
