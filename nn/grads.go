package nn

import (
	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
)

// This file holds the gradient types, shaped like the layers' parameters,
// and the lists of parameters with their gradients that package optim
// steps.

// LinearGrads accumulates a Linear's gradients: W (Out×In) and B (nil
// when the Linear has no bias).
type LinearGrads struct {
	W kernel.Matrix
	B []float32
}

// NewGrads returns zero gradients shaped like l's parameters.
func (l *Linear) NewGrads() *LinearGrads {
	g := &LinearGrads{W: kernel.NewMatrix(l.Out, l.In)}
	if l.B != nil {
		g.B = make([]float32, l.Out)
	}
	return g
}

// Zero clears the gradients.
func (g *LinearGrads) Zero() {
	clear(g.W.Data)
	clear(g.B)
}

func (g *LinearGrads) fits(fn string, l *Linear) error {
	if g == nil || g.W.Rows != l.Out || g.W.Cols != l.In || len(g.W.Data) < l.Out*l.In || g.W.Stride != l.In ||
		len(g.B) != len(l.B) || (g.B == nil) != (l.B == nil) {
		return shapeErr(fn, "gradients are not shaped like the Linear (use NewGrads)")
	}
	return nil
}

// LayerNormGrads accumulates a LayerNorm's gradients (nil where the norm
// has no γ or β).
type LayerNormGrads struct {
	Weight, Bias []float32
}

// NewGrads returns zero gradients shaped like n's parameters.
func (n *LayerNorm) NewGrads() *LayerNormGrads {
	g := &LayerNormGrads{}
	if n.Weight != nil {
		g.Weight = make([]float32, n.Dim)
	}
	if n.Bias != nil {
		g.Bias = make([]float32, n.Dim)
	}
	return g
}

// Zero clears the gradients.
func (g *LayerNormGrads) Zero() {
	clear(g.Weight)
	clear(g.Bias)
}

func (g *LayerNormGrads) fits(fn string, n *LayerNorm) error {
	if g == nil || len(g.Weight) != len(n.Weight) || (g.Weight == nil) != (n.Weight == nil) ||
		len(g.Bias) != len(n.Bias) || (g.Bias == nil) != (n.Bias == nil) {
		return shapeErr(fn, "gradients are not shaped like the LayerNorm (use NewGrads)")
	}
	return nil
}

// FeedForwardGrads accumulates a FeedForward's gradients.
type FeedForwardGrads struct {
	Linear1, Linear2 LinearGrads
}

// NewGrads returns zero gradients shaped like f's parameters.
func (f *FeedForward) NewGrads() *FeedForwardGrads {
	return &FeedForwardGrads{Linear1: *f.Linear1.NewGrads(), Linear2: *f.Linear2.NewGrads()}
}

// Zero clears the gradients.
func (g *FeedForwardGrads) Zero() {
	g.Linear1.Zero()
	g.Linear2.Zero()
}

// EncoderLayerGrads accumulates an EncoderLayer's gradients.
type EncoderLayerGrads struct {
	SelfAttn     *attn.MultiHeadGrads
	FF           FeedForwardGrads
	Norm1, Norm2 LayerNormGrads
}

// NewGrads returns zero gradients shaped like l's parameters.
func (l *EncoderLayer) NewGrads() *EncoderLayerGrads {
	return &EncoderLayerGrads{SelfAttn: l.SelfAttn.NewGrads(), FF: *l.FF.NewGrads(),
		Norm1: *l.Norm1.NewGrads(), Norm2: *l.Norm2.NewGrads()}
}

// Zero clears the gradients.
func (g *EncoderLayerGrads) Zero() {
	g.SelfAttn.Zero()
	g.FF.Zero()
	g.Norm1.Zero()
	g.Norm2.Zero()
}

// EncoderGrads accumulates an Encoder's gradients, one EncoderLayerGrads
// per layer and Norm's (nil without a final norm).
type EncoderGrads struct {
	Layers []*EncoderLayerGrads
	Norm   *LayerNormGrads
}

// NewGrads returns zero gradients shaped like e's parameters.
func (e *Encoder) NewGrads() *EncoderGrads {
	ls, n := newStackGrads[*EncoderLayerGrads](e.Layers, e.Norm)
	return &EncoderGrads{Layers: ls, Norm: n}
}

// Zero clears the gradients.
func (g *EncoderGrads) Zero() { zeroStack(g.Layers, g.Norm) }

// gradsMaker is a layer that makes its gradients.
type gradsMaker[G any] interface {
	NewGrads() G
}

// newStackGrads returns the gradients of a stack's layers and final norm
// (nil without one).
func newStackGrads[G any, L gradsMaker[G]](layers []L, norm *LayerNorm) ([]G, *LayerNormGrads) {
	gs := make([]G, len(layers))
	for i, l := range layers {
		gs[i] = l.NewGrads()
	}
	if norm == nil {
		return gs, nil
	}
	return gs, norm.NewGrads()
}

// zeroStack clears a stack's gradients.
func zeroStack[G interface{ Zero() }](layers []G, norm *LayerNormGrads) {
	for _, g := range layers {
		g.Zero()
	}
	if norm != nil {
		norm.Zero()
	}
}

// paramsLister is a layer that lists its parameters with gradients G.
type paramsLister[G any] interface {
	Params(g G, prefix string) []optim.Param
}

// stackParams lists a stack's parameters with torch's names after prefix.
func stackParams[G any, L paramsLister[G]](layers []L, gs []G, norm *LayerNorm, gn *LayerNormGrads, prefix string) []optim.Param {
	var ps []optim.Param
	for i, l := range layers {
		ps = append(ps, l.Params(gs[i], prefix+layerPrefix(i))...)
	}
	if norm != nil {
		ps = append(ps, norm.Params(gn, prefix+"norm.")...)
	}
	return ps
}

// Params lists l's parameters with their gradients in g, named as torch's
// state_dict names them after prefix ("weight", "bias").
func (l *Linear) Params(g *LinearGrads, prefix string) []optim.Param {
	ps := []optim.Param{{Name: prefix + "weight", Value: l.W.Data, Grad: g.W.Data}}
	if l.B != nil {
		ps = append(ps, optim.Param{Name: prefix + "bias", Value: l.B, Grad: g.B})
	}
	return ps
}

// Params lists n's parameters with their gradients in g, named as torch's
// state_dict names them after prefix.
func (n *LayerNorm) Params(g *LayerNormGrads, prefix string) []optim.Param {
	var ps []optim.Param
	if n.Weight != nil {
		ps = append(ps, optim.Param{Name: prefix + "weight", Value: n.Weight, Grad: g.Weight})
	}
	if n.Bias != nil {
		ps = append(ps, optim.Param{Name: prefix + "bias", Value: n.Bias, Grad: g.Bias})
	}
	return ps
}

// Params lists f's parameters with their gradients in g (prefix+"linear1.weight", ...).
func (f *FeedForward) Params(g *FeedForwardGrads, prefix string) []optim.Param {
	return append(f.Linear1.Params(&g.Linear1, prefix+"linear1."), f.Linear2.Params(&g.Linear2, prefix+"linear2.")...)
}

// Params lists l's parameters with their gradients in g, named as torch's
// state_dict of nn.TransformerEncoderLayer after prefix
// (prefix+"self_attn.in_proj_weight", ...). The attention must be in the
// packed layout, as torch's (NewEncoderLayer and the loaders make it so).
func (l *EncoderLayer) Params(g *EncoderLayerGrads, prefix string) []optim.Param {
	ps := attentionParams(l.SelfAttn, g.SelfAttn, prefix+"self_attn.")
	ps = append(ps, l.FF.Params(&g.FF, prefix)...)
	ps = append(ps, l.Norm1.Params(&g.Norm1, prefix+"norm1.")...)
	return append(ps, l.Norm2.Params(&g.Norm2, prefix+"norm2.")...)
}

// Params lists e's parameters with their gradients in g, named as torch's
// state_dict of nn.TransformerEncoder after prefix
// (prefix+"layers.0.self_attn.in_proj_weight", ..., prefix+"norm.weight").
func (e *Encoder) Params(g *EncoderGrads, prefix string) []optim.Param {
	return stackParams(e.Layers, g.Layers, e.Norm, g.Norm, prefix)
}

// attentionParams lists a packed nn.MultiheadAttention's parameters.
func attentionParams(m *attn.MultiHead, g *attn.MultiHeadGrads, prefix string) []optim.Param {
	ps := []optim.Param{{Name: prefix + "in_proj_weight", Value: m.InProj.Data, Grad: g.InProj.Data}}
	if m.InBias != nil {
		ps = append(ps, optim.Param{Name: prefix + "in_proj_bias", Value: m.InBias, Grad: g.InBias})
	}
	ps = append(ps, optim.Param{Name: prefix + "out_proj.weight", Value: m.OutProj.Data, Grad: g.OutProj.Data})
	if m.OutBias != nil {
		ps = append(ps, optim.Param{Name: prefix + "out_proj.bias", Value: m.OutBias, Grad: g.OutBias})
	}
	return ps
}
