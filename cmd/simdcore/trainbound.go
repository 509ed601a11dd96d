package main

import (
	"fmt"

	"github.com/simdcore/simdcore/rnn"
)

// maxUpdateFlops bounds the work of one optimiser update: 1e11
// floating-point operations, about a hundred times the embedded model's
// training updates, a few seconds at AVX2 speed and under two minutes on
// one core of plain Go. Larger -batch × -seqlen products, which would
// show no loss for hours, are refused before training.
const maxUpdateFlops = 1e11

// maxWindowFlops bounds the work of one window (one sequence's forward
// and backward pass), the unit in which Ctrl-C cancels an update: 2e9
// floating-point operations, a quarter of a second at AVX2 speed and
// under a second on one core of plain Go (which runs these sizes at 2 to
// 3 GFLOP/s), so that Ctrl-C always takes effect within a second. It
// allows -seqlen 280 at -hidden 1024 and 70 at -hidden 2048.
const maxWindowFlops = 2e9

// updateFlops estimates the floating-point operations of one update on
// batch windows of seqLen tokens of a language model of configuration
// cfg: forward, backward and the weight gradients, about 6 per
// multiply-add of each step's matrices (G gate blocks of them for a
// gated cell).
func updateFlops(cfg rnn.LMConfig, batch, seqLen int) float64 {
	in := cfg.Embed
	if in == 0 {
		in = cfg.Vocab
	}
	g := map[rnn.CellType]float64{rnn.Elman: 1, rnn.GRU: 3, rnn.LSTM: 4}[cfg.Cell]
	h := float64(cfg.Hidden)
	perToken := g*h*(float64(in)+h) + float64(max(cfg.Layers, 1)-1)*g*h*(2*h) + h*float64(cfg.Vocab)
	return 6 * float64(batch) * float64(seqLen) * perToken
}

// lmUpdateFlops is updateFlops for the shape of lm.
func lmUpdateFlops(lm *rnn.LM, batch, seqLen int) float64 {
	c := lm.Net.Config()
	return updateFlops(rnn.LMConfig{Cell: c.Cell, Vocab: lm.Vocab(), Embed: lm.Embed.Cols, Hidden: c.Hidden, Layers: c.Layers}, batch, seqLen)
}

// checkUpdateCost refuses an update of cost flops, too large to finish
// in reasonable time, or whose windows are too large for Ctrl-C to stop
// within a second.
func checkUpdateCost(flops float64, batch, seqLen int) error {
	if flops > maxUpdateFlops {
		return usageError{fmt.Sprintf("train: one update of -batch %d × -seqlen %d would take %.1e floating-point operations, more than the %.0e allowed (lower -batch, -seqlen or the model's size)", batch, seqLen, flops, maxUpdateFlops)}
	}
	if w := flops / float64(batch); w > maxWindowFlops {
		return usageError{fmt.Sprintf("train: one window of -seqlen %d would take %.1e floating-point operations, more than the %.0e that Ctrl-C can interrupt within a second (lower -seqlen or the model's size)", seqLen, w, maxWindowFlops)}
	}
	return nil
}

// maxSteps bounds -steps: a billion updates of the smallest model already
// take days; a larger count is a typo (or 2^63-1), not a plan.
const maxSteps = 1_000_000_000
