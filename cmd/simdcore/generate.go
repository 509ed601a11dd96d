package main

import (
	"fmt"
	"io"
	"math"

	"github.com/simdcore/simdcore/rnn"
)

func cmdGenerate(args []string, stdout io.Writer) error {
	fs := newFlagSet("generate")
	prompt := fs.String("prompt", "The ", "text to continue")
	n := fs.Int("n", 200, "characters (tokens) to generate")
	temp := fs.Float64("temperature", 0.8, "sampling temperature; 0 is greedy")
	topk := fs.Int("topk", 0, "sample among the k most likely tokens only (0: all)")
	seed := fs.Uint64("seed", 1, "random seed")
	model := fs.String("model", "", "model file written by train (default: the embedded model)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 0 || *n > 1_000_000 {
		return usageError{fmt.Sprintf("generate: -n %d out of range [0, 1000000]", *n)}
	}
	if *temp < 0 || math.IsNaN(*temp) || math.IsInf(*temp, 0) {
		return usageError{fmt.Sprintf("generate: -temperature %v must be a finite number ≥ 0", *temp)}
	}
	if *topk < 0 {
		return usageError{fmt.Sprintf("generate: -topk %d must be ≥ 0", *topk)}
	}
	if *prompt == "" {
		return usageError{"generate: -prompt must not be empty"}
	}
	f, err := loadLM(*model)
	if err != nil {
		return err
	}
	text, err := f.generate(*prompt, *n, *temp, *topk, *seed)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, *prompt+text)
	return err
}

// generate continues prompt by n tokens.
func (f *lmFile) generate(prompt string, n int, temp float64, topk int, seed uint64) (string, error) {
	tok := f.tokenizer()
	toks, err := tok.Encode(prompt)
	if err != nil {
		return "", fmt.Errorf("prompt: %w", err)
	}
	var out []int
	if f.tf != nil {
		out, err = f.tf.Generate(toks, n, genOptions(temp, topk, seed))
	} else {
		out, err = f.lm.Generate(toks, n, genOptions(temp, topk, seed))
	}
	if err != nil {
		return "", err
	}
	return tok.Decode(out), nil
}

func genOptions(temp float64, topk int, seed uint64) rnn.GenerateOptions {
	return rnn.GenerateOptions{Temperature: temp, TopK: topk, Seed: seed}
}
