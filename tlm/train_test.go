package tlm

import (
	"context"
	"math"
	"testing"

	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// TestGradCheck compares LossGrad's gradients of every parameter of a
// tiny model (both norm placements, learned positions) with central
// differences of LogProb, computed in float32 with step 1e-2: each
// element must agree to 2e-3·max|numeric| + 5e-3·|numeric| (the worst seen is
// 2.2e-4·max).
func TestGradCheck(t *testing.T) {
	seq := []int{1, 4, 2, 0, 4, 3, 3, 1}
	for _, cfg := range []Config{
		{Vocab: 5, DModel: 8, Heads: 2, FF: 6, Layers: 2, MaxLen: 8, Activation: nn.GELU, Learned: true},
		{Vocab: 5, DModel: 4, Heads: 1, FF: 6, Layers: 1, MaxLen: 9, Activation: nn.GELUTanh, PostNorm: true},
	} {
		m := tiny(t, cfg)
		g := m.NewGrads()
		J, err := m.LossGrad(seq, g, 1)
		require.NoError(t, err)
		lp, err := m.LogProb(seq)
		require.NoError(t, err)
		require.InDelta(t, -lp, J, 1e-4)
		const h = 1e-2
		worst := 0.0
		for _, p := range m.Params(g) {
			num := make([]float64, len(p.Value))
			scale := 0.0
			for i := range p.Value {
				v := p.Value[i]
				p.Value[i] = v + h
				m.WeightsChanged()
				lp1, err := m.LogProb(seq)
				require.NoError(t, err)
				p.Value[i] = v - h
				m.WeightsChanged()
				lp2, err := m.LogProb(seq)
				require.NoError(t, err)
				p.Value[i] = v
				m.WeightsChanged()
				num[i] = -(lp1 - lp2) / (2 * h)
				scale = math.Max(scale, math.Abs(num[i]))
			}
			require.NotZero(t, scale, "%s: an all-zero gradient tests nothing", p.Name)
			for i, w := range num {
				d := math.Abs(float64(p.Grad[i]) - w)
				worst = math.Max(worst, d/scale)
				require.LessOrEqual(t, d, 2e-3*scale+5e-3*math.Abs(w), "%s[%d]: LossGrad %v, central differences %v", p.Name, i, p.Grad[i], w)
			}
		}
		t.Logf("%+v: worst error %.2g of the largest gradient", cfg, worst)
	}
}

// TestLearnTinyCorpus: a small model learns a repeated text, its
// perplexity falling from about the vocabulary's size to below 1.5.
func TestLearnTinyCorpus(t *testing.T) {
	text := ""
	for range 40 {
		text += "the cat sat on the mat. "
	}
	tok := rnn.NewChars(text)
	toks, err := tok.Encode(text)
	require.NoError(t, err)
	m, err := New(Config{Vocab: tok.Vocab(), DModel: 32, Heads: 4, FF: 64, Layers: 2, MaxLen: 32}, 1)
	require.NoError(t, err)
	m.Tokenizer = tok
	before, err := m.Perplexity(toks[:33])
	require.NoError(t, err)
	steps := 0
	_, err = m.Train(toks, TrainConfig{Steps: 150, SeqLen: 32, BatchSize: 4, Optimizer: optim.NewAdam(1e-2), ClipNorm: 1, Seed: 5,
		Progress: func(p rnn.Progress) { steps = p.Step }})
	require.NoError(t, err)
	require.Equal(t, 150, steps)
	after, err := m.Perplexity(toks[100:133])
	require.NoError(t, err)
	t.Logf("perplexity %.3g → %.3g", before, after)
	require.Greater(t, before, 4.0)
	require.Less(t, after, 1.5)
	out, err := m.Generate(toks[:10], 20, rnn.GenerateOptions{})
	require.NoError(t, err)
	t.Logf("%q → %q", tok.Decode(toks[:10]), tok.Decode(out))
}

// TestTrainCancel: a cancelled context stops training before any update.
func TestTrainCancel(t *testing.T) {
	m := tiny(t, smallConfig())
	before := append([]float32(nil), m.Embed.Data...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Train([]int{1, 2, 3, 4, 5, 6}, TrainConfig{Steps: 3, SeqLen: 4, Context: ctx})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, before, m.Embed.Data)
	_, err = m.Train([]int{1, 2, 3}, TrainConfig{Steps: 3, SeqLen: 13})
	require.ErrorIs(t, err, ErrConfig)
}
