package rnn

import "fmt"

// This file holds the tokenizers of a language model.

// Bytes is the byte-level tokenizer: each byte of the UTF-8 text is one
// token, so the vocabulary is 256 and any text round-trips.
type Bytes struct{}

// Vocab returns 256.
func (Bytes) Vocab() int { return 256 }

// Encode returns the bytes of s as tokens.
func (Bytes) Encode(s string) []int {
	out := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = int(s[i])
	}
	return out
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
