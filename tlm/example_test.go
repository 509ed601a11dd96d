package tlm_test

import (
	"fmt"
	"strings"

	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
)

// A small transformer learns a repeated phrase and continues a prompt
// greedily, decoding with its key/value cache.
func Example() {
	text := strings.Repeat("hello world. ", 30)
	tok := rnn.NewChars(text)
	toks, _ := tok.Encode(text)
	m, err := tlm.New(tlm.Config{Vocab: tok.Vocab(), DModel: 32, Heads: 4, Layers: 1, MaxLen: 32}, 1)
	if err != nil {
		panic(err)
	}
	m.Tokenizer = tok
	if _, err := m.Train(toks, tlm.TrainConfig{Steps: 100, SeqLen: 24, BatchSize: 4, Optimizer: optim.NewAdam(1e-2), ClipNorm: 1}); err != nil {
		panic(err)
	}
	prompt, _ := tok.Encode("hello ")
	out, _ := m.Generate(prompt, 13, rnn.GenerateOptions{})
	fmt.Printf("%q\n", "hello "+tok.Decode(out))
	// Output: "hello world. hello "
}
