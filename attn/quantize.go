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
//
// A model quantized with QuantizeResidual has, beside each I8 weight,
// its residual plane "<name>.residual" (I8, the same shape) and
// "<name>.residual.scale" (F32, one per row): row r of the weight is
// scale[r]·q[r,:] + residual.scale[r]·residual[r,:]; its file's
// simdcore.quantized is QuantizedResidualScheme.
const (
	QuantizedKey            = "simdcore.quantized"
	QuantizedScheme         = "int8-rowwise/1"
	QuantizedResidualScheme = "int8-rowwise-residual/1"
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
	plane := func(name string, q *kernel.QMatrix, lo, hi int) {
		data := make([]int8, 0, (hi-lo)*q.Cols)
		for r := lo; r < hi; r++ {
			data = append(data, q.Row(r)...)
		}
		ts = append(ts, weights.Tensor{Name: name, Shape: []int{hi - lo, q.Cols}, Int8: data},
			weights.Tensor{Name: name + ".scale", Shape: []int{hi - lo}, Data: q.Scales[lo:hi]})
	}
	for _, p := range parts {
		plane(p.name, p.q, p.lo, p.hi)
		if lo := m.quant.lowOf(p.q); lo != nil {
			plane(p.name+".residual", lo, p.lo, p.hi)
		}
	}
	return ts
}

// lowOf returns the residual plane of q (in or out), nil without one.
func (q *mhQuant) lowOf(hi *kernel.QMatrix) *kernel.QMatrix {
	if hi == q.in {
		return q.inLo
	}
	return q.outLo
}

// loadInt8 builds the quantized model shell describes from the file's
// tensors ws (under pre, shapes checked; the scales and, with residual,
// the residual planes taken too): the I8 input projections, stacked in
// ws's order, the I8 output projection, and the F32 biases.
func loadInt8(l *weights.Dict, shell *MultiHead, pre string, ws []tensorWant, residual bool) (*MultiHead, error) {
	m := *shell
	m.quant = &mhQuant{}
	var err error
	if m.quant.in, m.quant.out, err = loadPlanes(l, &m, pre, ws, ""); err != nil {
		return nil, err
	}
	if residual {
		if m.quant.inLo, m.quant.outLo, err = loadPlanes(l, &m, pre, ws, ".residual"); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// loadPlanes reads one plane of the int8 projections (suffix "" or
// ".residual" on the weights' names), and the biases into m.
func loadPlanes(l *weights.Dict, m *MultiHead, pre string, ws []tensorWant, suffix string) (in, out *kernel.QMatrix, err error) {
	var inData []int8
	var inScales []float32
	for _, w := range ws {
		switch w.name {
		case "in_proj_bias", "out_proj.bias":
			data, err := l.Float32s(pre+w.name, w.shape...)
			if err != nil {
				return nil, nil, err
			}
			if w.name == "in_proj_bias" {
				m.InBias = data
			} else {
				m.OutBias = data
			}
			continue
		}
		name := pre + w.name + suffix
		data, err := l.Int8s(name, w.shape...)
		if err != nil {
			return nil, nil, err // not I8: ErrFormat
		}
		scales, err := l.Float32s(name+".scale", w.shape[0])
		if err != nil {
			return nil, nil, err
		}
		if w.name != "out_proj.weight" {
			inData, inScales = append(inData, data...), append(inScales, scales...)
			continue
		}
		if out, err = kernel.NewQMatrix(w.shape[0], w.shape[1], data, scales); err != nil {
			return nil, nil, l.Formatf("tensor %q: %v", name, err)
		}
	}
	if in, err = kernel.NewQMatrix(len(inScales), m.DModel, inData, inScales); err != nil {
		return nil, nil, l.Formatf("the input projections%s: %v", suffix, err)
	}
	return in, out, nil
}

// ErrQuantized is wrapped by the errors of the calls a quantized
// MultiHead (MultiHead.Quantize) refuses: Cross, SetMemory, DecodeCross,
// Backward and CrossBackward, which need the float projections.
var ErrQuantized = errors.New("attn: quantized model (int8 projections): this call needs the float weights")

// mhQuant holds a quantized MultiHead's projections in int8 (see Int8
// kernels in package kernel): in is Wq, Wk and Wv stacked, (d_model +
// 2·KVHeads·d_head)×d_model — per-row quantization makes it the same as
// quantizing each apart — and out is OutProj; inLo and outLo, set by
// QuantizeResidual, are their residual planes (the weights minus in's
// and out's dequantized values, quantized the same way), whose products
// are added to theirs.
type mhQuant struct {
	in, out     *kernel.QMatrix
	inLo, outLo *kernel.QMatrix
}

// quantGemv sets dst = w·x for one of the projections (w, and lo, its
// residual plane, or nil): x quantized (qx[0]) and one int8 product; with
// a residual plane, also the plane's product with qx[0] and w's with
// x's remainder (qx[1], kernel.QVector.QuantizeRemainder), added. The
// residual plane's product with the remainder, below both errors left,
// is not taken.
func quantGemv(dst, x []float32, w, lo *kernel.QMatrix, qx *[2]kernel.QVector) {
	qx[0].Quantize(x)
	kernel.QGemv(dst, w, &qx[0])
	if lo != nil {
		kernel.QGemvAdd(dst, lo, &qx[0])
		qx[1].QuantizeRemainder(x, &qx[0])
		kernel.QGemvAdd(dst, w, &qx[1])
	}
}

// quantGemm is quantGemv for the rows of x: dst = x·wᵀ.
func quantGemm(dst, x kernel.Matrix, w, lo *kernel.QMatrix, qb *[2]kernel.QBatch) {
	qb[0].Quantize(x)
	kernel.QGemm(dst, &qb[0], w)
	if lo != nil {
		kernel.QGemmAdd(dst, &qb[0], lo)
		qb[1].QuantizeRemainder(x, &qb[0])
		kernel.QGemmAdd(dst, &qb[1], w)
	}
}

// qActivations returns the quantized activations of a Decode (and their
// remainder) grown for n elements, so that no Decode allocates.
func qActivations(n int) (q [2]kernel.QVector) {
	q[0].Reserve(n)
	q[1].Reserve(n)
	return q
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
func (m *MultiHead) Quantize() (*MultiHead, error) { return m.quantize("Quantize", false) }

// QuantizeResidual is Quantize with a residual plane per projection: each
// weight row w is stored as s·q + s₂·q₂, q = the int8 row Quantize
// stores (s = max|w|/127) and q₂ the row w − s·q quantized the same way
// (s₂ = max|w − s·q|/127, at most s/2), so that the weights are within
// s₂/2 instead of s/2 of the float ones. The activations get a second
// plane the same way when each projection runs (the remainder x − s·q of
// their quantization, kernel.QVector.QuantizeRemainder), and each
// projection is three int8 products added up (kernel.QGemvAdd,
// QGemmAdd): both weight planes with the activations, and the first
// plane with their remainder. That is twice Quantize's weight bytes (half
// of float32's) and three times its integer work, and it brings the torch
// fixtures within about 1e-4 of PyTorch where Quantize's one plane
// leaves up to 1.8e-2 (ACCURACY.md). Save writes the weight planes
// (QuantizedResidualScheme).
func (m *MultiHead) QuantizeResidual() (*MultiHead, error) {
	return m.quantize("QuantizeResidual", true)
}

func (m *MultiHead) quantize(fn string, residual bool) (*MultiHead, error) {
	if err := m.checkSelf(fn); err != nil {
		return nil, err
	}
	if m.quant != nil {
		return nil, fmt.Errorf("attn.%s: %w", fn, ErrQuantized)
	}
	e, kv := m.DModel, m.kvWidth()
	stacked := kernel.NewMatrix(e+2*kv, e)
	for p, w := range []kernel.Matrix{m.Wq(), m.Wk(), m.Wv()} {
		lo := []int{0, e, e + kv}[p]
		for i := range w.Rows {
			copy(stacked.Row(lo+i), w.Row(i))
		}
	}
	q := &mhQuant{}
	var err error
	if q.in, q.inLo, err = quantizePlanes(stacked, residual); err != nil {
		return nil, fmt.Errorf("attn.%s: input projections: %v: %w", fn, err, ErrShape)
	}
	if q.out, q.outLo, err = quantizePlanes(m.OutProj, residual); err != nil {
		return nil, fmt.Errorf("attn.%s: OutProj: %v: %w", fn, err, ErrShape)
	}
	return &MultiHead{DModel: m.DModel, Heads: m.Heads, KVHeads: m.KVHeads, KDim: m.KDim, VDim: m.VDim,
		InBias: slices.Clone(m.InBias), OutBias: slices.Clone(m.OutBias), Rotary: m.Rotary,
		quant: q}, nil
}

// quantizePlanes quantizes a (kernel.QuantizeMatrix) and, with residual,
// its residual a − dequantized(hi) too.
func quantizePlanes(a kernel.Matrix, residual bool) (hi, lo *kernel.QMatrix, err error) {
	if hi, err = kernel.QuantizeMatrix(a); err != nil || !residual {
		return hi, nil, err
	}
	r := kernel.NewMatrix(a.Rows, a.Cols)
	for i := range a.Rows {
		q, s := hi.Row(i), hi.Scales[i]
		for j, v := range a.Row(i) {
			r.Row(i)[j] = v - s*float32(q[j])
		}
	}
	lo, err = kernel.QuantizeMatrix(r)
	return hi, lo, err
}

// QuantizedResidual reports whether m's int8 projections have residual
// planes (QuantizeResidual).
func (m *MultiHead) QuantizedResidual() bool { return m.quant != nil && m.quant.inLo != nil }

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
	case (q.inLo == nil) != (q.outLo == nil) || q.inLo != nil &&
		(q.inLo.Rows != q.in.Rows || q.inLo.Cols != e || q.outLo.Rows != e || q.outLo.Cols != e):
		return shapeErr(fn, "the residual planes do not fit the int8 projections")
	}
	return m.checkBiases(fn)
}
