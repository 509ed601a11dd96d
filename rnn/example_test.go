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
	toks := rnn.Bytes{}.Encode("hi!")
	fmt.Println(toks, rnn.Bytes{}.Decode(toks))
	// Output: [104 105 33] hi!
}
