package rnn

import (
	"fmt"

	"github.com/simdcore/simdcore/internal/weights"
)

// This file holds the tokenizers of a language model and how LM.Save and
// LoadLM store them in a file's metadata.

// A Tokenizer turns text into a language model's tokens and back. An LM's
// Tokenizer is saved with it by LM.Save and restored by LoadLM, so that
// any program can load a trained model and feed it text; Bytes and *Chars
// are the tokenizers that can be stored.
type Tokenizer interface {
	// Vocab returns the number of tokens; for an LM's tokenizer, the
	// LM's Vocab.
	Vocab() int
	// Encode turns text into tokens; it fails on text outside the
	// vocabulary.
	Encode(s string) ([]int, error)
	// Decode turns tokens back into text.
	Decode(toks []int) string
}

// The metadata keys that store an LM's tokenizer.
const (
	// metaTokenizer names the tokenizer: "bytes" (Bytes) or "chars"
	// (*Chars).
	metaTokenizer = "simdcore.tokenizer"
	// metaVocab holds a Chars tokenizer's vocabulary, its runes in token
	// order.
	metaVocab = "simdcore.vocab"
)

// Bytes is the byte-level tokenizer: each byte of the UTF-8 text is one
// token, so the vocabulary is 256 and any text round-trips.
type Bytes struct{}

// Vocab returns 256.
func (Bytes) Vocab() int { return 256 }

// Encode returns the bytes of s as tokens; it never fails.
func (Bytes) Encode(s string) ([]int, error) {
	out := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = int(s[i])
	}
	return out, nil
}

// Decode turns tokens back into text; tokens outside 0..255 become
// U+FFFD.
func (Bytes) Decode(toks []int) string {
	b := make([]byte, 0, len(toks))
	for _, t := range toks {
		if t < 0 || t > 255 {
			b = append(b, "\uFFFD"...)
			continue
		}
		b = append(b, byte(t))
	}
	return string(b)
}

// Chars is a character-level tokenizer over the runes of a training
// text, numbered in order of first appearance (a small vocabulary for
// small models).
type Chars struct {
	runes []rune
	ids   map[rune]int
}

// NewChars builds the vocabulary of text's distinct runes.
func NewChars(text string) *Chars {
	c := &Chars{ids: map[rune]int{}}
	for _, r := range text {
		if _, ok := c.ids[r]; !ok {
			c.ids[r] = len(c.runes)
			c.runes = append(c.runes, r)
		}
	}
	return c
}

// Vocab returns the number of distinct runes.
func (c *Chars) Vocab() int { return len(c.runes) }

// Encode maps the runes of s to tokens; it fails on a rune outside the
// vocabulary.
func (c *Chars) Encode(s string) ([]int, error) {
	var out []int
	for i, r := range s {
		id, ok := c.ids[r]
		if !ok {
			return nil, fmt.Errorf("rnn: Chars.Encode: rune %q at byte %d is not in the vocabulary", r, i)
		}
		out = append(out, id)
	}
	return out, nil
}

// Decode maps tokens back to text; unknown tokens become U+FFFD.
func (c *Chars) Decode(toks []int) string {
	rs := make([]rune, len(toks))
	for i, t := range toks {
		if t < 0 || t >= len(c.runes) {
			rs[i] = '\uFFFD'
		} else {
			rs[i] = c.runes[t]
		}
	}
	return string(rs)
}

// TokenizerMetadata returns the metadata that stores t, the tokenizer of
// a language model with vocab tokens (none for a nil t), as LM.Save
// stores it; ReadTokenizer reads it back. Other language models (package
// tlm) store their tokenizers the same way.
func TokenizerMetadata(t Tokenizer, vocab int) (map[string]string, error) {
	if t == nil {
		return nil, nil
	}
	if t.Vocab() != vocab {
		return nil, shapeErr("LM.Save: the tokenizer has %d tokens, the model %d", t.Vocab(), vocab)
	}
	switch t := t.(type) {
	case Bytes, *Bytes:
		return map[string]string{metaTokenizer: "bytes"}, nil
	case *Chars:
		return map[string]string{metaTokenizer: "chars", metaVocab: string(t.runes)}, nil
	}
	return nil, fmt.Errorf("%w: LM.Save: a tokenizer of type %T cannot be stored (only Bytes and *Chars can)", ErrConfig, t)
}

// ReadTokenizer reads the tokenizer that TokenizerMetadata stored in the
// metadata of l, a language model whose head (the tensor head+".weight",
// named in errors) has vocab outputs; nil if none is stored.
func ReadTokenizer(l *weights.Dict, head string, vocab int) (Tokenizer, error) {
	kind, ok, err := l.Choice(metaTokenizer, "bytes", "chars")
	if !ok {
		return nil, err
	}
	if kind == 0 {
		if vocab != 256 {
			return nil, l.Shapef("metadata %s=bytes needs 256 tokens but the head %q has %d outputs", metaTokenizer, head+".weight", vocab)
		}
		return Bytes{}, nil
	}
	v, ok := l.Text(metaVocab)
	if !ok {
		return nil, l.Formatf("metadata %s=chars without %s", metaTokenizer, metaVocab)
	}
	c := NewChars(v)
	if n := len([]rune(v)); c.Vocab() != n {
		return nil, l.Formatf("metadata %s repeats a character (%d distinct of %d)", metaVocab, c.Vocab(), n)
	}
	if c.Vocab() != vocab {
		return nil, l.Shapef("metadata %s has %d characters but the head %q has %d outputs", metaVocab, c.Vocab(), head+".weight", vocab)
	}
	return c, nil
}
