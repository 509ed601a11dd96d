package nn

import (
	"math/rand/v2"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// DecoderLayer is torch.nn.TransformerDecoderLayer (batch_first, dropout
// the identity), with torch's names:
//
//	SelfAttn  ↔ self_attn       (nn.MultiheadAttention(d_model, nhead))
//	CrossAttn ↔ multihead_attn  (the same shape; keys and values from memory)
//	FF        ↔ linear1, linear2 and activation
//	Norm1, Norm2, Norm3 ↔ norm1, norm2, norm3
//
// Post-norm (NormFirst false, torch's default):
//
//	x = norm1(x + self_attn(x));  x = norm2(x + multihead_attn(x, memory));
//	y = norm3(x + ff(x))
//
// Pre-norm (NormFirst, torch's norm_first=True):
//
//	x = x + self_attn(norm1(x));  x = x + multihead_attn(norm2(x), memory);
//	y = x + ff(norm3(x))
type DecoderLayer struct {
	SelfAttn, CrossAttn *attn.MultiHead
	FF                  FeedForward
	Norm1, Norm2, Norm3 LayerNorm
	NormFirst           bool
}

// NewDecoderLayer returns a layer shaped by c (Layers and FinalNorm are
// not used) with torch's initial norms and zero weights elsewhere. It
// returns an error wrapping ErrConfig for a Config that makes no sense.
func NewDecoderLayer(c Config) (*DecoderLayer, error) {
	if err := c.check("NewDecoderLayer", false); err != nil {
		return nil, err
	}
	return &DecoderLayer{SelfAttn: c.newAttention(), CrossAttn: c.newAttention(), FF: c.newFF(),
		Norm1: c.newNorm(), Norm2: c.newNorm(), Norm3: c.newNorm(), NormFirst: c.NormFirst}, nil
}

// Init draws the weights as torch initialises the layer (see
// EncoderLayer.Init).
func (l *DecoderLayer) Init(r *rand.Rand) {
	l.SelfAttn.Init(r)
	l.CrossAttn.Init(r)
	l.FF.Linear1.Init(r)
	l.FF.Linear2.Init(r)
	resetNorm(&l.Norm1)
	resetNorm(&l.Norm2)
	resetNorm(&l.Norm3)
}

// DModel returns the layer's width (0 for a nil layer).
func (l *DecoderLayer) DModel() int {
	if l == nil {
		return 0
	}
	return l.Norm1.Dim
}

func (l *DecoderLayer) check(fn string) error {
	if l == nil || l.SelfAttn == nil || l.CrossAttn == nil {
		return shapeErr(fn, "no self_attn or multihead_attn")
	}
	d := l.Norm1.Dim
	if l.SelfAttn.DModel != d || l.CrossAttn.DModel != d || l.Norm2.Dim != d || l.Norm3.Dim != d || l.FF.Linear1.In != d {
		return shapeErr(fn, "self_attn of width %d, multihead_attn %d, linear1 of %d inputs, norms of %d, %d and %d",
			l.SelfAttn.DModel, l.CrossAttn.DModel, l.FF.Linear1.In, d, l.Norm2.Dim, l.Norm3.Dim)
	}
	for _, n := range []*LayerNorm{&l.Norm1, &l.Norm2, &l.Norm3} {
		if err := n.check(fn); err != nil {
			return err
		}
	}
	return l.FF.check(fn)
}

// Forward runs the layer on tgt (T×d_model) against memory (S×kdim of
// multihead_attn, d_model for torch's layers) into dst (T×d_model,
// allocated if its Data is nil; it must not overlap tgt or memory), which
// it returns. tgtMask is torch's tgt_mask and tgt_key_padding_mask (T×T,
// T), memoryMask its memory_mask and memory_key_padding_mask (T×S, S).
func (l *DecoderLayer) Forward(dst, tgt, memory kernel.Matrix, tgtMask, memoryMask Mask) (kernel.Matrix, error) {
	const fn = "DecoderLayer.Forward"
	dst, err := prepare(fn, l.check(fn), dst, tgt, l.DModel(), l.DModel(), memory)
	if err != nil {
		return dst, err
	}
	ws := getWS(l.need(tgt.Rows))
	defer putWS(ws)
	return dst, l.forward(dst, tgt, memory, tgtMask.options(), memoryMask.options(), ws.Data)
}

// need is the workspace forward needs for t rows.
func (l *DecoderLayer) need(t int) int { return 2*t*l.DModel() + l.FF.need(t) }

// forward is Forward on checked shapes, its intermediates in ws (need
// elements).
func (l *DecoderLayer) forward(dst, x, mem kernel.Matrix, self, cross attn.Options, ws []float32) error {
	return l.run(dst, x, ws,
		func(out, in kernel.Matrix) error { return l.SelfAttn.Forward(out, in, self) },
		func(out, in kernel.Matrix) error { return l.CrossAttn.Cross(out, in, mem, mem, cross) })
}

// run is the layer with the self-attention sa (Forward, Prefill or
// Decode) and the cross-attention ca (Cross, or against the memory's
// cached keys and values), its intermediates in ws (need elements).
func (l *DecoderLayer) run(dst, x kernel.Matrix, ws []float32, sa, ca func(out, in kernel.Matrix) error) error {
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
		if err := ca(dst, a); err != nil {
			return err
		}
		addRows(b, dst) // b += multihead_attn(norm2(b), memory)
		l.Norm3.apply(a, b)
		l.FF.apply(dst, a, fw)
		addRows(dst, b)
		return nil
	}
	if err := sa(a, x); err != nil {
		return err
	}
	addRows(a, x)
	l.Norm1.apply(a, a) // a = norm1(x + self_attn(x))
	if err := ca(b, a); err != nil {
		return err
	}
	addRows(b, a)
	l.Norm2.apply(b, b) // b = norm2(a + multihead_attn(a, memory))
	l.FF.apply(a, b, fw)
	addRows(a, b)
	l.Norm3.apply(dst, a)
	return nil
}

// Decoder is torch.nn.TransformerDecoder: Layers applied in turn, each
// against the same memory, then Norm if not nil.
type Decoder struct {
	Layers []*DecoderLayer
	Norm   *LayerNorm
}

// NewDecoder returns c.Layers layers as NewDecoderLayer makes them, and a
// final LayerNorm if c.FinalNorm.
func NewDecoder(c Config) (*Decoder, error) {
	ls, n, err := newStack(c, "NewDecoder", NewDecoderLayer)
	return &Decoder{Layers: ls, Norm: n}, err
}

// Init initialises every layer as DecoderLayer.Init and the final norm
// to γ = 1, β = 0.
func (dec *Decoder) Init(r *rand.Rand) { initStack(r, dec.Layers, dec.Norm) }

// DModel returns the stack's width (0 without layers).
func (dec *Decoder) DModel() int { return stackDModel(dec.Layers) }

func (dec *Decoder) check(fn string) error { return checkStack(fn, dec.Layers, dec.Norm) }

// Forward runs the stack on tgt (T×d_model) against memory (S×d_model),
// every layer with the same masks (as DecoderLayer.Forward), into dst
// (allocated if its Data is nil; it must not overlap tgt or memory),
// which it returns.
func (dec *Decoder) Forward(dst, tgt, memory kernel.Matrix, tgtMask, memoryMask Mask) (kernel.Matrix, error) {
	const fn = "Decoder.Forward"
	d := dec.DModel()
	dst, err := prepare(fn, dec.check(fn), dst, tgt, d, d, memory)
	if err != nil {
		return dst, err
	}
	self, cross := tgtMask.options(), memoryMask.options()
	return dst, runStack(dec.Layers, dec.Norm, dst, tgt, func(i int, out, in kernel.Matrix, ws []float32) error {
		return dec.Layers[i].forward(out, in, memory, self, cross, ws)
	})
}
