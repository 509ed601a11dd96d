package main

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
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

// TestStepsMetadataRefused: a model whose metadata simdcore.steps is not
// an update count (not a number, negative, or one that the next update
// would overflow) is refused by loadLM, recurrent or transformer, instead
// of being read as 0 or carried into a negative count; a count loads.
func TestStepsMetadataRefused(t *testing.T) {
	dir := t.TempDir()
	lm, err := rnn.NewLM(rnn.LMConfig{Cell: rnn.GRU, Vocab: 3, Embed: 2, Hidden: 2}, 1)
	require.NoError(t, err)
	lm.Tokenizer = rnn.NewChars("abc")
	tf, err := tlm.New(tlm.Config{Vocab: 3, DModel: 2, Heads: 1, FF: 2, MaxLen: 4}, 1)
	require.NoError(t, err)
	tf.Tokenizer = rnn.NewChars("abc")
	savers := map[string]func(path string, meta map[string]string) error{"rnn": lm.Save, "tlm": tf.Save}
	for kind, save := range savers {
		for _, v := range []string{"x", "-1", "1.5", "9223372036854775807", "99999999999999999999"} {
			p := filepath.Join(dir, kind+".safetensors")
			require.NoError(t, save(p, map[string]string{metaSteps: v}))
			_, err := loadLM(p)
			require.ErrorContains(t, err, "is not an update count", "%s %s=%q", kind, metaSteps, v)
		}
		p := filepath.Join(dir, kind+".safetensors")
		require.NoError(t, save(p, map[string]string{metaSteps: "7"}))
		f, err := loadLM(p)
		require.NoError(t, err)
		require.Equal(t, 7, f.steps)
	}
}
