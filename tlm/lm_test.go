package tlm

import (
	"errors"
	"math"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

func tiny(t testing.TB, cfg Config) *LM {
	t.Helper()
	m, err := New(cfg, 7)
	require.NoError(t, err)
	return m
}

func smallConfig() Config {
	return Config{Vocab: 11, DModel: 16, Heads: 4, FF: 24, Layers: 2, MaxLen: 12, Activation: nn.GELU}
}

// TestDecodeMatchesNext checks that streaming with the cache gives the
// distributions of whole-sequence Next, token after token, for pre- and
// post-norm and both kinds of positions.
func TestDecodeMatchesNext(t *testing.T) {
	seq := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}
	for _, cfg := range []Config{smallConfig(), {Vocab: 11, DModel: 8, Heads: 2, Layers: 3, MaxLen: 12, PostNorm: true, Learned: true}} {
		m := tiny(t, cfg)
		st, err := m.NewState()
		require.NoError(t, err)
		probs := make([]float32, m.Vocab())
		for i, tok := range seq {
			require.NoError(t, st.Step(probs, tok))
			want, err := m.Next(seq[:i+1])
			require.NoError(t, err)
			var sum float64
			for j := range want {
				require.InDelta(t, want[j], probs[j], 2e-6, "token %d, class %d", i, j)
				sum += float64(probs[j])
			}
			require.InDelta(t, 1, sum, 1e-5)
		}
		require.ErrorIs(t, st.Step(probs, 0), attn.ErrCacheFull)
		// Prefill of a prompt then Step equals Step all the way.
		st.Reset()
		require.NoError(t, st.Prefill(probs, seq[:5]))
		want, _ := m.Next(seq[:5])
		for j := range want {
			require.InDelta(t, want[j], probs[j], 2e-6)
		}
		require.NoError(t, st.Step(probs, seq[5]))
		want, _ = m.Next(seq[:6])
		for j := range want {
			require.InDelta(t, want[j], probs[j], 2e-6)
		}
	}
}

// TestStepAllocatesNothing: decoding one token with the cache allocates
// nothing.
func TestStepAllocatesNothing(t *testing.T) {
	if race.Enabled {
		t.Skip("the kernels' pooled scratch: sync.Pool drops items at random under -race")
	}
	m := tiny(t, Config{Vocab: 40, DModel: 32, Heads: 4, Layers: 2, MaxLen: 1 << 12})
	st, err := m.NewState()
	require.NoError(t, err)
	probs := make([]float32, m.Vocab())
	require.NoError(t, st.Step(probs, 1))
	tok := 0
	allocs := testing.AllocsPerRun(200, func() {
		tok = (tok + 7) % m.Vocab()
		if err := st.Step(probs, tok); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
}

// TestLogProbIsSumOfNext: LogProb is the sum of the logs of Next's
// probabilities, and Perplexity its exponential mean.
func TestLogProbIsSumOfNext(t *testing.T) {
	m := tiny(t, smallConfig())
	seq := []int{0, 10, 3, 3, 7, 1, 2}
	var want float64
	for i := 1; i < len(seq); i++ {
		p, err := m.Next(seq[:i])
		require.NoError(t, err)
		want += math.Log(float64(p[seq[i]]))
	}
	lp, err := m.LogProb(seq)
	require.NoError(t, err)
	require.InDelta(t, want, lp, 1e-4)
	ppl, err := m.Perplexity(seq)
	require.NoError(t, err)
	require.InDelta(t, math.Exp(-want/6), ppl, 1e-4*ppl)
	lp, err = m.LogProb(seq[:1])
	require.NoError(t, err)
	require.Zero(t, lp)
}

// TestGenerateGreedyFollowsNext: greedy generation within the context is
// the argmax of Next at every step; beyond it, Generate slides its window
// and each token is the argmax of Next over the window it states.
func TestGenerateGreedyFollowsNext(t *testing.T) {
	m := tiny(t, smallConfig())
	prefix := []int{2, 7}
	out, err := m.Generate(prefix, 20, rnn.GenerateOptions{})
	require.NoError(t, err)
	require.Len(t, out, 20)
	hist := append([]int(nil), prefix...)
	ctx := 0 // the start of the context window
	for _, tok := range out {
		if len(hist)-ctx > m.MaxLen() {
			ctx = len(hist) - m.MaxLen()/2
		}
		p, err := m.Next(hist[ctx:])
		require.NoError(t, err)
		require.Equal(t, kernel.Argmax(p), tok)
		hist = append(hist, tok)
	}
	// Sampling is reproducible for a seed and stays in the vocabulary.
	opts := rnn.GenerateOptions{Temperature: 0.8, TopK: 4, Seed: 3}
	a, err := m.Generate(prefix, 30, opts)
	require.NoError(t, err)
	b, err := m.Generate(prefix, 30, opts)
	require.NoError(t, err)
	require.Equal(t, a, b)
	_, err = m.Generate(prefix, 3, rnn.GenerateOptions{Temperature: -1})
	require.ErrorIs(t, err, rnn.ErrConfig)
}

func TestErrors(t *testing.T) {
	m := tiny(t, smallConfig())
	_, err := m.Next(nil)
	require.ErrorIs(t, err, ErrShape)
	_, err = m.Next([]int{11})
	require.ErrorIs(t, err, ErrShape)
	_, err = m.Next(make([]int, 13))
	require.ErrorIs(t, err, ErrShape)
	_, err = m.Perplexity([]int{1})
	require.ErrorIs(t, err, ErrShape)
	for _, c := range []Config{{}, {Vocab: 5, DModel: 6, Heads: 4, MaxLen: 3}, {Vocab: 5, DModel: 8, Heads: 2}, {Vocab: 1 << 19, DModel: 1 << 12, Heads: 1, MaxLen: 8}, {Vocab: 2, DModel: 256, Heads: 1, Layers: 2, MaxLen: 1 << 20}} {
		_, err := New(c, 1)
		require.True(t, errors.Is(err, ErrConfig), "%+v: %v", c, err)
	}
}
