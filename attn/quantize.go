package attn

import (
	"errors"
	"fmt"
	"slices"

	"github.com/simdcore/simdcore/kernel"
)

// ErrQuantized is wrapped by the errors of the calls a quantized
// MultiHead (MultiHead.Quantize) refuses: Cross, SetMemory, DecodeCross,
// Backward, CrossBackward and Save, which need the float projections.
var ErrQuantized = errors.New("attn: quantized model (int8 projections): this call needs the float weights")

// mhQuant holds a quantized MultiHead's projections in int8 (see Int8
// kernels in package kernel): in is Wq, Wk and Wv stacked, (d_model +
// 2·KVHeads·d_head)×d_model — per-row quantization makes it the same as
// quantizing each apart — and out is OutProj.
type mhQuant struct {
	in, out *kernel.QMatrix
}

// Quantize returns a copy of m whose projections are int8 (per output
// row, symmetric, a float32 scale per row): the input projections Wq, Wk
// and Wv and the output projection OutProj. The biases stay float32
// (copied), the activations are quantized per vector (per row) when each
// projection runs, and the attention itself (scores, softmax, the
// weighted values, the KV cache) stays float32. The copy's float
// matrices (InProj, QProj, KProj, VProj, OutProj) are empty; Rotary is
// shared.
//
// The quantized model runs self-attention: Forward, Prefill and Decode
// (which allocates nothing per token); Cross, SetMemory, DecodeCross,
// Backward, CrossBackward and Save return an error wrapping ErrQuantized.
// It returns an error if m is not valid, is quantized already (wrapping
// ErrQuantized), is not a self-attention model (KDim or VDim other than
// d_model), or holds NaN or ±Inf in a projection.
func (m *MultiHead) Quantize() (*MultiHead, error) {
	if err := m.checkSelf("Quantize"); err != nil {
		return nil, err
	}
	if m.quant != nil {
		return nil, fmt.Errorf("attn.Quantize: %w", ErrQuantized)
	}
	e, kv := m.DModel, m.kvWidth()
	stacked := kernel.NewMatrix(e+2*kv, e)
	for p, w := range []kernel.Matrix{m.Wq(), m.Wk(), m.Wv()} {
		lo := []int{0, e, e + kv}[p]
		for i := range w.Rows {
			copy(stacked.Row(lo+i), w.Row(i))
		}
	}
	in, err := kernel.QuantizeMatrix(stacked)
	if err != nil {
		return nil, fmt.Errorf("attn.Quantize: input projections: %v: %w", err, ErrShape)
	}
	out, err := kernel.QuantizeMatrix(m.OutProj)
	if err != nil {
		return nil, fmt.Errorf("attn.Quantize: OutProj: %v: %w", err, ErrShape)
	}
	return &MultiHead{DModel: m.DModel, Heads: m.Heads, KVHeads: m.KVHeads, KDim: m.KDim, VDim: m.VDim,
		InBias: slices.Clone(m.InBias), OutBias: slices.Clone(m.OutBias), Rotary: m.Rotary,
		quant: &mhQuant{in: in, out: out}}, nil
}

// Quantized reports whether m's projections are int8 (Quantize).
func (m *MultiHead) Quantized() bool { return m.quant != nil }

// floatOnly refuses a quantized model for a call that needs the float
// projections.
func (m *MultiHead) floatOnly(fn string) error {
	if m.quant != nil {
		return fmt.Errorf("attn.%s: %w", fn, ErrQuantized)
	}
	return nil
}

// checkQuantized is check for a quantized model: the int8 projections of
// the sizes' shapes, no float ones, and the biases and Rotary as check
// wants them.
func (m *MultiHead) checkQuantized(fn string) error {
	e, kv := m.DModel, m.kvWidth()
	q := m.quant
	switch {
	case m.InProj.Data != nil || m.QProj.Data != nil || m.KProj.Data != nil || m.VProj.Data != nil || m.OutProj.Data != nil:
		return shapeErr(fn, "a quantized model with float projections set")
	case q.in == nil || q.in.Rows != e+2*kv || q.in.Cols != e || q.out == nil || q.out.Rows != e || q.out.Cols != e:
		return shapeErr(fn, "the int8 projections do not fit d_model=%d and KVHeads·d_head=%d", e, kv)
	}
	return m.checkBiases(fn)
}
