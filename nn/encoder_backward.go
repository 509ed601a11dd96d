package nn

import (
	"strconv"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the gradients of EncoderLayer and Encoder.

// layerPrefix is torch's name of layer i of a stack, "layers.i.".
func layerPrefix(i int) string { return "layers." + strconv.Itoa(i) + "." }

func (g *EncoderLayerGrads) fits(fn string, l *EncoderLayer) error {
	if g == nil || g.SelfAttn == nil {
		return shapeErr(fn, "gradients are not shaped like the layer (use NewGrads)")
	}
	return firstErr(g.FF.Linear1.fits(fn, &l.FF.Linear1), g.FF.Linear2.fits(fn, &l.FF.Linear2),
		g.Norm1.fits(fn, &l.Norm1), g.Norm2.fits(fn, &l.Norm2))
}

// Backward adds to g the gradients of Forward(·, src, m) with respect to
// every parameter, and to dsrc (T×d_model, skipped if its Data is nil; it
// must not overlap dy) the gradient with respect to src, given dy, the
// gradient with respect to Forward's output. It recomputes the forward
// activations; the attention's part is attn.MultiHead.Backward. With
// m.Causal this is the layer of a decoder-only language model.
func (l *EncoderLayer) Backward(g *EncoderLayerGrads, dsrc, dy, src kernel.Matrix, m Mask) error {
	const fn = "EncoderLayer.Backward"
	d := l.DModel()
	if err := firstErr(l.check(fn), g.fits(fn, l), checkGrad(fn, dsrc, dy, src, d, d)); err != nil {
		return err
	}
	l.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer l.WeightsChanged() // and no packed form left to go stale in an optimiser step
	return l.backward(g, dsrc, dy, src, m.options())
}

// backward is Backward on checked shapes.
func (l *EncoderLayer) backward(g *EncoderLayerGrads, dx, dy, x kernel.Matrix, opt attn.Options) error {
	t, d := x.Rows, l.DModel()
	if t == 0 {
		return nil
	}
	ws := getWS(5*t*d + l.FF.need(t))
	defer putWS(ws)
	a, r, h, da, db := carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d), carve(&ws.Data, t, d)
	fw := ws.Data
	if l.NormFirst {
		// Forward: n1 = norm1(x); r = x + self_attn(n1); n2 = norm2(r);
		// y = r + ff(n2).
		l.Norm1.apply(a, x) // a = n1
		if err := l.SelfAttn.Forward(r, a, opt); err != nil {
			return err
		}
		addRows(r, x)
		l.Norm2.apply(h, r) // h = n2
		// dr = dy + norm2'(ff'(dy)); dx += dr + norm1'(self_attn'(dr)).
		clear(da.Data)
		l.FF.backward(&g.FF, da, dy, h) // da = dn2
		copyRows(db, dy)
		l.Norm2.backward(&g.Norm2, db, da, r) // db = dr
		return preNormSelfBackward(l.SelfAttn, g.SelfAttn, &l.Norm1, &g.Norm1, dx, db, a, x, da, opt)
	}
	// Forward: r = x + self_attn(x); h = norm1(r); a = h + ff(h);
	// y = norm2(a).
	if err := postNormSelf(l.SelfAttn, &l.Norm1, r, h, x, opt); err != nil {
		return err
	}
	l.FF.apply(a, h, fw)
	addRows(a, h)
	// da = norm2'(dy); dh = da + ff'(da); dr = norm1'(dh);
	// dx += dr + self_attn'(dr).
	clear(da.Data)
	l.Norm2.backward(&g.Norm2, da, dy, a)
	copyRows(db, da)
	l.FF.backward(&g.FF, db, da, h) // db = dh
	return postNormSelfBackward(l.SelfAttn, g.SelfAttn, &l.Norm1, &g.Norm1, dx, db, r, x, da, opt)
}

// preNormSelfBackward adds to dx the gradient of r = x + sa(norm(x))
// given dr, r's gradient: dr + norm'(sa'(dr)), with n = norm(x); da is
// scratch.
func preNormSelfBackward(sa *attn.MultiHead, gs *attn.MultiHeadGrads, norm *LayerNorm, gn *LayerNormGrads,
	dx, dr, n, x, da kernel.Matrix, opt attn.Options) error {
	clear(da.Data)
	if err := sa.Backward(gs, da, dr, n, opt); err != nil {
		return err
	}
	if !skip(dx) {
		addRows(dx, dr)
	}
	norm.backward(gn, dx, da, x)
	return nil
}

// postNormSelf computes r = x + sa(x) and h = norm(r).
func postNormSelf(sa *attn.MultiHead, norm *LayerNorm, r, h, x kernel.Matrix, opt attn.Options) error {
	if err := sa.Forward(r, x, opt); err != nil {
		return err
	}
	addRows(r, x)
	norm.apply(h, r)
	return nil
}

// postNormSelfBackward adds to dx the gradient of h = norm(x + sa(x))
// given dh, h's gradient: dr + sa'(dr) with dr = norm'(dh) at r = x +
// sa(x); da is scratch.
func postNormSelfBackward(sa *attn.MultiHead, gs *attn.MultiHeadGrads, norm *LayerNorm, gn *LayerNormGrads,
	dx, dh, r, x, da kernel.Matrix, opt attn.Options) error {
	clear(da.Data)
	norm.backward(gn, da, dh, r)
	if !skip(dx) {
		addRows(dx, da)
	}
	return sa.Backward(gs, dx, da, x, opt)
}

// copyRows copies src into dst (same shapes).
func copyRows(dst, src kernel.Matrix) {
	for i := range src.Rows {
		copy(dst.Row(i), src.Row(i))
	}
}

// Backward adds to g the gradients of Forward(·, src, m) with respect to
// every parameter, and to dsrc (skipped if its Data is nil; it must not
// overlap dy) the gradient with respect to src, given dy. It runs the
// forward pass once, keeping each layer's input (num_layers·T·d_model
// floats of pooled scratch), then the layers' Backward in reverse.
func (e *Encoder) Backward(g *EncoderGrads, dsrc, dy, src kernel.Matrix, m Mask) error {
	const fn = "Encoder.Backward"
	if err := e.check(fn); err != nil {
		return err
	}
	if g == nil || len(g.Layers) != len(e.Layers) {
		return shapeErr(fn, "gradients are not shaped like the encoder (use NewGrads)")
	}
	for i, l := range e.Layers {
		if err := g.Layers[i].fits(fn, l); err != nil {
			return err
		}
	}
	e.WeightsChanged()       // gradients of the current weights, not of stale packed forms
	defer e.WeightsChanged() // and no packed form left to go stale in an optimiser step
	opt := m.options()
	return stackBackward(fn, len(e.Layers), e.DModel(), stackNeed(e.Layers, src.Rows), e.Norm, g.Norm, dsrc, dy, src,
		func(i int, out, in kernel.Matrix, ws []float32) error { return e.Layers[i].forward(out, in, opt, ws) },
		func(i int, dx, dy, x kernel.Matrix) error { return e.Layers[i].backward(g.Layers[i], dx, dy, x, opt) })
}

// stackBackward is a stack's Backward, once its n layers and their
// gradients are checked: the forward pass keeping each layer's input,
// the final norm's gradient (norm and gn nil without one), then
// backward(i, …) of each layer in reverse, accumulating into dsrc.
// forward(i, …) needs a workspace of need elements.
func stackBackward(fn string, n, d, need int, norm *LayerNorm, gn *LayerNormGrads, dsrc, dy, src kernel.Matrix,
	forward func(i int, out, in kernel.Matrix, ws []float32) error, backward func(i int, dx, dy, x kernel.Matrix) error) error {
	if (gn == nil) != (norm == nil) {
		return shapeErr(fn, "gradients are not shaped like the final norm (use NewGrads)")
	}
	if norm != nil {
		if err := gn.fits(fn, norm); err != nil {
			return err
		}
	}
	if err := checkGrad(fn, dsrc, dy, src, d, d); err != nil {
		return err
	}
	t := src.Rows
	if t == 0 {
		return nil
	}
	// ins[i] is layer i's input (ins[0] = src), ins[n] the last output;
	// then two gradient buffers.
	ws := getWS((n+2)*t*d + need)
	defer putWS(ws)
	ins := make([]kernel.Matrix, n+1)
	ins[0] = src
	for i := 1; i <= n; i++ {
		ins[i] = carve(&ws.Data, t, d)
	}
	gy, gx := carve(&ws.Data, t, d), carve(&ws.Data, t, d)
	for i := 1; i <= n; i++ {
		if err := forward(i-1, ins[i], ins[i-1], ws.Data); err != nil {
			return err
		}
	}
	if norm != nil {
		clear(gy.Data)
		norm.backward(gn, gy, dy, ins[n])
	} else {
		copyRows(gy, dy)
	}
	for i := n - 1; i >= 0; i-- {
		out := gx
		if i == 0 {
			out = dsrc // accumulates, as every Backward
		} else {
			clear(gx.Data)
		}
		if err := backward(i, out, gy, ins[i]); err != nil {
			return err
		}
		gy, gx = gx, gy
	}
	return nil
}
