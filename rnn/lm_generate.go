package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds an LM's streaming state and its sampling of new tokens.

// LMState streams a language model one token at a time.
type LMState struct {
	m   *LM
	s   *State
	hot []float32
}

// NewState returns a streaming state at the start of a sequence.
func (m *LM) NewState() *LMState {
	st := &LMState{m: m, s: m.Net.NewState()}
	if m.oneHot() {
		st.hot = make([]float32, m.vocab)
	}
	return st
}

// Reset returns to the start of a sequence.
func (s *LMState) Reset() { s.s.Reset() }

// Step feeds token tok and writes the distribution over the next token
// into probs (len Vocab). It allocates nothing.
func (s *LMState) Step(probs []float32, tok int) error {
	if tok < 0 || tok >= s.m.vocab {
		return shapeErr("Step: token %d outside the vocabulary [0,%d)", tok, s.m.vocab)
	}
	if !s.m.oneHot() {
		return s.s.Step(probs, s.m.Embed.Row(tok))
	}
	s.hot[tok] = 1
	err := s.s.Step(probs, s.hot)
	s.hot[tok] = 0
	return err
}

// GenerateOptions controls sampling.
type GenerateOptions struct {
	// Temperature divides the logits: tokens are drawn with probability
	// softmax(logits/T), which tends to the greedy choice as T → 0 and is
	// computed without underflow for any T > 0. 0 means greedy (always
	// the most likely token, the first on ties); a negative, NaN or
	// infinite Temperature is an error.
	Temperature float64
	// TopK, if > 0, samples only among the K most likely tokens.
	TopK int
	// Seed makes the sampling reproducible.
	Seed uint64
}

// Generate continues prefix (len ≥ 1) by n tokens and returns the n new
// tokens. It streams with a State, so each new token costs one step.
func (m *LM) Generate(prefix []int, n int, opts GenerateOptions) ([]int, error) {
	if len(prefix) == 0 || n < 0 {
		return nil, shapeErr("Generate: prefix of %d tokens, n=%d: need a prefix and n ≥ 0", len(prefix), n)
	}
	smp, err := NewSampler(m.vocab, opts)
	if err != nil {
		return nil, err
	}
	if err := m.checkTokens("Generate", prefix); err != nil {
		return nil, err
	}
	st := m.NewState()
	probs := make([]float32, m.vocab)
	for _, tok := range prefix {
		if err := st.Step(probs, tok); err != nil {
			return nil, err
		}
	}
	out := make([]int, 0, min(n, 1<<16)) // grown as generated: n may be any int
	for range n {
		tok := smp.Sample(probs)
		out = append(out, tok)
		if len(out) == n {
			break
		}
		if err := st.Step(probs, tok); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Sampler draws tokens from next-token distributions as Generate does,
// with GenerateOptions' temperature, top-k and seed; other language
// models (package tlm) sample with it too. Sample allocates nothing.
type Sampler struct {
	opts GenerateOptions
	r    *rand.Rand
	w    []float64
	idx  []int
}

// NewSampler returns a Sampler over vocab tokens. A negative, NaN or
// infinite Temperature or a negative TopK is an error wrapping ErrConfig.
func NewSampler(vocab int, opts GenerateOptions) (*Sampler, error) {
	if !(opts.Temperature >= 0) || math.IsInf(opts.Temperature, 1) || opts.TopK < 0 || vocab <= 0 {
		return nil, fmt.Errorf("%w: Generate: Temperature=%g TopK=%d: need a finite Temperature ≥ 0 and TopK ≥ 0", ErrConfig, opts.Temperature, opts.TopK)
	}
	return &Sampler{opts: opts, r: rand.New(rand.NewPCG(opts.Seed, 0x67656e)), w: make([]float64, vocab), idx: make([]int, vocab)}, nil
}

// Sample draws the next token from probs (len vocab).
func (s *Sampler) Sample(probs []float32) int {
	return sample(probs, s.opts, s.r, s.w, s.idx[:len(probs)])
}

// sample draws a token from probs with temperature and top-k.
func sample(probs []float32, opts GenerateOptions, r *rand.Rand, w []float64, idx []int) int {
	if opts.Temperature == 0 {
		return kernel.Argmax(probs)
	}
	for i := range idx {
		idx[i] = i
	}
	if opts.TopK > 0 && opts.TopK < len(probs) {
		// Order by probability, ties by index, and keep the first K.
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case probs[a] > probs[b]:
				return -1
			case probs[a] < probs[b]:
				return 1
			}
			return 0
		})
		idx = idx[:opts.TopK]
	}
	// (p/pmax)^(1/T) = e^((log p − log pmax)/T) is softmax(logits/T) up
	// to normalisation, and the most likely token's weight is exactly 1,
	// so the sum cannot underflow however small T is (p^(1/T) itself
	// underflows to 0 for every token at T = 0.001).
	var pmax float32
	for _, i := range idx {
		pmax = max(pmax, probs[i])
	}
	lmax := math.Log(float64(pmax))
	var s float64
	last := idx[0] // the last token of positive weight
	for j, i := range idx {
		w[j] = math.Exp((math.Log(float64(probs[i])) - lmax) / opts.Temperature)
		s += w[j]
		if w[j] > 0 {
			last = i
		}
	}
	u := r.Float64() * s
	for j, i := range idx {
		u -= w[j]
		if u < 0 {
			return i
		}
	}
	return last // rounding left u ≥ 0
}
