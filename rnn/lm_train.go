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

// trainRound is the most windows of an LM.Train update whose offsets
// are drawn at once and shared among the goroutines.
const trainRound = 64

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
//
// When an update's work is large enough (see threadsFor), its windows,
// taken in rounds of up to trainRound, are split into kernel.Threads()
// consecutive groups per round, each group summing its gradients on a
// goroutine of its own into a gradient of its own; the groups' gradients
// are then added in group order. The result is deterministic for a given
// number of threads, and with one thread it is the serial sum. With
// several, the gradient differs from the serial one by the rounding of
// the regrouped sum (float32 additions in another order), so trained
// weights depend on the thread count (kernel.SetThreads; by default
// GOMAXPROCS): set it to reproduce a run on another machine.
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
	// The windows of an update go in rounds of at most trainRound, each
	// split into nt consecutive groups; a window costs about three
	// forward passes (Trace, and Backward's two products per forward one).
	round := min(bs, trainRound)
	nt := threadsFor(3*float64(round*cfg.SeqLen)*m.Net.stepFlops(), round)
	grads := make([]*LM, nt) // grads[0] is the one the optimiser reads
	gparams := make([][]Param, nt)
	for i := range grads {
		grads[i] = m.NewGrad()
		gparams[i] = grads[i].Params()
	}
	params := m.OptimParams(grads[0])
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6c6d))
	scale := 1 / float32(bs*cfg.SeqLen)
	offs, losses, errs := make([]int, round), make([]float64, round), make([]error, nt)
	var last float64
	for step := 1; step <= cfg.Steps; step++ {
		for _, g := range gparams {
			for _, p := range g {
				clear(p.Data)
			}
		}
		var total float64
		for done := 0; done < bs; done += round {
			k := min(round, bs-done)
			for i := range k {
				offs[i] = r.IntN(len(tokens) - cfg.SeqLen)
			}
			runShares(nt, nt, func(i int) {
				errs[i] = nil
				lo, hi := part(k, nt, i, 1)
				for w := lo; w < hi; w++ {
					if errs[i] = cancelled(cfg.Context, step, cfg.Steps); errs[i] != nil {
						return
					}
					off := offs[w]
					if losses[w], errs[i] = m.LossGrad(tokens[off:off+cfg.SeqLen+1], grads[i], scale, cfg.Truncate); errs[i] != nil {
						return
					}
				}
			})
			for _, err := range errs {
				if err != nil {
					return last, err
				}
			}
			for _, J := range losses[:k] {
				total += J
			}
		}
		if err := cancelled(cfg.Context, step, cfg.Steps); err != nil {
			return last, err
		}
		for _, g := range gparams[1:] { // in group order: deterministic
			for j, p := range g {
				kernel.Add(gparams[0][j].Data, gparams[0][j].Data, p.Data)
			}
		}
		last = total / float64(bs*cfg.SeqLen)
		update(params, opt, cfg.ClipNorm, cfg.Progress, step, last)
		m.Net.WeightsChanged()
	}
	return last, nil
}
