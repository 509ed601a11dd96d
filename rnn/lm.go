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
	Vocab  int // tokens are 0..Vocab-1
	Embed  int // embedding width; 0 feeds one-hot vectors (Input = Vocab)
	Hidden int
	Layers int // 0 means 1
	// Activation is the hidden activation (Tanh by default).
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
	Net   *Net
	vocab int
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
	net, err := New(Config{Input: in, Hidden: cfg.Hidden, Layers: cfg.Layers, Activation: cfg.Activation,
		Output: cfg.Vocab, OutputActivation: Softmax, Bias: cfg.Bias}, seed)
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
	tr, err := m.Net.Trace(m.inputs(seq[:len(seq)-1]))
	if err != nil {
		return 0, err
	}
	if tr.Logits.Rows == 0 {
		return 0, nil
	}
	d := kernel.NewMatrix(tr.Logits.Rows, tr.Logits.Cols)
	return -loss.SoftmaxCrossEntropyLabels(d, tr.Logits, seq[1:]), nil
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

// GenerateOptions controls sampling.
type GenerateOptions struct {
	// Temperature divides the logits; 0 means greedy (always the most
	// likely token).
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
	if opts.Temperature < 0 || opts.TopK < 0 {
		return nil, fmt.Errorf("%w: Generate: Temperature=%g TopK=%d must not be negative", ErrConfig, opts.Temperature, opts.TopK)
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
	r := rand.New(rand.NewPCG(opts.Seed, 0x67656e))
	out := make([]int, 0, n)
	w := make([]float64, m.vocab)
	idx := make([]int, m.vocab)
	for range n {
		tok := sample(probs, opts, r, w, idx)
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
	// p^(1/T) is softmax(logits/T) up to normalisation.
	var s float64
	for j, i := range idx {
		w[j] = math.Pow(float64(probs[i]), 1/opts.Temperature)
		s += w[j]
	}
	u := r.Float64() * s
	for j, i := range idx {
		u -= w[j]
		if u < 0 {
			return i
		}
	}
	return idx[len(idx)-1]
}

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

// LossGrad runs the model over seq (len ≥ 2), predicting seq[t] from
// seq[:t], and adds scale·∂J/∂w to grad for J the summed cross-entropy,
// which it returns (in nats, unscaled). k > 0 truncates BPTT to windows
// of k steps.
func (m *LM) LossGrad(seq []int, grad *LM, scale float32, k int) (float64, error) {
	if len(seq) < 2 {
		return 0, shapeErr("LossGrad: need at least 2 tokens, got %d", len(seq))
	}
	if err := m.checkTokens("LossGrad", seq); err != nil {
		return 0, err
	}
	in := seq[:len(seq)-1]
	tr, err := m.Net.Trace(m.inputs(in))
	if err != nil {
		return 0, err
	}
	d := kernel.NewMatrix(tr.Logits.Rows, tr.Logits.Cols)
	J := loss.SoftmaxCrossEntropyLabels(d, tr.Logits, seq[1:])
	kernel.Scale(scale, d.Data)
	dx, err := m.Net.BackwardTruncated(tr, d, grad.Net, k)
	if err != nil {
		return 0, err
	}
	if !m.oneHot() {
		for t, tok := range in {
			kernel.Add(grad.Embed.Row(tok), grad.Embed.Row(tok), dx.Row(t))
		}
	}
	return J, nil
}

// LMTrainConfig drives LM.Train.
type LMTrainConfig struct {
	Steps     int             // optimiser updates
	SeqLen    int             // tokens predicted per window (the window holds SeqLen+1 tokens)
	BatchSize int             // windows per update (0 means 1)
	Optimizer optim.Optimizer // nil means optim.NewAdam(0.01)
	ClipNorm  float64         // global-norm clipping (0: none)
	Truncate  int             // truncated BPTT window (0: full)
	Seed      uint64          // window positions
	Progress  func(Progress)  // called after every update, if set
}

// Train fits the model to a token stream: each update draws BatchSize
// windows of SeqLen+1 tokens at random offsets (deterministic for a
// Seed), each starting from a zero state, and minimises the mean
// cross-entropy per predicted token. It returns the last update's loss.
func (m *LM) Train(tokens []int, cfg LMTrainConfig) (float64, error) {
	if cfg.Steps <= 0 || cfg.SeqLen <= 0 || len(tokens) < cfg.SeqLen+1 {
		return 0, fmt.Errorf("%w: LM.Train: Steps=%d SeqLen=%d with %d tokens", ErrConfig, cfg.Steps, cfg.SeqLen, len(tokens))
	}
	if err := m.checkTokens("Train", tokens); err != nil {
		return 0, err
	}
	bs := max(cfg.BatchSize, 1)
	opt := cfg.Optimizer
	if opt == nil {
		opt = optim.NewAdam(0.01)
	}
	grad := m.NewGrad()
	params := m.OptimParams(grad)
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6c6d))
	scale := 1 / float32(bs*cfg.SeqLen)
	var last float64
	for step := 1; step <= cfg.Steps; step++ {
		optim.ZeroGrads(params)
		var total float64
		for range bs {
			off := r.IntN(len(tokens) - cfg.SeqLen)
			J, err := m.LossGrad(tokens[off:off+cfg.SeqLen+1], grad, scale, cfg.Truncate)
			if err != nil {
				return 0, err
			}
			total += J
		}
		last = total / float64(bs*cfg.SeqLen)
		norm := optim.ClipGlobalNorm(params, cfg.ClipNorm)
		if !math.IsNaN(norm) && !math.IsInf(norm, 0) {
			opt.Step(params)
		}
		if cfg.Progress != nil {
			cfg.Progress(Progress{Step: step, Loss: last, GradNorm: norm})
		}
	}
	return last, nil
}

// Bytes is the byte-level tokenizer: each byte of the UTF-8 text is one
// token, so the vocabulary is 256 and any text round-trips.
type Bytes struct{}

// Vocab returns 256.
func (Bytes) Vocab() int { return 256 }

// Encode returns the bytes of s as tokens.
func (Bytes) Encode(s string) []int {
	out := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = int(s[i])
	}
	return out
}

// Decode turns tokens back into text; tokens outside 0..255 become
// U+FFFD.
func (Bytes) Decode(toks []int) string {
	b := make([]byte, 0, len(toks))
	for _, t := range toks {
		if t < 0 || t > 255 {
			b = append(b, "\uFFFD"...)
			continue
		}
		b = append(b, byte(t))
	}
	return string(b)
}

// Chars is a character-level tokenizer over the runes of a training
// text, numbered in order of first appearance (a small vocabulary for
// small models).
type Chars struct {
	runes []rune
	ids   map[rune]int
}

// NewChars builds the vocabulary of text's distinct runes.
func NewChars(text string) *Chars {
	c := &Chars{ids: map[rune]int{}}
	for _, r := range text {
		if _, ok := c.ids[r]; !ok {
			c.ids[r] = len(c.runes)
			c.runes = append(c.runes, r)
		}
	}
	return c
}

// Vocab returns the number of distinct runes.
func (c *Chars) Vocab() int { return len(c.runes) }

// Encode maps the runes of s to tokens; it fails on a rune outside the
// vocabulary.
func (c *Chars) Encode(s string) ([]int, error) {
	var out []int
	for i, r := range s {
		id, ok := c.ids[r]
		if !ok {
			return nil, fmt.Errorf("rnn: Chars.Encode: rune %q at byte %d is not in the vocabulary", r, i)
		}
		out = append(out, id)
	}
	return out, nil
}

// Decode maps tokens back to text; unknown tokens become U+FFFD.
func (c *Chars) Decode(toks []int) string {
	rs := make([]rune, len(toks))
	for i, t := range toks {
		if t < 0 || t >= len(c.runes) {
			rs[i] = '\uFFFD'
		} else {
			rs[i] = c.runes[t]
		}
	}
	return string(rs)
}
