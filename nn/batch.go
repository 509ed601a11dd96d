package nn

import (
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the batch forms: batch sequences of one length stacked
// row-wise, so that the linears and norms run over all of them at once
// (larger matrix products) and the attention sequence by sequence.

// checkBatch checks that rows split into batch sequences and that m's
// masks fit them, and returns the sequences' length T.
func checkBatch(fn string, rows, batch int, m Mask) (int, error) {
	if batch <= 0 || rows%batch != 0 {
		return 0, shapeErr(fn, "%d rows do not split into %d sequences", rows, batch)
	}
	t := rows / batch
	if m.KeepKeys != nil && len(m.KeepKeys) != rows {
		return 0, shapeErr(fn, "len(KeepKeys)=%d, want batch·T = %d·%d", len(m.KeepKeys), batch, t)
	}
	return t, nil
}

// batched returns the self-attention of a batch of sequences of t rows:
// sequence b with KeepKeys[b·t : (b+1)·t], the other masks shared.
func (l *EncoderLayer) batched(t int, m Mask) func(out, in kernel.Matrix) error {
	return func(out, in kernel.Matrix) error {
		opt := m.options()
		for r := 0; r < in.Rows; r += t {
			if m.KeepKeys != nil {
				opt.KeepKeys = m.KeepKeys[r : r+t]
			}
			if err := l.SelfAttn.Forward(out.Slice(r, r+t, 0, out.Cols), in.Slice(r, r+t, 0, in.Cols), opt); err != nil {
				return err
			}
		}
		return nil
	}
}

// ForwardBatch runs the layer on batch sequences of one length T stacked
// in src ((batch·T)×d_model, sequence b in rows [b·T, (b+1)·T): torch's
// batch_first input of shape (batch, T, d_model), flattened) into dst
// (allocated if its Data is nil; it must not overlap src), which it
// returns. m.Causal, m.Add and m.Keep (T×T) apply to every sequence, as
// torch's 2-D src_mask; m.KeepKeys, if not nil, has batch·T entries,
// sequence b's key padding mask (torch's (batch, T) src_key_padding_mask
// negated) in [b·T, (b+1)·T). Each sequence's rows equal Forward's on it
// alone, up to the order of the matrix products' sums.
func (l *EncoderLayer) ForwardBatch(dst, src kernel.Matrix, batch int, m Mask) (kernel.Matrix, error) {
	const fn = "EncoderLayer.ForwardBatch"
	dst, err := prepare(fn, l.check(fn), dst, src, l.DModel(), l.DModel())
	if err != nil {
		return dst, err
	}
	t, err := checkBatch(fn, src.Rows, batch, m)
	if err != nil {
		return dst, err
	}
	ws := getWS(l.need(src.Rows))
	defer putWS(ws)
	return dst, l.run(dst, src, ws.Data, l.batched(t, m))
}

// ForwardBatch runs the stack on batch sequences stacked in src, with
// the masks of EncoderLayer.ForwardBatch, into dst (allocated if its Data
// is nil; it must not overlap src), which it returns.
func (e *Encoder) ForwardBatch(dst, src kernel.Matrix, batch int, m Mask) (kernel.Matrix, error) {
	const fn = "Encoder.ForwardBatch"
	d := e.DModel()
	dst, err := prepare(fn, e.check(fn), dst, src, d, d)
	if err != nil {
		return dst, err
	}
	t, err := checkBatch(fn, src.Rows, batch, m)
	if err != nil {
		return dst, err
	}
	n := src.Rows
	ws := getWS(n*d + stackNeed(e.Layers, n))
	defer putWS(ws)
	lw := ws.Data[n*d:]
	err = stack(len(e.Layers), src, dst, rowsOf(ws.Data, n, d), func(i int, out, in kernel.Matrix) error {
		l := e.Layers[i]
		return l.run(out, in, lw, l.batched(t, m))
	})
	if err == nil && e.Norm != nil {
		e.Norm.apply(dst, dst)
	}
	return dst, err
}
