package nn

import (
	"math/rand/v2"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// EncoderLayer is torch.nn.TransformerEncoderLayer (batch_first, dropout
// the identity), with torch's names:
//
//	SelfAttn ↔ self_attn (nn.MultiheadAttention(d_model, nhead))
//	FF       ↔ linear1, linear2 and activation
//	Norm1    ↔ norm1,  Norm2 ↔ norm2
//
// Post-norm (NormFirst false, torch's default):
//
//	x = norm1(x + self_attn(x));  y = norm2(x + ff(x))
//
// Pre-norm (NormFirst, torch's norm_first=True):
//
//	x = x + self_attn(norm1(x));  y = x + ff(norm2(x))
type EncoderLayer struct {
	SelfAttn     *attn.MultiHead
	FF           FeedForward
	Norm1, Norm2 LayerNorm
	NormFirst    bool
}

// NewEncoderLayer returns a layer shaped by c (Layers and FinalNorm are
// not used) with torch's initial norms (γ = 1, β = 0) and zero weights
// elsewhere; Init draws torch's random initialisation. It returns an
// error wrapping ErrConfig for a Config that makes no sense.
func NewEncoderLayer(c Config) (*EncoderLayer, error) {
	if err := c.check("NewEncoderLayer", false); err != nil {
		return nil, err
	}
	return &EncoderLayer{SelfAttn: c.newAttention(), FF: c.newFF(), Norm1: c.newNorm(), Norm2: c.newNorm(), NormFirst: c.NormFirst}, nil
}

// Init draws the weights as torch initialises the layer: the attention as
// nn.MultiheadAttention (Xavier-uniform projections, zero biases), the
// linears as nn.Linear, the norms γ = 1, β = 0.
func (l *EncoderLayer) Init(r *rand.Rand) {
	l.SelfAttn.Init(r)
	l.FF.Linear1.Init(r)
	l.FF.Linear2.Init(r)
	resetNorm(&l.Norm1)
	resetNorm(&l.Norm2)
}

// resetNorm sets torch's initial γ = 1, β = 0.
func resetNorm(n *LayerNorm) {
	for i := range n.Weight {
		n.Weight[i] = 1
	}
	clear(n.Bias)
}

// DModel returns the layer's width (0 for a nil layer).
func (l *EncoderLayer) DModel() int {
	if l == nil {
		return 0
	}
	return l.Norm1.Dim
}

func (l *EncoderLayer) check(fn string) error {
	if l == nil || l.SelfAttn == nil {
		return shapeErr(fn, "no self_attn")
	}
	d := l.Norm1.Dim
	if l.SelfAttn.DModel != d || l.Norm2.Dim != d || l.FF.Linear1.In != d {
		return shapeErr(fn, "self_attn of width %d, linear1 of %d inputs, norms of %d and %d", l.SelfAttn.DModel, l.FF.Linear1.In, d, l.Norm2.Dim)
	}
	if err := l.Norm1.check(fn); err != nil {
		return err
	}
	if err := l.Norm2.check(fn); err != nil {
		return err
	}
	return l.FF.check(fn)
}

// Forward runs the layer on src (T×d_model) with the self-attention's
// masks m (torch's src_mask and src_key_padding_mask) into dst (T×d_model,
// allocated if its Data is nil; it must not overlap src), which it
// returns. Errors wrap ErrShape (or attn's ErrShape and ErrOptions for
// masks of the wrong size).
func (l *EncoderLayer) Forward(dst, src kernel.Matrix, m Mask) (kernel.Matrix, error) {
	const fn = "EncoderLayer.Forward"
	dst, err := prepare(fn, l.check(fn), dst, src, l.DModel(), l.DModel())
	if err != nil {
		return dst, err
	}
	ws := getWS(l.need(src.Rows))
	defer putWS(ws)
	opt := m.options()
	return dst, l.run(dst, src, ws.Data, func(out, in kernel.Matrix) error { return l.SelfAttn.Forward(out, in, opt) })
}

// need is the workspace forward needs for t rows.
func (l *EncoderLayer) need(t int) int { return 2*t*l.DModel() + l.FF.need(t) }

// forward is Forward on checked shapes, its intermediates in ws (need
// elements).
func (l *EncoderLayer) forward(dst, x kernel.Matrix, opt attn.Options, ws []float32) error {
	return l.run(dst, x, ws, func(out, in kernel.Matrix) error { return l.SelfAttn.Forward(out, in, opt) })
}

// run is the layer with the self-attention sa (Forward, Prefill or
// Decode), its intermediates in ws (need elements).
func (l *EncoderLayer) run(dst, x kernel.Matrix, ws []float32, sa func(out, in kernel.Matrix) error) error {
	t, d := x.Rows, l.DModel()
	if t == 0 {
		return nil
	}
	a, b, fw := rowsOf(ws, t, d), rowsOf(ws[t*d:], t, d), ws[2*t*d:]
	if l.NormFirst {
		l.Norm1.apply(a, x)
		if err := sa(b, a); err != nil {
			return err
		}
		addRows(b, x) // b = x + self_attn(norm1(x))
		l.Norm2.apply(a, b)
		l.FF.apply(dst, a, fw)
		addRows(dst, b)
		return nil
	}
	if err := sa(a, x); err != nil {
		return err
	}
	addRows(a, x)
	l.Norm1.apply(a, a) // a = norm1(x + self_attn(x))
	l.FF.apply(b, a, fw)
	addRows(b, a)
	l.Norm2.apply(dst, b)
	return nil
}

// addRows adds b to a, row by row (same shapes).
func addRows(a, b kernel.Matrix) {
	for i := range a.Rows {
		kernel.Add(a.Row(i), a.Row(i), b.Row(i))
	}
}

// Encoder is torch.nn.TransformerEncoder: Layers applied in turn (torch's
// layers.0, layers.1, ...), then Norm (torch's norm) if not nil.
type Encoder struct {
	Layers []*EncoderLayer
	Norm   *LayerNorm
}

// NewEncoder returns c.Layers layers as NewEncoderLayer makes them, and a
// final LayerNorm if c.FinalNorm.
func NewEncoder(c Config) (*Encoder, error) {
	ls, n, err := newStack(c, "NewEncoder", NewEncoderLayer)
	return &Encoder{Layers: ls, Norm: n}, err
}

// Init initialises every layer as EncoderLayer.Init and the final norm
// to γ = 1, β = 0.
func (e *Encoder) Init(r *rand.Rand) { initStack(r, e.Layers, e.Norm) }

// DModel returns the stack's width (0 without layers).
func (e *Encoder) DModel() int { return stackDModel(e.Layers) }

func (e *Encoder) check(fn string) error { return checkStack(fn, e.Layers, e.Norm) }

// Forward runs the stack on src (T×d_model), every layer with the masks m
// (torch's mask and src_key_padding_mask), into dst (allocated if its
// Data is nil; it must not overlap src), which it returns. Unlike torch
// 1.13's fast path in eval mode, which returns zeros at padded positions
// when given a key padding mask, every row is computed.
func (e *Encoder) Forward(dst, src kernel.Matrix, m Mask) (kernel.Matrix, error) {
	const fn = "Encoder.Forward"
	d := e.DModel()
	dst, err := prepare(fn, e.check(fn), dst, src, d, d)
	if err != nil {
		return dst, err
	}
	t := src.Rows
	ws := getWS(t*d + stackNeed(e.Layers, t))
	defer putWS(ws)
	tmp, lw := rowsOf(ws.Data, t, d), ws.Data[t*d:]
	opt := m.options()
	err = stack(len(e.Layers), src, dst, tmp, func(i int, out, in kernel.Matrix) error {
		return e.Layers[i].forward(out, in, opt, lw)
	})
	if err == nil && e.Norm != nil {
		e.Norm.apply(dst, dst)
	}
	return dst, err
}
