package nn

// This file writes torch's Transformer stacks as safetensors files that
// the loaders and PyTorch's load_state_dict(strict=True) read back.

import (
	"fmt"
	"io"
	"maps"
	"strconv"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// tensorList gathers a state_dict's tensors.
type tensorList []weights.Tensor

func (ts *tensorList) add(name string, data []float32, shape ...int) {
	*ts = append(*ts, weights.Tensor{Name: name, Shape: shape, Data: data})
}

func (ts *tensorList) matrix(name string, m kernel.Matrix) {
	ts.add(name, dense(m), m.Rows, m.Cols)
}

// dense returns m's elements row after row, without the stride's padding.
func dense(m kernel.Matrix) []float32 {
	out := make([]float32, 0, m.Rows*m.Cols)
	for i := range m.Rows {
		out = append(out, m.Row(i)...)
	}
	return out
}

func (ts *tensorList) linear(pre string, l *Linear) {
	ts.matrix(pre+"weight", l.W)
	if l.B != nil {
		ts.add(pre+"bias", l.B, l.Out)
	}
}

// affine reports an error wrapping ErrConfig for a LayerNorm without
// weights: torch's Transformer layers always have them.
func affine(fn string, ns ...*LayerNorm) error {
	for _, n := range ns {
		if n.Weight == nil {
			return fmt.Errorf("nn.%s: a LayerNorm without weights (elementwise_affine=False), which torch's Transformer layers do not have: %w", fn, ErrConfig)
		}
	}
	return nil
}

func (ts *tensorList) norm(pre string, n *LayerNorm) {
	if n.Weight != nil {
		ts.add(pre+"weight", n.Weight, n.Dim)
	}
	if n.Bias != nil {
		ts.add(pre+"bias", n.Bias, n.Dim)
	}
}

// attention adds a packed nn.MultiheadAttention, or reports that m is not
// one.
func (ts *tensorList) attention(fn, pre string, m *attn.MultiHead) error {
	e := m.DModel
	if m.InProj.Data == nil || m.KVHeads != 0 && m.KVHeads != m.Heads || m.Rotary != nil ||
		(m.InBias == nil) != (m.OutBias == nil) {
		return shapeErr(fn, "%s is not a torch nn.MultiheadAttention (packed in_proj_weight, no grouped heads, no rotary, both biases or neither)", pre)
	}
	ts.matrix(pre+"in_proj_weight", m.InProj)
	if m.InBias != nil {
		ts.add(pre+"in_proj_bias", m.InBias, 3*e)
	}
	ts.matrix(pre+"out_proj.weight", m.OutProj)
	if m.OutBias != nil {
		ts.add(pre+"out_proj.bias", m.OutBias, e)
	}
	return nil
}

// layerMeta is what the metadata says of every layer.
type layerMeta struct {
	heads, ff int
	act       Activation
	normFirst bool
	eps       float32
	bias      bool
}

// biases reports whether every one of the biases is present, or an error
// wrapping ErrConfig if some are and some are not (torch's bias argument
// is one for the whole layer).
func biases(fn string, bs ...[]float32) (bool, error) {
	for _, b := range bs {
		if (b == nil) != (bs[0] == nil) {
			return false, fmt.Errorf("nn.%s: some biases are nil and some are not: torch's layers have all or none: %w", fn, ErrConfig)
		}
	}
	return bs[0] != nil, nil
}

// metadata returns the constructor arguments of a stack of n layers of
// width d with meta, added to the caller's metadata.
func (lm layerMeta) metadata(user map[string]string, d, n int) map[string]string {
	meta := maps.Clone(user)
	if meta == nil {
		meta = map[string]string{}
	}
	meta["d_model"] = strconv.Itoa(d)
	meta["nhead"] = strconv.Itoa(lm.heads)
	meta["dim_feedforward"] = strconv.Itoa(lm.ff)
	meta["activation"] = lm.act.String()
	meta["norm_first"] = pyBool(lm.normFirst)
	meta["layer_norm_eps"] = strconv.FormatFloat(float64(lm.eps), 'g', -1, 32)
	meta["batch_first"] = "True"
	meta["bias"] = pyBool(lm.bias)
	if n > 0 {
		meta["num_layers"] = strconv.Itoa(n)
	}
	return meta
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// sameMeta checks that every layer of a stack agrees with the first,
// norms included (one layer_norm_eps).
func sameMeta(fn string, ms []layerMeta, eps []float32) error {
	for i, m := range ms {
		if m != ms[0] {
			return fmt.Errorf("nn.%s: layer %d (%+v) differs from layer 0 (%+v): torch's stacks repeat one layer: %w", fn, i, m, ms[0], ErrConfig)
		}
	}
	for _, e := range eps {
		if e != ms[0].eps {
			return fmt.Errorf("nn.%s: a LayerNorm has eps %g, layer 0's norm1 %g: torch's layers share layer_norm_eps: %w", fn, e, ms[0].eps, ErrConfig)
		}
	}
	return nil
}

func (l *EncoderLayer) tensors(fn, pre string, ts *tensorList) (layerMeta, []float32, error) {
	if err := l.check(fn); err != nil {
		return layerMeta{}, nil, err
	}
	if err := affine(fn, &l.Norm1, &l.Norm2); err != nil {
		return layerMeta{}, nil, err
	}
	if err := ts.attention(fn, pre+"self_attn.", l.SelfAttn); err != nil {
		return layerMeta{}, nil, err
	}
	ts.linear(pre+"linear1.", &l.FF.Linear1)
	ts.linear(pre+"linear2.", &l.FF.Linear2)
	ts.norm(pre+"norm1.", &l.Norm1)
	ts.norm(pre+"norm2.", &l.Norm2)
	b, err := biases(fn, l.FF.Linear1.B, l.FF.Linear2.B, l.SelfAttn.InBias, l.Norm1.Bias, l.Norm2.Bias)
	return layerMeta{l.SelfAttn.Heads, l.FF.Linear1.Out, l.FF.Activation, l.NormFirst, l.Norm1.Eps, b}, []float32{l.Norm2.Eps}, err
}

func (l *DecoderLayer) tensors(fn, pre string, ts *tensorList) (layerMeta, []float32, error) {
	if err := l.check(fn); err != nil {
		return layerMeta{}, nil, err
	}
	if l.CrossAttn.Heads != l.SelfAttn.Heads {
		return layerMeta{}, nil, fmt.Errorf("nn.%s: self_attn has %d heads, multihead_attn %d: torch's layer has one nhead: %w", fn, l.SelfAttn.Heads, l.CrossAttn.Heads, ErrConfig)
	}
	if err := affine(fn, &l.Norm1, &l.Norm2, &l.Norm3); err != nil {
		return layerMeta{}, nil, err
	}
	if err := ts.attention(fn, pre+"self_attn.", l.SelfAttn); err != nil {
		return layerMeta{}, nil, err
	}
	if err := ts.attention(fn, pre+"multihead_attn.", l.CrossAttn); err != nil {
		return layerMeta{}, nil, err
	}
	ts.linear(pre+"linear1.", &l.FF.Linear1)
	ts.linear(pre+"linear2.", &l.FF.Linear2)
	ts.norm(pre+"norm1.", &l.Norm1)
	ts.norm(pre+"norm2.", &l.Norm2)
	ts.norm(pre+"norm3.", &l.Norm3)
	b, err := biases(fn, l.FF.Linear1.B, l.FF.Linear2.B, l.SelfAttn.InBias, l.CrossAttn.InBias, l.Norm1.Bias, l.Norm2.Bias, l.Norm3.Bias)
	return layerMeta{l.SelfAttn.Heads, l.FF.Linear1.Out, l.FF.Activation, l.NormFirst, l.Norm1.Eps, b}, []float32{l.Norm2.Eps, l.Norm3.Eps}, err
}

// stackTensors lists a stack's tensors and metadata.
func stackTensors(fn string, n int, final *LayerNorm, layer func(i int, ts *tensorList) (layerMeta, []float32, error),
	d int, user map[string]string) ([]weights.Tensor, map[string]string, error) {
	var ts tensorList
	ms := make([]layerMeta, n)
	var eps []float32
	for i := range n {
		m, e, err := layer(i, &ts)
		if err != nil {
			return nil, nil, err
		}
		ms[i], eps = m, append(eps, e...)
	}
	if final != nil {
		if err := affine(fn, final); err != nil {
			return nil, nil, err
		}
		if (final.Bias != nil) != ms[0].bias {
			return nil, nil, fmt.Errorf("nn.%s: the final norm's bias and the layers' biases disagree: %w", fn, ErrConfig)
		}
		ts.norm("norm.", final)
		eps = append(eps, final.Eps)
	}
	if err := sameMeta(fn, ms, eps); err != nil {
		return nil, nil, err
	}
	return ts, ms[0].metadata(user, d, n), nil
}

func (e *Encoder) tensors(fn string, user map[string]string) ([]weights.Tensor, map[string]string, error) {
	if err := e.check(fn); err != nil {
		return nil, nil, err
	}
	return stackTensors(fn, len(e.Layers), e.Norm, func(i int, ts *tensorList) (layerMeta, []float32, error) {
		return e.Layers[i].tensors(fn, layerPrefix(i), ts)
	}, e.DModel(), user)
}

func (dec *Decoder) tensors(fn string, user map[string]string) ([]weights.Tensor, map[string]string, error) {
	if err := dec.check(fn); err != nil {
		return nil, nil, err
	}
	return stackTensors(fn, len(dec.Layers), dec.Norm, func(i int, ts *tensorList) (layerMeta, []float32, error) {
		return dec.Layers[i].tensors(fn, layerPrefix(i), ts)
	}, dec.DModel(), user)
}

// Save writes the encoder to path as a safetensors file with
// torch.nn.TransformerEncoder's state_dict names (see LoadEncoder) and,
// in __metadata__, its constructor arguments d_model, nhead,
// dim_feedforward, activation, norm_first, layer_norm_eps, num_layers,
// bias and batch_first=True, added to the caller's metadata (which may be
// nil).
// torch's load_state_dict(strict=True) accepts the tensors of an encoder
// built with those arguments (and the final norm if it has one), and
// LoadEncoder reads the file back. The layers must agree in those
// arguments, have every bias or none, LayerNorms with weights, and their
// attention in torch's packed layout (else an error wrapping ErrConfig or
// ErrShape). The file is replaced atomically.
func (e *Encoder) Save(path string, metadata map[string]string) error {
	return toFile(path)(e.tensors("Encoder.Save", metadata))
}

// Encode writes what Save writes to w.
func (e *Encoder) Encode(w io.Writer, metadata map[string]string) error {
	return toWriter(w)(e.tensors("Encoder.Encode", metadata))
}

// toFile returns the function that saves tensors and metadata to path,
// unless it is given an error.
func toFile(path string) func([]weights.Tensor, map[string]string, error) error {
	return func(ts []weights.Tensor, meta map[string]string, err error) error {
		if err != nil {
			return err
		}
		return weights.Save(path, ts, meta)
	}
}

// toWriter is toFile for a writer.
func toWriter(w io.Writer) func([]weights.Tensor, map[string]string, error) error {
	return func(ts []weights.Tensor, meta map[string]string, err error) error {
		if err != nil {
			return err
		}
		return weights.Write(w, ts, meta)
	}
}

// Save writes the decoder as Encoder.Save writes an encoder, with
// torch.nn.TransformerDecoder's names (see LoadDecoder).
func (dec *Decoder) Save(path string, metadata map[string]string) error {
	return toFile(path)(dec.tensors("Decoder.Save", metadata))
}

// Encode writes what Save writes to w.
func (dec *Decoder) Encode(w io.Writer, metadata map[string]string) error {
	return toWriter(w)(dec.tensors("Decoder.Encode", metadata))
}
