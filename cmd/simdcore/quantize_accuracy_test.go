package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQuantizedLMPerplexity: the embedded language model, quantized
// (rnn.LM.Quantize), has a perplexity on its whole training corpus
// within 1% (relative) of the float model's, the bound ACCURACY.md
// states; the measured figures are logged.
func TestQuantizedLMPerplexity(t *testing.T) {
	if testing.Short() {
		t.Skip("two forward passes over the 93 KB corpus")
	}
	f, err := loadLM("")
	require.NoError(t, err)
	corpus, err := embedded.ReadFile("testdata/corpus.txt")
	require.NoError(t, err)
	toks, err := f.lm.Tokenizer.Encode(string(corpus))
	require.NoError(t, err)
	pf, err := f.lm.Perplexity(toks)
	require.NoError(t, err)
	q, err := f.lm.Quantize()
	require.NoError(t, err)
	pq, err := q.Perplexity(toks)
	require.NoError(t, err)
	rel := math.Abs(pq-pf) / pf
	t.Logf("%d tokens: perplexity float %.5f, int8 %.5f, relative change %+.3f%%", len(toks)-1, pf, pq, 100*(pq-pf)/pf)
	require.Less(t, rel, 0.01)
	require.NotEqual(t, pf, pq, "the quantized model gave the float model's perplexity: its int8 weights did not run")
}
