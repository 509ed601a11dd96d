package tlm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

// TrainConfig drives LM.Train, as rnn.LMTrainConfig drives rnn.LM.Train.
type TrainConfig struct {
	Steps     int             // optimiser updates
	SeqLen    int             // tokens predicted per window (the window holds SeqLen+1 tokens); at most MaxLen
	BatchSize int             // windows per update (0 means 1)
	Optimizer optim.Optimizer // nil means optim.NewAdam(1e-3)
	ClipNorm  float64         // global-norm clipping (0: none)
	Seed      uint64          // window positions
	Progress  func(rnn.Progress)
	// Context, if set, cancels training: it is checked before every
	// window and before the update is applied, and a cancelled update
	// is never applied, in whole or in part.
	Context context.Context
}

// Train fits the model to a token stream: each update draws BatchSize
// windows of SeqLen+1 tokens at random offsets (deterministic for a
// Seed) and minimises the mean cross-entropy per predicted token. It
// returns the last update's loss. An update whose gradient norm is not
// finite is skipped (Progress still reports it). Cancelling cfg.Context
// drops the update in progress and returns an error wrapping the
// context's error.
func (m *LM) Train(tokens []int, cfg TrainConfig) (float64, error) {
	if cfg.Steps <= 0 || cfg.SeqLen <= 0 || cfg.SeqLen > m.cfg.MaxLen || cfg.BatchSize < 0 || len(tokens) < cfg.SeqLen+1 {
		return 0, fmt.Errorf("%w: Train: Steps=%d SeqLen=%d (context %d) BatchSize=%d with %d tokens",
			ErrConfig, cfg.Steps, cfg.SeqLen, m.cfg.MaxLen, cfg.BatchSize, len(tokens))
	}
	if err := m.checkTokens("Train", tokens, false); err != nil {
		return 0, err
	}
	opt := cfg.Optimizer
	if opt == nil {
		opt = optim.NewAdam(1e-3)
	}
	w := &windows{m: m, g: m.NewGrads(), r: rand.New(rand.NewPCG(cfg.Seed, 0x746c6d)), tokens: tokens, cfg: cfg}
	params := m.Params(w.g)
	var last float64
	for step := 1; step <= cfg.Steps; step++ {
		optim.ZeroGrads(params)
		l, err := w.batch(step)
		if err != nil {
			return last, err
		}
		last = l
		norm := optim.ClipGlobalNorm(params, cfg.ClipNorm)
		if !math.IsNaN(norm) && !math.IsInf(norm, 0) {
			opt.Step(params)
			m.WeightsChanged()
		}
		if cfg.Progress != nil {
			cfg.Progress(rnn.Progress{Step: step, Loss: last, GradNorm: norm})
		}
	}
	return last, nil
}

// windows draws Train's windows and accumulates their gradients.
type windows struct {
	m      *LM
	g      *Grads
	r      *rand.Rand
	tokens []int
	cfg    TrainConfig
}

// batch adds the gradients of one update's windows to w.g and returns
// their mean loss per predicted token, or an error wrapping the
// context's if it is cancelled before the windows are all done.
func (w *windows) batch(step int) (float64, error) {
	cfg := w.cfg
	bs := max(cfg.BatchSize, 1)
	scale := 1 / float32(bs*cfg.SeqLen)
	var total float64
	for i := 0; i <= bs; i++ {
		if cfg.Context != nil && cfg.Context.Err() != nil {
			return 0, fmt.Errorf("tlm: training cancelled during update %d of %d, which was not applied: %w", step, cfg.Steps, cfg.Context.Err())
		}
		if i == bs {
			break
		}
		off := w.r.IntN(len(w.tokens) - cfg.SeqLen)
		J, err := w.m.LossGrad(w.tokens[off:off+cfg.SeqLen+1], w.g, scale)
		if err != nil {
			return 0, err
		}
		total += J
	}
	return total / float64(bs*cfg.SeqLen), nil
}
