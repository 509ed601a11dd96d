package attn

import (
	"errors"
	"fmt"
	"slices"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// A quantized model's file (Save) has the float file's names and
// metadata, with every projection weight — in_proj_weight (or
// q_proj_weight, k_proj_weight and v_proj_weight for grouped-query
// heads) and out_proj.weight — stored as an I8 tensor of the same shape,
// the int8 values q of Int8 kernels in package kernel, and beside it
// "<name>.scale", an F32 tensor of one scale per row: row r of the weight
// is scale[r]·q[r,:]. The biases stay F32. The metadata key
// simdcore.quantized = "int8-rowwise/1" marks the file and names the
// scheme and its version; LoadMultiHead reads it into a quantized model
// without float weights.
const (
	QuantizedKey    = "simdcore.quantized"
	QuantizedScheme = "int8-rowwise/1"
)

// int8Tensors returns a quantized model's projection weights as I8
// tensors with their scales, named as Save names the float ones.
func (m *MultiHead) int8Tensors() []weights.Tensor {
	e, kv := m.DModel, m.kvWidth()
	type part struct {
		name   string
		q      *kernel.QMatrix
		lo, hi int
	}
	parts := []part{{"in_proj_weight", m.quant.in, 0, e + 2*kv}}
	if !m.packable() {
		parts = []part{{"q_proj_weight", m.quant.in, 0, e}, {"k_proj_weight", m.quant.in, e, e + kv}, {"v_proj_weight", m.quant.in, e + kv, e + 2*kv}}
	}
	parts = append(parts, part{"out_proj.weight", m.quant.out, 0, e})
	var ts []weights.Tensor
	for _, p := range parts {
		data := make([]int8, 0, (p.hi-p.lo)*p.q.Cols)
		for r := p.lo; r < p.hi; r++ {
			data = append(data, p.q.Row(r)...)
		}
		ts = append(ts, weights.Tensor{Name: p.name, Shape: []int{p.hi - p.lo, p.q.Cols}, Int8: data},
			weights.Tensor{Name: p.name + ".scale", Shape: []int{p.hi - p.lo}, Data: p.q.Scales[p.lo:p.hi]})
	}
	return ts
}

// loadInt8 builds the quantized model shell describes from the file's
// tensors ws (under pre, shapes checked; the scales taken too): the I8
// input projections, stacked in ws's order, the I8 output projection, and
// the F32 biases.
func loadInt8(l *weights.Dict, shell *MultiHead, pre string, ws []tensorWant) (*MultiHead, error) {
	m := *shell
	m.quant = &mhQuant{}
	var in []int8
	var inScales []float32
	for _, w := range ws {
		switch w.name {
		case "in_proj_bias", "out_proj.bias":
			data, err := l.Float32s(pre+w.name, w.shape...)
			if err != nil {
				return nil, err
			}
			if w.name == "in_proj_bias" {
				m.InBias = data
			} else {
				m.OutBias = data
			}
			continue
		}
		data, err := l.Int8s(pre+w.name, w.shape...)
		if err != nil {
			return nil, err // not I8: ErrFormat
		}
		scales, err := l.Float32s(pre+w.name+".scale", w.shape[0])
		if err != nil {
			return nil, err
		}
		if w.name != "out_proj.weight" {
			in, inScales = append(in, data...), append(inScales, scales...)
			continue
		}
		if m.quant.out, err = kernel.NewQMatrix(w.shape[0], w.shape[1], data, scales); err != nil {
			return nil, l.Formatf("tensor %q: %v", pre+w.name, err)
		}
	}
	var err error
	if m.quant.in, err = kernel.NewQMatrix(len(inScales), m.DModel, in, inScales); err != nil {
		return nil, l.Formatf("the input projections: %v", err)
	}
	return &m, nil
}

// ErrQuantized is wrapped by the errors of the calls a quantized
// MultiHead (MultiHead.Quantize) refuses: Cross, SetMemory, DecodeCross,
// Backward and CrossBackward, which need the float projections.
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
// Backward and CrossBackward return an error wrapping ErrQuantized. Save
// writes the int8 projections (see QuantizedKey) and LoadMultiHead reads
// them back into a quantized model.
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
