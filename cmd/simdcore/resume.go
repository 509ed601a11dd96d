package main

import (
	"flag"
	"fmt"

	"github.com/simdcore/simdcore/rnn"
)

// checkResumeFlags refuses, for train -resume, a shape flag given on the
// command line (-arch, -cell, -hidden, -layers, -embed, -heads, -ff,
// -positions, -tokenizer) that disagrees with the model being resumed:
// the model's own shape is what trains, so a different value would be
// silently ignored.
func checkResumeFlags(fs *flag.FlagSet, f *lmFile) error {
	have := f.shapeFlags()
	var err error
	fs.Visit(func(fl *flag.Flag) {
		want, ok := have[fl.Name]
		if ok && err == nil && fl.Value.String() != want {
			err = usageError{fmt.Sprintf("train: -resume: -%s %s conflicts with the model being resumed, which has -%s %s (leave the flag out)", fl.Name, fl.Value, fl.Name, want)}
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
