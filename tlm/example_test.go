package tlm_test

import (
	"fmt"
	"os"
	"path/filepath"
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

// Decoding with the key/value cache: Prefill a prompt, then Step one
// token at a time (no allocation per token); Save and Load keep the
// model with its tokenizer.
func ExampleLM_NewState() {
	tok := rnn.Bytes{}
	m, err := tlm.New(tlm.Config{Vocab: tok.Vocab(), DModel: 16, Heads: 2, Layers: 2, MaxLen: 64}, 1)
	if err != nil {
		panic(err)
	}
	m.Tokenizer = tok
	st, err := m.NewState()
	if err != nil {
		panic(err)
	}
	probs := make([]float32, m.Vocab())
	prompt, _ := tok.Encode("abc")
	if err := st.Prefill(probs, prompt); err != nil {
		panic(err)
	}
	for _, t := range []byte("def") {
		if err := st.Step(probs, int(t)); err != nil {
			panic(err)
		}
	}
	fmt.Println("tokens in the cache:", st.Len())

	path := filepath.Join(os.TempDir(), "tlm-example.safetensors")
	defer os.Remove(path)
	if err := m.Save(path, nil); err != nil {
		panic(err)
	}
	back, err := tlm.Load(path)
	if err != nil {
		panic(err)
	}
	fmt.Printf("loaded: %+v, tokenizer %T\n", back.Config(), back.Tokenizer)
	// Output:
	// tokens in the cache: 6
	// loaded: {Vocab:256 DModel:16 Heads:2 FF:64 Layers:2 MaxLen:64 Activation:relu PostNorm:false Learned:false}, tokenizer rnn.Bytes
}
