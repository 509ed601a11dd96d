package rnn_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/rnn"
)

// encodeLM writes m with metadata and reads it back.
func encodeLM(t *testing.T, m *rnn.LM, metadata map[string]string) (*rnn.LM, map[string]string, error) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, m.Encode(&b, metadata))
	var meta map[string]string
	back, err := rnn.ReadLM(bytes.NewReader(b.Bytes()), int64(b.Len()), rnn.WithMetadata(&meta))
	return back, meta, err
}

func TestLMTokenizerRoundTrip(t *testing.T) {
	text := "Grüße, wörld: ≥ ∂σ"
	chars := rnn.NewChars(text)
	for name, tok := range map[string]rnn.Tokenizer{"chars": chars, "bytes": rnn.Bytes{}, "none": nil} {
		t.Run(name, func(t *testing.T) {
			vocab := 256
			if tok != nil {
				vocab = tok.Vocab()
			}
			m, err := rnn.NewLM(rnn.LMConfig{Vocab: vocab, Embed: 4, Hidden: 8}, 1)
			require.NoError(t, err)
			m.Tokenizer = tok
			back, meta, err := encodeLM(t, m, map[string]string{"note": "kept"})
			require.NoError(t, err)
			require.Equal(t, "kept", meta["note"])
			if tok == nil {
				require.Nil(t, back.Tokenizer)
				require.NotContains(t, meta, "simdcore.tokenizer")
				return
			}
			require.Equal(t, name, meta["simdcore.tokenizer"])
			require.NotNil(t, back.Tokenizer)
			require.Equal(t, tok.Vocab(), back.Tokenizer.Vocab())
			want, err := tok.Encode(text)
			require.NoError(t, err)
			got, err := back.Tokenizer.Encode(text)
			require.NoError(t, err)
			require.Equal(t, want, got, "the same text gives the same tokens")
			require.Equal(t, text, back.Tokenizer.Decode(got))
			g1, err := m.Generate(want[:3], 20, rnn.GenerateOptions{Temperature: 1, Seed: 2})
			require.NoError(t, err)
			g2, err := back.Generate(got[:3], 20, rnn.GenerateOptions{Temperature: 1, Seed: 2})
			require.NoError(t, err)
			require.Equal(t, tok.Decode(g1), back.Tokenizer.Decode(g2))
		})
	}
}

// otherTokenizer is a Tokenizer rnn cannot store.
type otherTokenizer struct{ rnn.Bytes }

func TestLMTokenizerSaveErrors(t *testing.T) {
	m, err := rnn.NewLM(rnn.LMConfig{Vocab: 256, Hidden: 4}, 1)
	require.NoError(t, err)
	var b bytes.Buffer
	m.Tokenizer = rnn.NewChars("abc")
	err = m.Encode(&b, nil)
	require.ErrorIs(t, err, rnn.ErrShape)
	require.ErrorContains(t, err, "the tokenizer has 3 tokens, the model 256")
	m.Tokenizer = otherTokenizer{}
	err = m.Save(t.TempDir()+"/m.safetensors", nil)
	require.ErrorIs(t, err, rnn.ErrConfig)
	require.ErrorContains(t, err, "rnn_test.otherTokenizer cannot be stored")
}

func TestLMTokenizerLoadErrors(t *testing.T) {
	cases := []struct {
		name     string
		vocab    int
		meta     map[string]string
		sentinel error
		msg      string
	}{
		{"unknown", 256, map[string]string{"simdcore.tokenizer": "words"}, rnn.ErrFormat, `simdcore.tokenizer="words" is not one of [bytes chars]`},
		{"bytes vocabulary", 10, map[string]string{"simdcore.tokenizer": "bytes"}, rnn.ErrShape, `needs 256 tokens but the head "head.weight" has 10 outputs`},
		{"chars without vocabulary", 3, map[string]string{"simdcore.tokenizer": "chars"}, rnn.ErrFormat, "chars without simdcore.vocab"},
		{"chars repeated", 3, map[string]string{"simdcore.tokenizer": "chars", "simdcore.vocab": "abca"}, rnn.ErrFormat, "repeats a character (3 distinct of 4)"},
		{"chars vocabulary", 3, map[string]string{"simdcore.tokenizer": "chars", "simdcore.vocab": "ab"}, rnn.ErrShape, `has 2 characters but the head "head.weight" has 3 outputs`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := rnn.NewLM(rnn.LMConfig{Vocab: c.vocab, Embed: 2, Hidden: 4}, 1)
			require.NoError(t, err)
			back, _, err := encodeLM(t, m, c.meta)
			require.Nil(t, back)
			require.ErrorIs(t, err, c.sentinel)
			require.ErrorContains(t, err, c.msg)
			require.True(t, strings.HasPrefix(err.Error(), "rnn: "), err.Error())
			for _, other := range []error{rnn.ErrFormat, rnn.ErrMissing, rnn.ErrShape} {
				if other != c.sentinel {
					require.NotErrorIs(t, err, other)
				}
			}
		})
	}
}
