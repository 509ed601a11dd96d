package main

import (
	"flag"
	"fmt"

	"github.com/simdcore/simdcore/rnn"
)

// checkResumeFlags refuses, for train -resume, a shape flag given on the
// command line (-cell, -hidden, -layers, -embed, -tokenizer) that disagrees with
// the model being resumed: the model's own shape is what trains, so a
// different value would be silently ignored.
func checkResumeFlags(fs *flag.FlagSet, lm *rnn.LM) error {
	cfg := lm.Net.Config()
	have := map[string]string{
		"cell":      cfg.Cell.String(),
		"hidden":    fmt.Sprint(cfg.Hidden),
		"layers":    fmt.Sprint(max(cfg.Layers, 1)),
		"embed":     fmt.Sprint(lm.Embed.Cols),
		"tokenizer": tokenizerName(lm.Tokenizer),
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		want, ok := have[f.Name]
		if ok && err == nil && f.Value.String() != want {
			err = usageError{fmt.Sprintf("train: -resume: -%s %s conflicts with the model being resumed, which has -%s %s (leave the flag out)", f.Name, f.Value, f.Name, want)}
		}
	})
	return err
}

// tokenizerName is train's -tokenizer value for tok.
func tokenizerName(tok rnn.Tokenizer) string {
	switch tok.(type) {
	case rnn.Bytes, *rnn.Bytes:
		return "bytes"
	case *rnn.Chars:
		return "chars"
	}
	return fmt.Sprintf("%T", tok)
}
