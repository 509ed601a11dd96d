package tlm

import (
	"fmt"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
)

// This file holds decoding with the key/value cache and sampling.

// State decodes a model one token at a time against a key/value cache of
// up to MaxLen tokens. A State is not safe for concurrent use; each
// goroutine takes its own.
//
// The cache starts with room for stateCap0 tokens (or MaxLen if fewer)
// and doubles, up to MaxLen, when a Step or Prefill needs more, keeping
// what it holds: its memory follows the tokens actually decoded, not a
// context of up to 2²⁰ tokens that a file's metadata may declare. Reserve
// sizes it up front.
type State struct {
	m         *LM
	cache     *nn.Cache
	x, h, out []float32
}

// stateCap0 is the tokens a new State's cache has room for.
const stateCap0 = 256

// NewState returns a State at the start of a sequence.
func (m *LM) NewState() (*State, error) { return m.newState(min(m.cfg.MaxLen, stateCap0)) }

// newState returns a State whose cache has room for capacity tokens
// (at most MaxLen).
func (m *LM) newState(capacity int) (*State, error) {
	c, err := m.Encoder.NewCache(capacity)
	if err != nil {
		return nil, err
	}
	d := m.cfg.DModel
	return &State{m: m, cache: c, x: make([]float32, d), h: make([]float32, d), out: make([]float32, m.cfg.Vocab)}, nil
}

// Reserve makes room in the cache for n tokens in all (at most MaxLen;
// more is an error wrapping attn.ErrCacheFull), so that the Steps and
// Prefills up to n tokens allocate nothing for the cache.
func (s *State) Reserve(n int) error {
	if n > s.m.cfg.MaxLen {
		return fmt.Errorf("tlm: Reserve: %d tokens exceed the context of %d: %w", n, s.m.cfg.MaxLen, attn.ErrCacheFull)
	}
	return s.cache.Grow(n)
}

// room makes room in the cache for n tokens in all (n ≤ MaxLen), by at
// least doubling its capacity when it must grow.
func (s *State) room(n int) error {
	if c := s.cache.Cap(); n > c {
		return s.cache.Grow(min(s.m.cfg.MaxLen, max(n, 2*c)))
	}
	return nil
}

// Reset returns to the start of a sequence, keeping the memory.
func (s *State) Reset() { s.cache.Reset() }

// Len returns the number of tokens seen since the start.
func (s *State) Len() int { return s.cache.Len() }

// Step feeds token tok and writes the distribution over the next token
// into probs (len Vocab): after tokens t_0…t_k it equals Next(t_0…t_k)
// up to rounding. It allocates nothing, except when the cache doubles
// (see State). After MaxLen tokens the cache is full: Step returns an
// error wrapping attn.ErrCacheFull.
func (s *State) Step(probs []float32, tok int) error {
	m := s.m
	if len(probs) != m.cfg.Vocab {
		return shapeErr("Step: len(probs)=%d, want Vocab=%d", len(probs), m.cfg.Vocab)
	}
	if tok < 0 || tok >= m.cfg.Vocab {
		return shapeErr("Step: token %d outside the vocabulary [0,%d)", tok, m.cfg.Vocab)
	}
	pos := s.cache.Len()
	if pos >= m.cfg.MaxLen {
		return fmt.Errorf("tlm: Step: the context of %d tokens is full: %w", m.cfg.MaxLen, attn.ErrCacheFull)
	}
	if err := s.room(pos + 1); err != nil {
		return err
	}
	copy(s.x, m.Embed.Row(tok))
	if err := m.Pos.AddRow(s.x, pos); err != nil {
		return err
	}
	if err := m.Encoder.Decode(s.h, s.x, s.cache); err != nil {
		return err
	}
	return s.head(probs, s.h)
}

// head writes softmax(Head(h)) into probs.
func (s *State) head(probs, h []float32) error {
	d, v := s.m.cfg.DModel, s.m.cfg.Vocab
	if _, err := s.m.Head.Forward(kernel.MatrixFrom(1, v, s.out), kernel.MatrixFrom(1, d, h)); err != nil {
		return err
	}
	kernel.Softmax(probs, s.out)
	return nil
}

// Prefill feeds toks (at least one, and no more than the cache has room
// for) at once, as len(toks) Steps would, and writes the distribution
// over the token after them into probs.
func (s *State) Prefill(probs []float32, toks []int) error {
	m := s.m
	pos := s.cache.Len()
	switch {
	case len(probs) != m.cfg.Vocab:
		return shapeErr("Prefill: len(probs)=%d, want Vocab=%d", len(probs), m.cfg.Vocab)
	case len(toks) == 0:
		return shapeErr("Prefill: no tokens")
	case pos+len(toks) > m.cfg.MaxLen:
		return fmt.Errorf("tlm: Prefill: %d tokens after %d exceed the context of %d: %w", len(toks), pos, m.cfg.MaxLen, attn.ErrCacheFull)
	}
	if err := m.checkTokens("Prefill", toks, false); err != nil {
		return err
	}
	if err := s.room(pos + len(toks)); err != nil {
		return err
	}
	x := kernel.NewMatrix(len(toks), m.cfg.DModel)
	for t, tok := range toks {
		copy(x.Row(t), m.Embed.Row(tok))
	}
	if err := m.Pos.Add(x, pos); err != nil {
		return err
	}
	h, err := m.Encoder.Prefill(kernel.Matrix{}, x, s.cache)
	if err != nil {
		return err
	}
	return s.head(probs, h.Row(h.Rows-1))
}

// Generate continues prefix (len ≥ 1) by n tokens and returns the n new
// tokens, sampled as rnn.LM.Generate samples them (opts: temperature,
// top-k, seed; an invalid opts is an error wrapping rnn.ErrConfig). It
// prefills the last MaxLen tokens of prefix and then decodes one token at
// a time with the cache. When the cache is full it starts again from the
// last MaxLen/2 tokens (at least one), so every token is drawn given
// between MaxLen/2 and MaxLen tokens of context: for len(prefix)+n ≤
// MaxLen+1 the tokens are exactly those that repeated Next would give.
func (m *LM) Generate(prefix []int, n int, opts rnn.GenerateOptions) ([]int, error) {
	if len(prefix) == 0 || n < 0 {
		return nil, shapeErr("Generate: prefix of %d tokens, n=%d: need a prefix and n ≥ 0", len(prefix), n)
	}
	smp, err := rnn.NewSampler(m.cfg.Vocab, opts)
	if err != nil {
		return nil, err
	}
	if err := m.checkTokens("Generate", prefix, false); err != nil {
		return nil, err
	}
	// A cache for the tokens this call can hold at once, not for MaxLen.
	st, err := m.newState(min(m.cfg.MaxLen, min(len(prefix), m.cfg.MaxLen)+min(n, m.cfg.MaxLen)))
	if err != nil {
		return nil, err
	}
	hist := append(make([]int, 0, len(prefix)+min(n, 1<<16)), prefix...) // grown as generated
	probs := make([]float32, m.cfg.Vocab)
	if err := st.Prefill(probs, prefix[max(0, len(prefix)-m.cfg.MaxLen):]); err != nil {
		return nil, err
	}
	for range n {
		tok := smp.Sample(probs)
		hist = append(hist, tok)
		if len(hist)-len(prefix) == n {
			break
		}
		if st.Len() < m.cfg.MaxLen {
			err = st.Step(probs, tok)
		} else {
			st.Reset()
			err = st.Prefill(probs, hist[len(hist)-max(m.cfg.MaxLen/2, 1):])
		}
		if err != nil {
			return nil, err
		}
	}
	return hist[len(prefix):], nil
}
