package nn

import (
	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
)

// This file holds the gradients of DecoderLayer.

// DecoderLayerGrads accumulates a DecoderLayer's gradients.
type DecoderLayerGrads struct {
	SelfAttn, CrossAttn *attn.MultiHeadGrads
	FF                  FeedForwardGrads
	Norm1, Norm2, Norm3 LayerNormGrads
}

// NewGrads returns zero gradients shaped like l's parameters.
func (l *DecoderLayer) NewGrads() *DecoderLayerGrads {
	return &DecoderLayerGrads{SelfAttn: l.SelfAttn.NewGrads(), CrossAttn: l.CrossAttn.NewGrads(), FF: *l.FF.NewGrads(),
		Norm1: *l.Norm1.NewGrads(), Norm2: *l.Norm2.NewGrads(), Norm3: *l.Norm3.NewGrads()}
}

// Zero clears the gradients.
func (g *DecoderLayerGrads) Zero() {
	g.SelfAttn.Zero()
	g.CrossAttn.Zero()
	g.FF.Zero()
	g.Norm1.Zero()
	g.Norm2.Zero()
	g.Norm3.Zero()
}

func (g *DecoderLayerGrads) fits(fn string, l *DecoderLayer) error {
	if g == nil || g.SelfAttn == nil || g.CrossAttn == nil {
		return shapeErr(fn, "gradients are not shaped like the layer (use NewGrads)")
	}
	return firstErr(g.FF.Linear1.fits(fn, &l.FF.Linear1), g.FF.Linear2.fits(fn, &l.FF.Linear2),
		g.Norm1.fits(fn, &l.Norm1), g.Norm2.fits(fn, &l.Norm2), g.Norm3.fits(fn, &l.Norm3))
}

// Params lists l's parameters with their gradients in g, named as torch's
// state_dict of nn.TransformerDecoderLayer after prefix.
func (l *DecoderLayer) Params(g *DecoderLayerGrads, prefix string) []optim.Param {
	ps := attentionParams(l.SelfAttn, g.SelfAttn, prefix+"self_attn.")
	ps = append(ps, attentionParams(l.CrossAttn, g.CrossAttn, prefix+"multihead_attn.")...)
	ps = append(ps, l.FF.Params(&g.FF, prefix)...)
	ps = append(ps, l.Norm1.Params(&g.Norm1, prefix+"norm1.")...)
	ps = append(ps, l.Norm2.Params(&g.Norm2, prefix+"norm2.")...)
	return append(ps, l.Norm3.Params(&g.Norm3, prefix+"norm3.")...)
}

// Backward adds to g the gradients of Forward(·, tgt, memory, tgtMask,
// memoryMask) with respect to every parameter, to dtgt (T×d_model) the
// gradient with respect to tgt and to dmemory (like memory) the gradient
// with respect to memory (each skipped if its Data is nil; neither may
// overlap dy), given dy, the gradient with respect to Forward's output.
// It recomputes the forward activations; the attention's parts are
// attn.MultiHead.Backward and CrossBackward.
func (l *DecoderLayer) Backward(g *DecoderLayerGrads, dtgt, dmemory, dy, tgt, memory kernel.Matrix, tgtMask, memoryMask Mask) error {
	const fn = "DecoderLayer.Backward"
	d := l.DModel()
	if err := firstErr(l.check(fn), g.fits(fn, l), checkGrad(fn, dtgt, dy, tgt, d, d), checkView(fn, "memory", memory)); err != nil {
		return err
	}
	if !skip(dmemory) {
		if err := checkMatrix(fn, "dmemory", dmemory, memory.Rows, memory.Cols); err != nil {
			return err
		}
	}
	l.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer l.WeightsChanged() // and no packed form left to go stale in an optimiser step
	t := tgt.Rows
	if t == 0 {
		return nil
	}
	self, cross := tgtMask.options(), memoryMask.options()
	ws := getWS(7*t*d + l.FF.need(t))
	defer putWS(ws)
	r1, h1, r2, h2, r3, da, db := carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d)
	fw := ws.Data
	x := tgt
	if l.NormFirst {
		// Forward: h1 = norm1(x); r1 = x + self_attn(h1); h2 = norm2(r1);
		// r2 = r1 + mha(h2, memory); r3 = norm3(r2); y = r2 + ff(r3).
		l.Norm1.apply(h1, x)
		if err := l.SelfAttn.Forward(r1, h1, self); err != nil {
			return err
		}
		addRows(r1, x)
		l.Norm2.apply(h2, r1)
		if err := l.CrossAttn.Cross(r2, h2, memory, memory, cross); err != nil {
			return err
		}
		addRows(r2, r1)
		l.Norm3.apply(r3, r2)
		// dr2 = dy + norm3'(ff'(dy)).
		clear(da.Data)
		l.FF.backward(&g.FF, da, dy, r3)
		copyRows(db, dy)
		l.Norm3.backward(&g.Norm3, db, da, r2) // db = dr2
		// dr1 = dr2 + norm2'(mha'(dr2)); dmemory += mha'_kv.
		clear(da.Data)
		if err := l.CrossAttn.CrossBackward(g.CrossAttn, da, dmemory, dmemory, db, h2, memory, memory, cross); err != nil {
			return err
		}
		l.Norm2.backward(&g.Norm2, db, da, r1) // db = dr1
		// dx += dr1 + norm1'(self_attn'(dr1)).
		return preNormSelfBackward(l.SelfAttn, g.SelfAttn, &l.Norm1, &g.Norm1, dtgt, db, h1, x, da, self)
	}
	// Forward: r1 = x + self_attn(x); h1 = norm1(r1); r2 = h1 + mha(h1,
	// memory); h2 = norm2(r2); r3 = h2 + ff(h2); y = norm3(r3).
	if err := postNormSelf(l.SelfAttn, &l.Norm1, r1, h1, x, self); err != nil {
		return err
	}
	if err := l.CrossAttn.Cross(r2, h1, memory, memory, cross); err != nil {
		return err
	}
	addRows(r2, h1)
	l.Norm2.apply(h2, r2)
	l.FF.apply(r3, h2, fw)
	addRows(r3, h2)
	// da = dr3 = norm3'(dy); db = dh2 = dr3 + ff'(dr3).
	clear(da.Data)
	l.Norm3.backward(&g.Norm3, da, dy, r3)
	copyRows(db, da)
	l.FF.backward(&g.FF, db, da, h2)
	// da = dr2 = norm2'(dh2); db = dh1 = dr2 + mha'_q(dr2).
	clear(da.Data)
	l.Norm2.backward(&g.Norm2, da, db, r2)
	copyRows(db, da)
	if err := l.CrossAttn.CrossBackward(g.CrossAttn, db, dmemory, dmemory, da, h1, memory, memory, cross); err != nil {
		return err
	}
	// dr1 = norm1'(dh1); dx += dr1 + self_attn'(dr1).
	return postNormSelfBackward(l.SelfAttn, g.SelfAttn, &l.Norm1, &g.Norm1, dtgt, db, r1, x, da, self)
}

// DecoderGrads accumulates a Decoder's gradients, one DecoderLayerGrads
// per layer and Norm's (nil without a final norm).
type DecoderGrads struct {
	Layers []*DecoderLayerGrads
	Norm   *LayerNormGrads
}

// NewGrads returns zero gradients shaped like dec's parameters.
func (dec *Decoder) NewGrads() *DecoderGrads {
	ls, n := newStackGrads[*DecoderLayerGrads](dec.Layers, dec.Norm)
	return &DecoderGrads{Layers: ls, Norm: n}
}

// Zero clears the gradients.
func (g *DecoderGrads) Zero() { zeroStack(g.Layers, g.Norm) }

// Params lists dec's parameters with their gradients in g, named as
// torch's state_dict of nn.TransformerDecoder after prefix.
func (dec *Decoder) Params(g *DecoderGrads, prefix string) []optim.Param {
	return stackParams(dec.Layers, g.Layers, dec.Norm, g.Norm, prefix)
}

// Backward adds to g the gradients of Forward(·, tgt, memory, tgtMask,
// memoryMask) with respect to every parameter, to dtgt the gradient with
// respect to tgt and to dmemory the gradient with respect to memory
// (summed over the layers; each skipped if its Data is nil), given dy, as
// Encoder.Backward does for an encoder.
func (dec *Decoder) Backward(g *DecoderGrads, dtgt, dmemory, dy, tgt, memory kernel.Matrix, tgtMask, memoryMask Mask) error {
	const fn = "Decoder.Backward"
	if err := firstErr(dec.check(fn), checkView(fn, "memory", memory)); err != nil {
		return err
	}
	if g == nil || len(g.Layers) != len(dec.Layers) {
		return shapeErr(fn, "gradients are not shaped like the decoder (use NewGrads)")
	}
	for i, l := range dec.Layers {
		if err := g.Layers[i].fits(fn, l); err != nil {
			return err
		}
	}
	dec.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer dec.WeightsChanged() // and no packed form left to go stale in an optimiser step
	self, cross := tgtMask.options(), memoryMask.options()
	return stackBackward(fn, len(dec.Layers), dec.DModel(), stackNeed(dec.Layers, tgt.Rows), dec.Norm, g.Norm, dtgt, dy, tgt,
		func(i int, out, in kernel.Matrix, ws []float32) error {
			return dec.Layers[i].forward(out, in, memory, self, cross, ws)
		},
		func(i int, dx, dy, x kernel.Matrix) error {
			return dec.Layers[i].Backward(g.Layers[i], dx, dmemory, dy, x, memory, tgtMask, memoryMask)
		})
}
