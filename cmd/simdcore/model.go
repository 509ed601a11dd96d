package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/simdcore/simdcore/rnn"
)

// embedded holds the demo character-level language model,
// testdata/demo.safetensors, trained by this command's train subcommand
// on testdata/corpus.txt (the project's own doc comments, made by
// scripts/corpus.sh; the README gives the exact command). It is a
// directory embed so that the command still builds before a model has
// been trained, which is how the model itself is first made.
//
//go:embed testdata
var embedded embed.FS

const demoModelPath = "testdata/demo.safetensors"

// Metadata keys with which train records the tokenizer in a model file.
const (
	metaTokenizer = "simdcore.tokenizer" // "chars" or "bytes"
	metaVocab     = "simdcore.vocab"     // for chars: the vocabulary's runes in token order
	metaSteps     = "simdcore.steps"     // optimiser updates so far
)

// tokenizer turns text into tokens and back.
type tokenizer interface {
	Encode(s string) ([]int, error)
	Decode(toks []int) string
	Vocab() int
}

// byteTokens adapts rnn.Bytes to tokenizer.
type byteTokens struct{ rnn.Bytes }

func (b byteTokens) Encode(s string) ([]int, error) { return b.Bytes.Encode(s), nil }

// charsVocab returns a Chars tokenizer's vocabulary as a string, runes in
// token order, which is how it is stored and rebuilt.
func charsVocab(c *rnn.Chars) string {
	ids := make([]int, c.Vocab())
	for i := range ids {
		ids[i] = i
	}
	return c.Decode(ids)
}

// lmFile is a language model with its tokenizer.
type lmFile struct {
	lm    *rnn.LM
	tok   tokenizer
	steps int
}

// loadLM reads a language model written by train, or the embedded one
// when path is empty.
func loadLM(path string) (*lmFile, error) {
	var (
		lm   *rnn.LM
		meta map[string]string
		err  error
	)
	if path == "" {
		demoModel, err := embedded.ReadFile(demoModelPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("this build has no embedded model (train one into cmd/simdcore/" + demoModelPath + ", see the README)")
		}
		if err != nil {
			return nil, err
		}
		lm, err = rnn.ReadLM(bytes.NewReader(demoModel), int64(len(demoModel)), rnn.WithMetadata(&meta))
		if err != nil {
			return nil, fmt.Errorf("embedded model: %w", err)
		}
	} else {
		lm, err = rnn.LoadLM(path, rnn.WithMetadata(&meta))
		if err != nil {
			return nil, err
		}
	}
	f := &lmFile{lm: lm}
	f.steps, _ = strconv.Atoi(meta[metaSteps])
	switch meta[metaTokenizer] {
	case "chars":
		c := rnn.NewChars(meta[metaVocab])
		if c.Vocab() != lm.Vocab() || len([]rune(meta[metaVocab])) != lm.Vocab() {
			return nil, fmt.Errorf("%s: the stored vocabulary has %d distinct characters but the model has %d tokens", orEmbedded(path), c.Vocab(), lm.Vocab())
		}
		f.tok = c
	case "bytes", "":
		if lm.Vocab() != 256 {
			return nil, fmt.Errorf("%s: a byte-level model needs 256 tokens, this one has %d (no %s metadata)", orEmbedded(path), lm.Vocab(), metaTokenizer)
		}
		f.tok = byteTokens{}
	default:
		return nil, fmt.Errorf("%s: unknown tokenizer %q", orEmbedded(path), meta[metaTokenizer])
	}
	return f, nil
}

func orEmbedded(path string) string {
	if path == "" {
		return "embedded model"
	}
	return path
}

// save writes the model with its tokenizer, atomically.
func (f *lmFile) save(path string) error {
	meta := map[string]string{metaSteps: strconv.Itoa(f.steps)}
	switch t := f.tok.(type) {
	case *rnn.Chars:
		meta[metaTokenizer] = "chars"
		meta[metaVocab] = charsVocab(t)
	default:
		meta[metaTokenizer] = "bytes"
	}
	return f.lm.Save(path, meta)
}
