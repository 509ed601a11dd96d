package attn

import (
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// This file writes a MultiHead as a safetensors file that LoadMultiHead
// and PyTorch read back.

func (m *MultiHead) tensors(metadata map[string]string) ([]weights.Tensor, map[string]string, error) {
	if err := m.check("Save"); err != nil {
		return nil, nil, err
	}
	e, kv := m.DModel, m.kvWidth()
	var ts []weights.Tensor
	switch {
	case m.quant != nil:
		ts = m.int8Tensors()
	case m.packed():
		ts = append(ts, weights.Tensor{Name: "in_proj_weight", Shape: []int{3 * e, e}, Data: dense(m.InProj)})
	case m.packable(): // torch has in_proj_weight for these shapes
		in := slices.Concat(dense(m.QProj), dense(m.KProj), dense(m.VProj))
		ts = append(ts, weights.Tensor{Name: "in_proj_weight", Shape: []int{3 * e, e}, Data: in})
	default:
		ts = append(ts,
			weights.Tensor{Name: "q_proj_weight", Shape: []int{e, e}, Data: dense(m.QProj)},
			weights.Tensor{Name: "k_proj_weight", Shape: []int{kv, m.kDim()}, Data: dense(m.KProj)},
			weights.Tensor{Name: "v_proj_weight", Shape: []int{kv, m.vDim()}, Data: dense(m.VProj)})
	}
	if m.quant == nil {
		ts = append(ts, weights.Tensor{Name: "out_proj.weight", Shape: []int{e, e}, Data: dense(m.OutProj)})
	}
	if m.InBias != nil {
		ts = append(ts, weights.Tensor{Name: "in_proj_bias", Shape: []int{e + 2*kv}, Data: m.InBias})
	}
	if m.OutBias != nil {
		ts = append(ts, weights.Tensor{Name: "out_proj.bias", Shape: []int{e}, Data: m.OutBias})
	}
	meta := maps.Clone(metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	meta["embed_dim"] = strconv.Itoa(e)
	meta["num_heads"] = strconv.Itoa(m.Heads)
	meta["bias"] = "False"
	if m.InBias != nil || m.OutBias != nil {
		meta["bias"] = "True"
	}
	meta["batch_first"] = "True"
	if !m.packable() {
		meta["kdim"] = strconv.Itoa(m.kDim())
		meta["vdim"] = strconv.Itoa(m.vDim())
	}
	if m.NumKVHeads() != m.Heads {
		meta["num_kv_heads"] = strconv.Itoa(m.NumKVHeads())
	}
	if m.quant != nil {
		meta[QuantizedKey] = QuantizedScheme
		if m.QuantizedResidual() {
			meta[QuantizedKey] = QuantizedResidualScheme
		}
	}
	if r := m.Rotary; r != nil {
		meta["rotary_dims"] = strconv.Itoa(r.dims)
		meta["rotary_base"] = strconv.FormatFloat(r.base, 'g', -1, 64)
		meta["rotary_interleaved"] = strconv.FormatBool(r.interleaved)
	}
	return ts, meta, nil
}

// Save writes the model to path as a safetensors file that LoadMultiHead
// reads back and PyTorch's safetensors.torch.load_file reads, with
// torch.nn.MultiheadAttention's tensor names and, in __metadata__, its
// constructor arguments embed_dim, num_heads, bias and batch_first
// (True: MultiHead's rows are time steps), and kdim and vdim for the
// separate layout, added to the caller's metadata (which may be nil).
// Query, key and value weights of d_model×d_model are written as
// in_proj_weight whatever the layout, other widths as q_proj_weight,
// k_proj_weight and v_proj_weight, as torch does. A grouped-query model
// (which torch.nn.MultiheadAttention cannot hold) adds num_kv_heads, and
// Rotary adds rotary_dims, rotary_base and rotary_interleaved; all of them
// LoadMultiHead reads back. A model with only one of the two biases loads
// into PyTorch only with strict=False. The file is replaced atomically.
func (m *MultiHead) Save(path string, metadata map[string]string) error {
	ts, meta, err := m.tensors(metadata)
	if err != nil {
		return err
	}
	return weights.Save(path, ts, meta)
}

// Encode writes what Save writes to w.
func (m *MultiHead) Encode(w io.Writer, metadata map[string]string) error {
	ts, meta, err := m.tensors(metadata)
	if err != nil {
		return err
	}
	return weights.Write(w, ts, meta)
}

// dense returns w's elements row after row, without the stride's padding.
func dense(w kernel.Matrix) []float32 {
	if w.Stride == w.Cols {
		return w.Data[:w.Rows*w.Cols]
	}
	out := make([]float32, 0, w.Rows*w.Cols)
	for i := range w.Rows {
		out = append(out, w.Row(i)...)
	}
	return out
}
