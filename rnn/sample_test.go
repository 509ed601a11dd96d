package rnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSampleLowTemperature: the sampling weights do not underflow, so a
// low temperature samples the most likely token (p^(1/T) underflowed to 0
// for every token at T = 0.001, and the last token was returned).
func TestSampleLowTemperature(t *testing.T) {
	probs := []float32{0.1, 0.5, 0.15, 0.25}
	w, idx := make([]float64, len(probs)), make([]int, len(probs))
	r := rand.New(rand.NewPCG(1, 2))
	for _, temp := range []float64{0.05, 0.001, 1e-6, 1e-300} {
		for _, k := range []int{0, 2} {
			for range 200 {
				require.Equal(t, 1, sample(probs, GenerateOptions{Temperature: temp, TopK: k}, r, w, idx), "T=%g TopK=%d", temp, k)
			}
		}
	}
	// Tiny probabilities: the weights are relative to the largest.
	tiny := []float32{1e-30, 3e-30, 2e-30}
	for range 200 {
		require.Equal(t, 1, sample(tiny, GenerateOptions{Temperature: 0.001}, r, w[:3], idx[:3]))
	}
	// At T = 0.5 the weights are p², normalised: 0.36/0.52 for the first.
	two := []float32{0.6, 0.4}
	n, hits := 40000, 0
	for range n {
		if sample(two, GenerateOptions{Temperature: 0.5}, r, w[:2], idx[:2]) == 0 {
			hits++
		}
	}
	require.InDelta(t, 0.36/0.52, float64(hits)/float64(n), 0.01)
}

// TestGenerateTemperature: Generate at a low temperature is greedy, and a
// negative, NaN or infinite temperature is an error.
func TestGenerateTemperature(t *testing.T) {
	m, err := NewLM(LMConfig{Vocab: 7, Embed: 3, Hidden: 6}, 3)
	require.NoError(t, err)
	greedy, err := m.Generate([]int{1}, 20, GenerateOptions{})
	require.NoError(t, err)
	for _, temp := range []float64{0.001, 1e-6} {
		got, err := m.Generate([]int{1}, 20, GenerateOptions{Temperature: temp, Seed: 5})
		require.NoError(t, err)
		require.Equal(t, greedy, got, "T=%g", temp)
	}
	for _, temp := range []float64{-1, math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, err := m.Generate([]int{1}, 5, GenerateOptions{Temperature: temp})
		require.ErrorIs(t, err, ErrConfig, "T=%g", temp)
	}
}
