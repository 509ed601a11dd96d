package rnn_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/simdcore/simdcore/rnn"
)

// Training stops within one window of a cancel, here a deadline that
// falls inside an update of a million windows; the update is dropped
// whole, so the weights are those the model had before it.
func ExampleLMTrainConfig_cancel() {
	lm, _ := rnn.NewLM(rnn.LMConfig{Vocab: 10, Embed: 4, Hidden: 16}, 1)
	tokens := make([]int, 500)
	for i := range tokens {
		tokens[i] = i * 7 % 10
	}
	before := slices.Clone(lm.Params()[0].Data)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := lm.Train(tokens, rnn.LMTrainConfig{Steps: 1, SeqLen: 16, BatchSize: 1_000_000, Context: ctx})
	fmt.Println(errors.Is(err, context.DeadlineExceeded), slices.Equal(before, lm.Params()[0].Data))
	// Output: true true
}
