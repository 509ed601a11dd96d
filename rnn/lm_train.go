package rnn

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/simdcore/simdcore/optim"
)

// This file holds an LM's loss gradient and its training loop.

// LossGrad runs the model over seq (len ≥ 2), predicting seq[t] from
// seq[:t], and adds scale·∂J/∂w to grad for J the summed cross-entropy,
// which it returns (in nats, unscaled). k > 0 truncates BPTT to windows
// of k steps.
func (m *LM) LossGrad(seq []int, grad *LM, scale float32, k int) (float64, error) {
	if err := m.Net.checkFloat("LossGrad"); err != nil {
		return 0, err
	}
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
	// Context, if set, cancels training as TrainConfig.Context does:
	// checked before every window and before the update is applied; a
	// cancelled update is never applied, in whole or in part.
	Context context.Context
}

// Train fits the model to a token stream: each update draws BatchSize
// windows of SeqLen+1 tokens at random offsets (deterministic for a
// Seed), each starting from a zero state, and minimises the mean
// cross-entropy per predicted token. It returns the last update's loss.
// Cancelling cfg.Context stops it as it stops Net.Train: the update in
// progress is dropped and the error wraps the context's error.
func (m *LM) Train(tokens []int, cfg LMTrainConfig) (float64, error) {
	if err := m.Net.checkFloat("Train"); err != nil {
		return 0, err
	}
	if cfg.Steps <= 0 || cfg.SeqLen <= 0 || len(tokens) < cfg.SeqLen+1 {
		return 0, fmt.Errorf("%w: LM.Train: Steps=%d SeqLen=%d with %d tokens", ErrConfig, cfg.Steps, cfg.SeqLen, len(tokens))
	}
	if err := m.checkTokens("Train", tokens); err != nil {
		return 0, err
	}
	bs := max(cfg.BatchSize, 1)
	opt := optimizerOrAdam(cfg.Optimizer)
	grad := m.NewGrad()
	params := m.OptimParams(grad)
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6c6d))
	scale := 1 / float32(bs*cfg.SeqLen)
	var last float64
	for step := 1; step <= cfg.Steps; step++ {
		optim.ZeroGrads(params)
		var total float64
		for range bs {
			if err := cancelled(cfg.Context, step, cfg.Steps); err != nil {
				return last, err
			}
			off := r.IntN(len(tokens) - cfg.SeqLen)
			J, err := m.LossGrad(tokens[off:off+cfg.SeqLen+1], grad, scale, cfg.Truncate)
			if err != nil {
				return 0, err
			}
			total += J
		}
		if err := cancelled(cfg.Context, step, cfg.Steps); err != nil {
			return last, err
		}
		last = total / float64(bs*cfg.SeqLen)
		update(params, opt, cfg.ClipNorm, cfg.Progress, step, last)
	}
	return last, nil
}
