package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/simdcore/simdcore/optim"
)

// LMConfig describes a language model.
type LMConfig struct {
	Cell   CellType // Elman (the zero value), LSTM or GRU
	Vocab  int      // tokens are 0..Vocab-1
	Embed  int      // embedding width; 0 feeds one-hot vectors (Input = Vocab)
	Hidden int
	Layers int // 0 means 1
	Proj   int // an LSTM's proj_size (Config.Proj)
	// Activation is an Elman cell's activation (Tanh by default).
	Activation Activation
	Bias       Bias
}

// LM is a recurrent language model: token → embedding (or one-hot) →
// stacked unidirectional RNN → softmax head over the vocabulary,
// estimating P(y_t | y_0..y_{t-1}). Like Net, an LM is read-only during
// inference and may be shared between goroutines.
type LM struct {
	// Embed is Vocab×Embed (torch.nn.Embedding's weight); empty for
	// one-hot input.
	Embed kernel.Matrix
	// Net is the recurrent network with a Vocab-wide Softmax head.
	Net *Net
	// Tokenizer, if not nil, turns text into the model's tokens and
	// back; Save stores it with the model and LoadLM restores it.
	Tokenizer Tokenizer
	vocab     int
}

// NewLM returns a language model initialised as PyTorch would: the
// embedding from N(0,1), the network as New does.
func NewLM(cfg LMConfig, seed uint64) (*LM, error) {
	if cfg.Vocab <= 0 || cfg.Embed < 0 {
		return nil, fmt.Errorf("%w: LM Vocab=%d Embed=%d", ErrConfig, cfg.Vocab, cfg.Embed)
	}
	in := cfg.Embed
	if in == 0 {
		in = cfg.Vocab
	}
	nc := Config{Cell: cfg.Cell, Input: in, Hidden: cfg.Hidden, Layers: cfg.Layers, Proj: cfg.Proj,
		Activation: cfg.Activation, Output: cfg.Vocab, OutputActivation: Softmax, Bias: cfg.Bias}
	if c, err := nc.normalized(); err != nil {
		return nil, err
	} else if n, _ := weightCount(c); !lmFits(n, cfg.Vocab, cfg.Embed) {
		return nil, fmt.Errorf("%w: LM Vocab=%d Embed=%d Hidden=%d Layers=%d: more than MaxWeights=%d weights",
			ErrConfig, cfg.Vocab, cfg.Embed, cfg.Hidden, c.Layers, MaxWeights)
	}
	net, err := New(nc, seed)
	if err != nil {
		return nil, err
	}
	m := &LM{Net: net, vocab: cfg.Vocab}
	if cfg.Embed > 0 {
		m.Embed = kernel.NewMatrix(cfg.Vocab, cfg.Embed)
		r := rand.New(rand.NewPCG(seed, 0x656d626564))
		for i := range m.Embed.Data {
			m.Embed.Data[i] = float32(r.NormFloat64())
		}
	}
	return m, nil
}

// Vocab returns the vocabulary size.
func (m *LM) Vocab() int { return m.vocab }

// oneHot reports whether the model feeds one-hot vectors.
func (m *LM) oneHot() bool { return m.Embed.Rows == 0 }

func (m *LM) checkTokens(fn string, toks []int) error {
	for i, t := range toks {
		if t < 0 || t >= m.vocab {
			return shapeErr("%s: token %d at position %d is outside the vocabulary [0,%d)", fn, t, i, m.vocab)
		}
	}
	return nil
}

// inputs returns the T×Input matrix of embeddings (or one-hot rows).
func (m *LM) inputs(toks []int) kernel.Matrix {
	x := kernel.NewMatrix(len(toks), m.Net.cfg.Input)
	for t, tok := range toks {
		if m.oneHot() {
			x.Set(t, tok, 1)
		} else {
			copy(x.Row(t), m.Embed.Row(tok))
		}
	}
	return x
}

// Next returns the distribution over the token that follows prefix
// (len ≥ 1), a fresh slice of Vocab probabilities.
func (m *LM) Next(prefix []int) ([]float32, error) {
	if len(prefix) == 0 {
		return nil, shapeErr("Next: empty prefix")
	}
	if err := m.checkTokens("Next", prefix); err != nil {
		return nil, err
	}
	y, err := m.Net.Forward(m.inputs(prefix))
	if err != nil {
		return nil, err
	}
	return slices.Clone(y.Row(y.Rows - 1)), nil
}

// LogProb returns log P(seq[1:] | seq[0]) = Σ_{t≥1} log P(seq[t] | seq[:t])
// in nats (the first token is given, not predicted). A sequence of one
// token has log-probability 0.
func (m *LM) LogProb(seq []int) (float64, error) {
	if len(seq) == 0 {
		return 0, shapeErr("LogProb: empty sequence")
	}
	if err := m.checkTokens("LogProb", seq); err != nil {
		return 0, err
	}
	logits, _, err := m.Net.forwardLogits("LogProb", m.inputs(seq[:len(seq)-1]), nil, false)
	if err != nil {
		return 0, err
	}
	if logits.Rows == 0 {
		return 0, nil
	}
	d := kernel.NewMatrix(logits.Rows, logits.Cols)
	return -loss.SoftmaxCrossEntropyLabels(d, logits, seq[1:]), nil
}

// Perplexity returns exp(−LogProb(seq)/(len(seq)−1)), the model's
// perplexity on seq; len(seq) must be at least 2.
func (m *LM) Perplexity(seq []int) (float64, error) {
	if len(seq) < 2 {
		return 0, shapeErr("Perplexity: need at least 2 tokens, got %d", len(seq))
	}
	lp, err := m.LogProb(seq)
	if err != nil {
		return 0, err
	}
	return math.Exp(-lp / float64(len(seq)-1)), nil
}

// NewGrad returns a zeroed LM of the same shape to accumulate gradients.
func (m *LM) NewGrad() *LM {
	g := &LM{Net: m.Net.NewGrad(), vocab: m.vocab}
	if !m.oneHot() {
		g.Embed = kernel.NewMatrix(m.Embed.Rows, m.Embed.Cols)
	}
	return g
}

// Params lists the embedding ("embedding.weight", absent for one-hot
// input) followed by the network's Params.
func (m *LM) Params() []Param {
	var ps []Param
	if !m.oneHot() {
		ps = append(ps, Param{"embedding.weight", m.Embed.Rows, m.Embed.Cols, m.Embed.Data})
	}
	return append(ps, m.Net.Params()...)
}

// OptimParams pairs each weight of m with its gradient in grad.
func (m *LM) OptimParams(grad *LM) []optim.Param {
	ws, gs := m.Params(), grad.Params()
	ps := make([]optim.Param, len(ws))
	for i := range ws {
		ps[i] = optim.Param{Name: ws[i].Name, Value: ws[i].Data, Grad: gs[i].Data}
	}
	return ps
}
