package main

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// TestEmbeddedModel checks the shipped model: it loads, it is small, it
// predicts its own corpus far better than chance, and what it writes is
// made mostly of the corpus's own words.
func TestEmbeddedModel(t *testing.T) {
	raw, err := embedded.ReadFile(demoModelPath)
	require.NoError(t, err)
	require.LessOrEqual(t, len(raw), 1<<20, "the embedded model must stay within 1 MiB")

	f, err := loadLM("")
	require.NoError(t, err)
	corpus, err := embedded.ReadFile("testdata/corpus.txt")
	require.NoError(t, err)
	text := string(corpus)

	// Perplexity on a stretch of the corpus, against a uniform guess.
	excerpt := []rune(text)[1000:1600]
	toks, err := f.lm.Tokenizer.Encode(string(excerpt))
	require.NoError(t, err)
	pp, err := f.lm.Perplexity(toks)
	require.NoError(t, err)
	require.Less(t, pp, 4.0, "perplexity %.2f over a vocabulary of %d", pp, f.lm.Tokenizer.Vocab())

	// Generated words are mostly words of the corpus.
	known := map[string]bool{}
	for _, w := range words(text) {
		known[w] = true
	}
	gen, err := f.generate("The ", 2000, 0.5, 0, 1)
	require.NoError(t, err)
	ws := words(gen)
	require.Greater(t, len(ws), 100)
	hits := 0
	for _, w := range ws {
		if known[w] {
			hits++
		}
	}
	require.Greater(t, float64(hits)/float64(len(ws)), 0.8, "only %d of %d generated words occur in the corpus: %q", hits, len(ws), gen[:200])
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

func TestDefaultRunPrintsInfoBenchAndSample(t *testing.T) {
	var out, errb strings.Builder
	require.Equal(t, 0, run(nil, &out, &errb), errb.String())
	s := out.String()
	require.Contains(t, s, "Levels:")
	require.Contains(t, s, "Kernel speeds")
	require.Contains(t, s, "embedded language model")
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("trains seven small networks")
	}
	var out, errb strings.Builder
	require.Equal(t, 0, run([]string{"demo"}, &out, &errb), errb.String())
	s := out.String()
	require.Contains(t, s, "scores q·k_i (unscaled):     [-2 3 0 -1]")
	require.Contains(t, s, "hard attention picks key 1")
	require.Equal(t, 7, strings.Count(s, "% right"))
	require.Contains(t, s, "perplexity")
	for _, cell := range []string{"elman", "lstm", "gru"} {
		require.Regexp(t, `\n  `+cell+` +[0-9.]+% right`, s)
	}
}
