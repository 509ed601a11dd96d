package tlm

import (
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
)

// This file holds an LM's gradients and its loss gradient.

// Grads holds gradients shaped like an LM's parameters.
type Grads struct {
	Embed   kernel.Matrix // Vocab×DModel
	Pos     kernel.Matrix // MaxLen×DModel if the positions are learned, else empty
	Encoder *nn.EncoderGrads
	Head    *nn.LinearGrads
}

// NewGrads returns zero gradients for m.
func (m *LM) NewGrads() *Grads {
	g := &Grads{Embed: kernel.NewMatrix(m.cfg.Vocab, m.cfg.DModel), Encoder: m.Encoder.NewGrads(), Head: m.Head.NewGrads()}
	if m.cfg.Learned {
		g.Pos = kernel.NewMatrix(m.cfg.MaxLen, m.cfg.DModel)
	}
	return g
}

// Params pairs every trained parameter of m with its gradient in g, with
// the names that Save gives them: embedding.weight, pos_embedding.weight
// (learned positions only), encoder.… (nn's names under "encoder."),
// head.weight and head.bias.
func (m *LM) Params(g *Grads) []optim.Param {
	ps := []optim.Param{{Name: "embedding.weight", Value: m.Embed.Data, Grad: g.Embed.Data}}
	if m.cfg.Learned {
		ps = append(ps, optim.Param{Name: "pos_embedding.weight", Value: m.Pos.Table.Data, Grad: g.Pos.Data})
	}
	ps = append(ps, m.Encoder.Params(g.Encoder, "encoder.")...)
	return append(ps, m.Head.Params(g.Head, "head.")...)
}

// LossGrad runs the model over seq (2 ≤ len ≤ MaxLen+1), predicting
// seq[t] from seq[:t], and adds scale·∂J/∂w to g for J the summed
// cross-entropy in nats, which it returns unscaled.
func (m *LM) LossGrad(seq []int, g *Grads, scale float32) (float64, error) {
	if len(seq) < 2 {
		return 0, shapeErr("LossGrad: need at least 2 tokens, got %d", len(seq))
	}
	in := seq[:len(seq)-1]
	if err := m.checkTokens("LossGrad", seq, false); err != nil {
		return 0, err
	}
	if err := m.checkTokens("LossGrad", in, true); err != nil {
		return 0, err
	}
	x, err := m.inputs(in)
	if err != nil {
		return 0, err
	}
	m.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer m.WeightsChanged() // and no packed form left to go stale in an optimiser step
	mask := nn.Mask{Causal: true}
	h, err := m.Encoder.Forward(kernel.Matrix{}, x, mask)
	if err != nil {
		return 0, err
	}
	logits, err := m.Head.Forward(kernel.Matrix{}, h)
	if err != nil {
		return 0, err
	}
	dl := kernel.NewMatrix(logits.Rows, logits.Cols)
	J := loss.SoftmaxCrossEntropyLabels(dl, logits, seq[1:])
	kernel.Scale(scale, dl.Data)
	dh := kernel.NewMatrix(h.Rows, h.Cols)
	if err := m.Head.Backward(g.Head, dh, dl, h); err != nil {
		return 0, err
	}
	dx := kernel.NewMatrix(x.Rows, x.Cols)
	if err := m.Encoder.Backward(g.Encoder, dx, dh, x, mask); err != nil {
		return 0, err
	}
	for t, tok := range in {
		kernel.Add(g.Embed.Row(tok), g.Embed.Row(tok), dx.Row(t))
		if m.cfg.Learned {
			kernel.Add(g.Pos.Row(t), g.Pos.Row(t), dx.Row(t))
		}
	}
	return J, nil
}
