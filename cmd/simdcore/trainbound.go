package main

import (
	"fmt"

	"github.com/simdcore/simdcore/rnn"
)

// maxUpdateFlops bounds the work of one optimiser update: 1e11
// floating-point operations, about a hundred times the embedded model's
// training updates, a few seconds at AVX2 speed and under two minutes on
// one core of plain Go. An update cannot be interrupted, so Ctrl-C must
// never wait longer than one; larger -batch × -seqlen products are
// refused before training.
const maxUpdateFlops = 1e11

// updateFlops estimates the floating-point operations of one update on
// batch windows of seqLen tokens of a language model with the given
// input width (the embedding's, or the vocabulary's for one-hot input),
// hidden width, layers and vocabulary: forward, backward and the weight
// gradients, about 6 per multiply-add of each step's matrices.
func updateFlops(in, hidden, layers, vocab, batch, seqLen int) float64 {
	h := float64(hidden)
	perToken := h*(float64(in)+h) + float64(max(layers, 1)-1)*h*(2*h) + h*float64(vocab)
	return 6 * float64(batch) * float64(seqLen) * perToken
}

// lmUpdateFlops is updateFlops for the shape of lm.
func lmUpdateFlops(lm *rnn.LM, batch, seqLen int) float64 {
	cfg := lm.Net.Config()
	return updateFlops(cfg.Input, cfg.Hidden, cfg.Layers, lm.Vocab(), batch, seqLen)
}

// checkUpdateCost refuses an update of cost flops, too large to finish
// (or be interrupted) in reasonable time.
func checkUpdateCost(flops float64, batch, seqLen int) error {
	if flops > maxUpdateFlops {
		return usageError{fmt.Sprintf("train: one update of -batch %d × -seqlen %d would take %.1e floating-point operations, more than the %.0e allowed (lower -batch, -seqlen or the model's size)", batch, seqLen, flops, maxUpdateFlops)}
	}
	return nil
}

// maxSteps bounds -steps: a billion updates of the smallest model already
// take days; a larger count is a typo (or 2^63-1), not a plan.
const maxSteps = 1_000_000_000
