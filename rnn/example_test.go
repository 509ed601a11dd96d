package rnn_test

import (
	"fmt"
	"strings"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

// A many-to-many network over a 4-step sequence, and the same outputs
// streamed one step at a time.
func Example() {
	net, err := rnn.New(rnn.Config{Input: 2, Hidden: 8, Output: 3, OutputActivation: rnn.Softmax}, 1)
	if err != nil {
		panic(err)
	}
	xs := kernel.MatrixFrom(4, 2, []float32{1, 0, 0, 1, 1, 1, 0, 0})
	ys, _ := net.Forward(xs) // 4×3, each row a distribution
	fmt.Println(ys.Rows, ys.Cols)

	st := net.NewState()
	y := make([]float32, 3)
	for t := 0; t < xs.Rows; t++ {
		_ = st.Step(y, xs.Row(t)) // zero allocations
	}
	fmt.Println(kernel.Argmax(y) == kernel.Argmax(ys.Row(3)))
	// Output:
	// 4 3
	// true
}

// Training a many-to-one classifier: is the sum of the inputs positive?
func ExampleNet_Train() {
	net, _ := rnn.New(rnn.Config{Input: 1, Hidden: 8, Output: 1, OutputActivation: rnn.Sigmoid}, 1)
	var data []rnn.Sample
	for i := 0; i < 32; i++ {
		x := kernel.NewMatrix(4, 1)
		var s float32
		for t := 0; t < 4; t++ {
			v := float32((i>>t)&1)*2 - 1 + 0.1*float32(t%2)
			x.Set(t, 0, v)
			s += v
		}
		y := float32(0)
		if s > 0 {
			y = 1
		}
		data = append(data, rnn.Sample{X: x, Y: kernel.MatrixFrom(1, 1, []float32{y})})
	}
	loss, _ := net.Train(data, rnn.TrainConfig{Steps: 200, BatchSize: 16, ManyToOne: true,
		Optimizer: optim.NewAdam(0.05), ClipNorm: 5})
	fmt.Println(loss < 0.1)
	// Output: true
}

// A character-level language model trained on a tiny corpus, then
// asked to continue a prefix.
func ExampleLM() {
	text := strings.Repeat("the cat sat on the mat. ", 10)
	tok := rnn.NewChars(text)
	ids, _ := tok.Encode(text)
	lm, _ := rnn.NewLM(rnn.LMConfig{Vocab: tok.Vocab(), Embed: 8, Hidden: 32}, 1)
	_, _ = lm.Train(ids, rnn.LMTrainConfig{Steps: 300, SeqLen: 24, BatchSize: 4, Optimizer: optim.NewAdam(0.02), ClipNorm: 5})
	prefix, _ := tok.Encode("the cat s")
	out, _ := lm.Generate(prefix, 9, rnn.GenerateOptions{}) // greedy
	fmt.Println(tok.Decode(out))
	pp, _ := lm.Perplexity(ids[:48])
	fmt.Println(pp < 1.5)
	// Output:
	// at on the
	// true
}

// The byte tokenizer round-trips any text.
func ExampleBytes() {
	toks, _ := rnn.Bytes{}.Encode("hi!")
	fmt.Println(toks, rnn.Bytes{}.Decode(toks))
	// Output: [104 105 33] hi!
}

// One hand-written training step: Trace, the loss gradient, BPTT,
// clipping, an Adam update, and WeightsChanged, since the weights
// changed in place.
func ExampleNet_Backward() {
	net, _ := rnn.New(rnn.Config{Input: 3, Hidden: 16, Output: 2, OutputActivation: rnn.Softmax}, 1)
	grad := net.NewGrad()
	params := net.OptimParams(grad)
	opt := optim.NewAdam(0.01)

	xs := kernel.MatrixFrom(2, 3, []float32{1, 0, 0, 0, 1, 0})
	ys := kernel.MatrixFrom(2, 2, []float32{1, 0, 0, 1}) // one-hot targets per step
	dOut := kernel.NewMatrix(2, 2)
	var first, last float64
	for step := 0; step < 50; step++ {
		tr, _ := net.Trace(xs)
		loss, _ := net.Loss(tr, ys, dOut) // softmax cross-entropy; dOut = ∂loss/∂logits
		grad.Zero()
		_, _ = net.Backward(tr, dOut, grad)
		optim.ClipGlobalNorm(params, 1)
		opt.Step(params)
		net.WeightsChanged() // the next run repacks the weights it multiplies by
		if step == 0 {
			first = loss
		}
		last = loss
	}
	fmt.Println(last < first/4)
	// Output: true
}

// Running 32 sequences of one length together.
func ExampleNet_ForwardBatch() {
	net, _ := rnn.New(rnn.Config{Input: 4, Hidden: 8}, 1) // no head: outputs are the states
	xs := make([]kernel.Matrix, 32)
	for i := range xs {
		xs[i] = kernel.NewMatrix(10, 4)
		xs[i].Set(0, i%4, 1)
	}
	ys, _ := net.ForwardBatch(xs)
	one, _ := net.Forward(xs[5])
	fmt.Println(len(ys), ys[5].Rows, ys[5].Cols)
	d := ys[5].At(9, 0) - one.At(9, 0)
	fmt.Println(d < 1e-5 && d > -1e-5)
	// Output:
	// 32 10 8
	// true
}
