package rnn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/simdcore/simdcore/optim"
)

// Sample is one training example: an input sequence and its targets.
type Sample struct {
	X kernel.Matrix // T×Input
	// Y is T×OutWidth for many-to-many training and 1×OutWidth for
	// many-to-one. With a Softmax head its rows are one-hot (or
	// probability) targets, and all-zero rows are steps without a loss;
	// with a Sigmoid head, values in [0,1]; otherwise regression targets.
	Y kernel.Matrix
}

// TrainConfig drives Net.Train.
type TrainConfig struct {
	Steps     int             // optimiser updates
	BatchSize int             // samples per update (0 means 1); gradients are averaged
	Optimizer optim.Optimizer // nil means optim.NewAdam(0.01)
	ClipNorm  float64         // clip the global gradient norm to this (0: no clipping)
	Truncate  int             // truncated BPTT window k (0: full BPTT)
	ManyToOne bool            // train Last against 1-row targets
	Seed      uint64          // order in which samples are drawn
	Progress  func(Progress)  // called after every update, if set
	// Context, if set, cancels training: it is checked before every
	// sample of an update and before the update is applied. A cancelled
	// update is never applied, not even in part: the weights and the
	// optimiser's state stay as the previous update left them (the
	// updates before it stay applied), and Train returns an error
	// wrapping Context.Err(). A cancel therefore takes effect within
	// the time of one sample's forward and backward pass.
	Context context.Context
}

// Progress reports one training update.
type Progress struct {
	Step     int     // 1-based update number
	Loss     float64 // the batch's mean loss per target row
	GradNorm float64 // global gradient norm before clipping
}

// Loss computes the loss that matches the network's head for one traced
// sequence and writes ∂loss/∂logits (the dOut of Backward) into dOut,
// which must have tr.Out's shape: softmax cross-entropy for a Softmax
// head, sigmoid binary cross-entropy for a Sigmoid head, and ½·squared
// error otherwise (on the outputs, which are then the logits). It
// returns the summed loss.
func (n *Net) Loss(tr *Trace, y, dOut kernel.Matrix) (float64, error) {
	if y.Rows != tr.Out.Rows || y.Cols != tr.Out.Cols || dOut.Rows != y.Rows || dOut.Cols != y.Cols {
		return 0, shapeErr("Loss: outputs are %d×%d, targets %d×%d, dOut %d×%d", tr.Out.Rows, tr.Out.Cols, y.Rows, y.Cols, dOut.Rows, dOut.Cols)
	}
	switch {
	case n.cfg.Output > 0 && n.cfg.OutputActivation == Softmax:
		return loss.SoftmaxCrossEntropy(dOut, tr.Logits, y), nil
	case n.cfg.Output > 0 && n.cfg.OutputActivation == Sigmoid:
		return loss.SigmoidBCE(dOut, tr.Logits, y), nil
	default:
		return loss.MSE(dOut, tr.Out, y), nil
	}
}

// OptimParams pairs each weight of n with its gradient in grad (a Net
// from NewGrad), for package optim.
func (n *Net) OptimParams(grad *Net) []optim.Param {
	ws, gs := n.Params(), grad.Params()
	ps := make([]optim.Param, len(ws))
	for i := range ws {
		ps[i] = optim.Param{Name: ws[i].Name, Value: ws[i].Data, Grad: gs[i].Data}
	}
	return ps
}

// Train fits the network to data with minibatch gradient descent: each
// update draws BatchSize samples (in a shuffled order, epoch after epoch,
// deterministic for a given Seed), runs Trace and Backward on each,
// averages the gradients per target row, clips them, and applies the
// optimiser. It returns the mean loss of the last update. If
// cfg.Context is cancelled, it returns the loss of the last completed
// update (0 if none) and an error wrapping the context's error.
func (n *Net) Train(data []Sample, cfg TrainConfig) (float64, error) {
	if err := n.checkFloat("Train"); err != nil {
		return 0, err
	}
	if len(data) == 0 || cfg.Steps <= 0 {
		return 0, fmt.Errorf("%w: Train needs samples (got %d) and Steps > 0 (got %d)", ErrConfig, len(data), cfg.Steps)
	}
	for i, s := range data {
		if err := n.checkSeq("Train", s.X); err != nil {
			return 0, fmt.Errorf("sample %d: %w", i, err)
		}
		rows := s.X.Rows
		if cfg.ManyToOne {
			rows = 1
		}
		if s.Y.Rows != rows || s.Y.Cols != n.cfg.OutWidth() || (cfg.ManyToOne && s.X.Rows == 0) {
			return 0, shapeErr("Train: sample %d: X is %d×%d, Y is %d×%d, want Y %d×%d", i, s.X.Rows, s.X.Cols, s.Y.Rows, s.Y.Cols, rows, n.cfg.OutWidth())
		}
	}
	bs := max(cfg.BatchSize, 1)
	opt := optimizerOrAdam(cfg.Optimizer)
	grad := n.NewGrad()
	params := n.OptimParams(grad)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x747261696e))
	var order []int
	next := func() Sample {
		if len(order) == 0 {
			order = rng.Perm(len(data))
		}
		i := order[0]
		order = order[1:]
		return data[i]
	}
	var last float64
	for step := 1; step <= cfg.Steps; step++ {
		grad.Zero()
		var total float64
		var rows int
		batch := make([]Sample, bs)
		for b := range batch {
			batch[b] = next()
			rows += batch[b].Y.Rows
		}
		for _, s := range batch {
			if err := cancelled(cfg.Context, step, cfg.Steps); err != nil {
				return last, err
			}
			var tr *Trace
			var err error
			if cfg.ManyToOne {
				tr, err = n.TraceLast(s.X)
			} else {
				tr, err = n.Trace(s.X)
			}
			if err != nil {
				return 0, err
			}
			d := kernel.NewMatrix(s.Y.Rows, s.Y.Cols)
			l, err := n.Loss(tr, s.Y, d)
			if err != nil {
				return 0, err
			}
			total += l
			kernel.Scale(1/float32(rows), d.Data)
			if _, err := n.BackwardTruncated(tr, d, grad, cfg.Truncate); err != nil {
				return 0, err
			}
		}
		if err := cancelled(cfg.Context, step, cfg.Steps); err != nil {
			return last, err
		}
		last = total / float64(rows)
		update(params, opt, cfg.ClipNorm, cfg.Progress, step, last)
		n.WeightsChanged()
	}
	return last, nil
}

// update ends a training step whose gradients are in params: it clips
// them to the global norm clip (0: no clipping), lets opt step unless the
// norm is NaN or infinite, and reports the step to progress, if set.
func update(params []optim.Param, opt optim.Optimizer, clip float64, progress func(Progress), step int, loss float64) {
	norm := optim.ClipGlobalNorm(params, clip)
	if !math.IsNaN(norm) && !math.IsInf(norm, 0) {
		opt.Step(params)
	}
	if progress != nil {
		progress(Progress{Step: step, Loss: loss, GradNorm: norm})
	}
}

// cancelled returns an error wrapping ctx's error, naming the update
// that was abandoned, if ctx (which may be nil) is done.
func cancelled(ctx context.Context, step, steps int) error {
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("rnn: training cancelled during update %d of %d, which was not applied: %w", step, steps, ctx.Err())
}

// optimizerOrAdam returns opt, or Adam with learning rate 0.01 (the
// training loops' default) if opt is nil.
func optimizerOrAdam(opt optim.Optimizer) optim.Optimizer {
	if opt == nil {
		return optim.NewAdam(0.01)
	}
	return opt
}
