package rnn

import (
	"io"
	"maps"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
)

// This file writes a Net or an LM as a safetensors file that Load, LoadLM
// and PyTorch read back.

// ctorMetadata is the torch module's constructor arguments for cfg, as
// strings, with its "mode" and our "bias_layout".
func ctorMetadata(cfg Config) map[string]string {
	pyBool := func(b bool) string {
		if b {
			return "True"
		}
		return "False"
	}
	m := map[string]string{
		"input_size":    strconv.Itoa(cfg.Input),
		"hidden_size":   strconv.Itoa(cfg.Hidden),
		"num_layers":    strconv.Itoa(cfg.Layers),
		"bias":          pyBool(cfg.Bias != BiasNone),
		"batch_first":   "False",
		"bidirectional": pyBool(cfg.Bidirectional),
	}
	switch cfg.Cell {
	case Elman:
		m["nonlinearity"] = cfg.Activation.String()
		m["mode"] = "RNN_" + strings.ToUpper(cfg.Activation.String())
	case LSTM:
		m["mode"] = "LSTM"
		m["proj_size"] = strconv.Itoa(cfg.Proj)
	default:
		m["mode"] = strings.ToUpper(cfg.Cell.String())
	}
	if cfg.Bias == BiasSingle {
		m["bias_layout"] = "single"
	}
	if cfg.Output > 0 {
		m["output_activation"] = cfg.OutputActivation.String()
	}
	return m
}

// tensors lists the parameters as named tensors, the recurrent ones under
// prefix. A single bias bias_l{k} is written as torch's pair, bias_ih_l{k}
// holding it and bias_hh_l{k} zeros, so that torch loads the file
// strictly (ctorMetadata's bias_layout=single lets Load fold it back).
func tensors(ps []Param, prefix string) []weights.Tensor {
	ts := make([]weights.Tensor, 0, len(ps))
	for _, p := range ps {
		shape := []int{p.Rows, p.Cols}
		if strings.HasPrefix(p.Name, "bias") || strings.HasSuffix(p.Name, ".bias") {
			shape = []int{p.Rows}
		}
		name := p.Name
		if !strings.Contains(name, ".") {
			name = prefix + name
		}
		if suf, ok := strings.CutPrefix(p.Name, "bias_l"); ok {
			ts = append(ts,
				weights.Tensor{Name: prefix + "bias_ih_l" + suf, Shape: shape, Data: p.Data},
				weights.Tensor{Name: prefix + "bias_hh_l" + suf, Shape: shape, Data: make([]float32, len(p.Data))})
			continue
		}
		ts = append(ts, weights.Tensor{Name: name, Shape: shape, Data: p.Data})
	}
	return ts
}

func mergeMetadata(user, own map[string]string) map[string]string {
	m := maps.Clone(user)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, own)
	return m
}

// Save writes the network to path as a safetensors file that Load reads
// back and PyTorch's safetensors.torch.load_file reads: the recurrent
// weights under torch's names, so that the state_dict loads into
// nn.RNN, nn.LSTM or nn.GRU with load_state_dict(strict=True) for every
// cell, topology and bias layout (a BiasSingle network writes its bias
// as bias_ih_l{k} and zeros as bias_hh_l{k}, which sum to the same
// model), the head as head.weight and head.bias, and in __metadata__ the
// module's constructor arguments (input_size, hidden_size, num_layers,
// bias, batch_first, bidirectional, and nonlinearity for Elman or
// proj_size for LSTM), its mode (RNN_TANH, RNN_RELU, LSTM, GRU; a
// sigmoid Elman net, which torch does not have, writes RNN_SIGMOID),
// bias_layout=single for BiasSingle, and output_activation, added to
// the caller's metadata (which may be nil). The file is replaced
// atomically. A quantized network (Quantize) writes its weight matrices
// as I8 tensors with F32 "<name>.scale" tensors beside them and the
// metadata QuantizedKey; Load reads that back, PyTorch's modules do not.
func (n *Net) Save(path string, metadata map[string]string) error {
	if err := n.refuseVariant("Save"); err != nil {
		return err
	}
	return weights.Save(path, n.fileTensors(n.Params(), ""), mergeMetadata(metadata, n.fileMetadata()))
}

// Encode writes what Save writes to w.
func (n *Net) Encode(w io.Writer, metadata map[string]string) error {
	if err := n.refuseVariant("Encode"); err != nil {
		return err
	}
	return weights.Write(w, n.fileTensors(n.Params(), ""), mergeMetadata(metadata, n.fileMetadata()))
}

// Save writes the language model to path as a safetensors file that
// LoadLM reads back, with the names of a PyTorch module holding an
// nn.Embedding "embedding" (absent for one-hot input), an nn.RNN "rnn" and
// an nn.Linear "head", and in __metadata__ the RNN's constructor
// arguments and the Tokenizer, if any (see LoadLM for its keys), added to
// the caller's metadata (which may be nil). The Tokenizer must be Bytes or
// a *Chars with the model's vocabulary. The file is replaced atomically.
func (m *LM) Save(path string, metadata map[string]string) error {
	meta, err := m.metadata(metadata)
	if err != nil {
		return err
	}
	return weights.Save(path, m.Net.fileTensors(m.Params(), "rnn."), meta)
}

// Encode writes what Save writes to w.
func (m *LM) Encode(w io.Writer, metadata map[string]string) error {
	meta, err := m.metadata(metadata)
	if err != nil {
		return err
	}
	return weights.Write(w, m.Net.fileTensors(m.Params(), "rnn."), meta)
}

// metadata is the caller's metadata with the RNN's constructor arguments
// and the tokenizer added.
func (m *LM) metadata(user map[string]string) (map[string]string, error) {
	tok, err := TokenizerMetadata(m.Tokenizer, m.vocab)
	if err != nil {
		return nil, err
	}
	own := m.Net.fileMetadata()
	maps.Copy(own, tok)
	return mergeMetadata(user, own), nil
}
