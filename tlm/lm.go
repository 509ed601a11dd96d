package tlm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
)

// ErrConfig marks a configuration or argument that the model cannot take.
var ErrConfig = errors.New("tlm: bad configuration")

// ErrShape marks tokens, lengths or tensors of the wrong size.
var ErrShape = errors.New("tlm: shape mismatch")

// Config describes a transformer language model.
type Config struct {
	Vocab  int // tokens are 0..Vocab-1
	DModel int // embedding and model width
	Heads  int // attention heads; they must divide DModel
	FF     int // feed-forward width; 0 means 4·DModel
	Layers int // encoder layers; 0 means 1
	MaxLen int // the longest context (rows of the positions' table)
	// Activation is the feed-forward block's (nn.ReLU by default).
	Activation nn.Activation
	// PostNorm selects torch's norm_first=False; the default is pre-norm
	// (norm_first=True), which trains more readily.
	PostNorm bool
	// Learned makes the positions a trained table (initialised to the
	// sinusoidal one) instead of the fixed sinusoidal table.
	Learned bool
}

// maxFloats bounds the floats a model may come to hold with one State:
// its parameters, a learned positions' table (MaxLen×DModel) and a full
// State's key/value cache (2·Layers·MaxLen×DModel), so that a command
// line or a file's metadata cannot ask for more than 1 GiB. (Fixed
// positions have no table, and a State's cache grows with the tokens it
// holds, so what is allocated up front is far less.)
const maxFloats = 1 << 28

func (c Config) normalized() (Config, error) {
	if c.FF == 0 {
		c.FF = 4 * c.DModel
	}
	if c.Layers == 0 {
		c.Layers = 1
	}
	if c.Vocab <= 0 || c.Vocab > 1<<20 || c.MaxLen <= 0 || c.MaxLen > 1<<20 || c.Layers < 0 || c.Layers > 1<<10 {
		return c, fmt.Errorf("%w: Vocab=%d MaxLen=%d Layers=%d", ErrConfig, c.Vocab, c.MaxLen, c.Layers)
	}
	if _, err := nn.NewEncoderLayer(c.encoder()); err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	v, d, ff, l, t := float64(c.Vocab), float64(c.DModel), float64(c.FF), float64(c.Layers), float64(c.MaxLen)
	if n := 2*v*d + l*(4*d*d+2*ff*d) + t*d*(1+2*l); n > maxFloats {
		return c, fmt.Errorf("%w: Vocab=%d DModel=%d FF=%d Layers=%d MaxLen=%d: about %.3g floats of weights, positions and cache, more than %d",
			ErrConfig, c.Vocab, c.DModel, c.FF, c.Layers, c.MaxLen, n, maxFloats)
	}
	return c, nil
}

func (c Config) encoder() nn.Config {
	return nn.Config{DModel: c.DModel, Heads: c.Heads, FF: c.FF, Activation: c.Activation,
		NormFirst: !c.PostNorm, Layers: c.Layers, FinalNorm: true}
}

// LM is a decoder-only transformer language model estimating
// P(y_t | y_0..y_{t-1}). It is only read by inference, so one LM may
// serve many goroutines (each with its own State).
type LM struct {
	// Embed is the token embedding, Vocab×DModel ("embedding.weight").
	Embed kernel.Matrix
	// Pos is the positions, MaxLen of them: a MaxLen×DModel table,
	// trained ("pos_embedding.weight"), when the model was made with
	// Learned; otherwise the sinusoidal positions, computed as they are
	// added (attn.SinusoidalRows, no table).
	Pos *attn.Positions
	// Encoder is the causal stack with its final norm ("encoder.…").
	Encoder *nn.Encoder
	// Head maps the final hidden state to logits ("head.weight",
	// "head.bias").
	Head *nn.Linear
	// Tokenizer, if not nil, turns text into tokens and back; Save
	// stores it and Load restores it.
	Tokenizer rnn.Tokenizer
	cfg       Config
}

// New returns a model of cfg initialised from seed: the embedding from
// N(0,1), the encoder and the head as torch initialises them (nn's Init).
func New(cfg Config, seed uint64) (*LM, error) {
	c, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	m, err := build(c)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x746c6d))
	for i := range m.Embed.Data {
		m.Embed.Data[i] = float32(r.NormFloat64())
	}
	m.Encoder.Init(r) // Init drops the packed forms
	m.Head.Init(r)
	return m, nil
}

// build returns a zero model of the normalized c.
func build(c Config) (*LM, error) {
	enc, err := nn.NewEncoder(c.encoder())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	head, err := nn.NewLinear(c.DModel, c.Vocab, true)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	// Fixed positions are computed row by row as they are used: a table
	// of MaxLen rows (up to 2²⁰, from a file's metadata) would cost
	// memory for positions that are never reached. A learned table is
	// the model's weights, as large as the file's.
	newPos := attn.SinusoidalRows
	if c.Learned {
		newPos = attn.Sinusoidal
	}
	pos, err := newPos(c.MaxLen, c.DModel)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &LM{Embed: kernel.NewMatrix(c.Vocab, c.DModel), Pos: pos, Encoder: enc, Head: head, cfg: c}, nil
}

// WeightsChanged drops the packed forms of the encoder's and the head's
// weights (nn.Linear and attn.MultiHead keep them packed for
// kernel.GemmPacked), so that the next pass uses the current weights:
// call it after changing weights in place (an optimiser step on Params;
// Train does). LossGrad leaves no packed form behind.
func (m *LM) WeightsChanged() {
	m.Encoder.WeightsChanged()
	m.Head.WeightsChanged()
}

// Config returns the model's configuration (with FF and Layers filled in).
func (m *LM) Config() Config { return m.cfg }

// Vocab returns the vocabulary size.
func (m *LM) Vocab() int { return m.cfg.Vocab }

// MaxLen returns the longest context.
func (m *LM) MaxLen() int { return m.cfg.MaxLen }

func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrShape, fmt.Sprintf(format, args...))
}

// checkTokens checks that toks are in the vocabulary and, if context,
// that they fit the context.
func (m *LM) checkTokens(fn string, toks []int, context bool) error {
	if context && len(toks) > m.cfg.MaxLen {
		return shapeErr("%s: %d tokens, more than the context of %d", fn, len(toks), m.cfg.MaxLen)
	}
	for i, t := range toks {
		if t < 0 || t >= m.cfg.Vocab {
			return shapeErr("%s: token %d at position %d is outside the vocabulary [0,%d)", fn, t, i, m.cfg.Vocab)
		}
	}
	return nil
}

// inputs returns the T×DModel embeddings plus positions of toks.
func (m *LM) inputs(toks []int) (kernel.Matrix, error) {
	x := kernel.NewMatrix(len(toks), m.cfg.DModel)
	for t, tok := range toks {
		copy(x.Row(t), m.Embed.Row(tok))
	}
	return x, m.Pos.Add(x, 0)
}

// logits runs toks (already checked) and returns the T×Vocab logits and
// the encoder's input.
func (m *LM) logits(toks []int) (logits, x kernel.Matrix, err error) {
	if x, err = m.inputs(toks); err != nil {
		return
	}
	h, err := m.Encoder.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
	if err != nil {
		return
	}
	logits, err = m.Head.Forward(kernel.Matrix{}, h)
	return
}

// Next returns the distribution over the token that follows prefix
// (1 ≤ len ≤ MaxLen), a fresh slice of Vocab probabilities.
func (m *LM) Next(prefix []int) ([]float32, error) {
	if len(prefix) == 0 {
		return nil, shapeErr("Next: empty prefix")
	}
	if err := m.checkTokens("Next", prefix, true); err != nil {
		return nil, err
	}
	y, _, err := m.logits(prefix)
	if err != nil {
		return nil, err
	}
	p := slices.Clone(y.Row(y.Rows - 1))
	kernel.Softmax(p, p)
	return p, nil
}

// LogProb returns log P(seq[1:] | seq[0]) = Σ_{t≥1} log P(seq[t] | seq[:t])
// in nats (the first token is given, not predicted), for 1 ≤ len(seq) ≤
// MaxLen+1. A sequence of one token has log-probability 0.
func (m *LM) LogProb(seq []int) (float64, error) {
	if len(seq) == 0 {
		return 0, shapeErr("LogProb: empty sequence")
	}
	if err := m.checkTokens("LogProb", seq, false); err != nil {
		return 0, err
	}
	if len(seq) == 1 {
		return 0, nil
	}
	if err := m.checkTokens("LogProb", seq[:len(seq)-1], true); err != nil {
		return 0, err
	}
	y, _, err := m.logits(seq[:len(seq)-1])
	if err != nil {
		return 0, err
	}
	d := kernel.NewMatrix(y.Rows, y.Cols)
	return -loss.SoftmaxCrossEntropyLabels(d, y, seq[1:]), nil
}

// Perplexity returns exp(−LogProb(seq)/(len(seq)−1)), the model's
// perplexity on seq; len(seq) must be at least 2.
func (m *LM) Perplexity(seq []int) (float64, error) {
	lp, err := m.LogProb(seq)
	if err == nil && len(seq) < 2 {
		err = shapeErr("Perplexity: need at least 2 tokens, got %d", len(seq))
	}
	if err != nil {
		return 0, err
	}
	return math.Exp(-lp / float64(len(seq)-1)), nil
}
