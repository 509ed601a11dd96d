package rnn

import (
	"io"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the entry points that read a Net or an LM from a
// safetensors file or a torch.save checkpoint; loader.go maps the file's
// tensors onto the model.

// ErrFormat is wrapped by the errors of Load and its relatives for a
// malformed file: truncated, a bad header, out-of-range or overlapping
// offsets, a dtype that is not floating-point, metadata that makes no
// sense, or tensors the model has no place for.
var ErrFormat = weights.ErrFormat

// ErrMissing is wrapped by the errors of Load and its relatives when a
// tensor the model needs is absent from the file.
var ErrMissing = weights.ErrMissing

// Load reads a network from a safetensors file, or a checkpoint of
// torch.save (torch.save(model.state_dict(), "model.pt"), told apart by
// its first bytes), holding a torch.nn.RNN, nn.LSTM or nn.GRU state_dict
// as PyTorch names it: weight_ih_l{k},
// weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k} (an LSTM
// with proj_size), and the same with _reverse, under an optional module
// prefix ("rnn."), plus an optional linear head (X.weight and X.bias for
// one module X). Older files of Net.Save, whose single biases are named
// bias_l{k}, load too. The state_dict of a single-step cell (torch's
// nn.LSTMCell, nn.GRUCell or nn.RNNCell: weight_ih, weight_hh, bias_ih,
// bias_hh under one prefix, where no weight_ih_l0 is) loads as the
// one-layer nn.LSTM, nn.GRU or nn.RNN it equals, so the sequence a torch
// loop steps the cell over is Forward's; Save writes it with the _l0
// names.
//
// The cell, the number of layers, the sizes, the bias layout and
// bidirectionality come from the tensors' names and shapes: weight_ih_l0
// has G·Hidden rows, with G = 1 (Elman), 3 (GRU) or 4 (LSTM), and
// weight_hh_l0 Hidden columns (proj_size with weight_hr_l0). An error
// about a shape says what the first layer made the loader expect ("a
// 4-gate LSTM with input 3, hidden 6, 2 layers"). An Elman cell's
// activation comes from WithActivation, else from the metadata key
// "nonlinearity" (tanh, relu or sigmoid), else from "mode" (RNN_TANH,
// RNN_RELU, RNN_SIGMOID; a file whose two keys disagree is refused),
// else it is tanh, as in PyTorch (a torch.save checkpoint has no
// metadata: a relu nn.RNN's needs WithActivation); the head's activation likewise from
// WithOutputActivation or "output_activation", else identity. Metadata
// keys that are torch's constructor arguments (input_size, hidden_size,
// num_layers, bias, bidirectional, proj_size) and "mode" (RNN_TANH,
// RNN_RELU, LSTM, GRU) must agree with the tensors, and batch_first
// must be a boolean (the layout of torch's input, which Load's callers
// choose anew: each sequence is T×Input); "bias_layout" = "single" (written by
// Save) reads a pair whose bias_hh is zero as one bias. Every tensor in
// the file must find a place, except those whose names start with
// optim.StatePrefix ("optim."): an optimiser's state saved beside the
// weights in a training checkpoint, which Load ignores (see package
// optim for the names). A file with metadata QuantizedKey (written by
// Save of a quantized network) holds I8 weight matrices and their F32
// "<name>.scale" tensors, and loads into a quantized network (Quantized)
// without float weights; an int8 weight holding −128, or a scale that is
// negative or not finite, is refused (ErrFormat).
//
// Errors wrap ErrFormat for a malformed file, ErrMissing for an absent
// tensor and ErrShape for a tensor of the wrong shape. A weight that is
// NaN or infinite is refused (ErrNonFinite, with ErrFormat) unless the
// option AllowNonFinite is given. A path that is not
// a regular file (a FIFO, a device) is refused without blocking.
func Load(path string, opts ...LoadOption) (*Net, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	return loadNet(f, path+": ", opts)
}

// Read is Load from a file of size bytes read from r, such as a
// bytes.Reader over an embedded model.
func Read(r io.ReaderAt, size int64, opts ...LoadOption) (*Net, error) {
	f, err := weights.Read(r, size)
	if err != nil {
		return nil, err
	}
	return loadNet(f, "", opts)
}

// LoadLM reads a language model from a safetensors file or torch.save
// checkpoint holding the state
// of a PyTorch module made of a torch.nn.Embedding (X.weight with no
// bias; absent for one-hot input), a unidirectional torch.nn.RNN (under
// any prefix) and a torch.nn.Linear head (Y.weight and Y.bias) producing
// the logits, as LM.Save writes it. The vocabulary is the head's output
// width. Options and errors are as for Load, and like Load it ignores an
// optimiser's state (tensors under "optim."); the head's activation is
// always softmax. The tokenizer LM.Save stored, if any, becomes the
// LM's Tokenizer: metadata simdcore.tokenizer is "bytes" for Bytes (256
// tokens) or "chars" for Chars, whose vocabulary, its runes in token
// order, is simdcore.vocab.
func LoadLM(path string, opts ...LoadOption) (*LM, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	return loadLM(f, path+": ", opts)
}

// ReadLM is LoadLM from a file of size bytes read from r.
func ReadLM(r io.ReaderAt, size int64, opts ...LoadOption) (*LM, error) {
	f, err := weights.Read(r, size)
	if err != nil {
		return nil, err
	}
	return loadLM(f, "", opts)
}

func loadNet(f *weights.File, src string, opts []LoadOption) (*Net, error) {
	l := newLoader(f, src, opts)
	p, err := l.inferNet()
	if err != nil {
		return nil, err
	}
	if err := l.findHead(&p, false); err != nil {
		return nil, err
	}
	if err := l.takeScales(&p); err != nil {
		return nil, err
	}
	if err := l.leftovers(); err != nil {
		return nil, err
	}
	if p.cfg.Activation, err = l.hiddenActivation(p.cfg); err != nil {
		return nil, err
	}
	if p.cfg.Output > 0 {
		p.cfg.OutputActivation, err = l.activation("output_activation", l.opts.outputActivation, Identity, Sigmoid, Softmax)
		if err != nil {
			return nil, err
		}
	}
	return l.net(p)
}

func loadLM(f *weights.File, src string, opts []LoadOption) (*LM, error) {
	l := newLoader(f, src, opts)
	p, err := l.inferNet()
	if err != nil {
		return nil, err
	}
	if p.cfg.Bidirectional {
		return nil, l.Formatf("a language model's RNN cannot be bidirectional (%q)", p.prefix+"weight_ih_l0_reverse")
	}
	if err := l.findHead(&p, true); err != nil {
		return nil, err
	}
	if err := l.takeScales(&p); err != nil {
		return nil, err
	}
	vocab := p.cfg.Output
	embed, err := l.findEmbedding(p, vocab)
	if err != nil {
		return nil, err
	}
	if err := l.leftovers(); err != nil {
		return nil, err
	}
	tok, err := ReadTokenizer(l.Dict, p.head, vocab)
	if err != nil {
		return nil, err
	}
	if p.cfg.Activation, err = l.hiddenActivation(p.cfg); err != nil {
		return nil, err
	}
	p.cfg.OutputActivation = Softmax
	n, err := l.net(p)
	if err != nil {
		return nil, err
	}
	m := &LM{Net: n, Tokenizer: tok, vocab: vocab}
	if embed != "" {
		m.Embed = kernel.NewMatrix(vocab, p.cfg.Input)
		if err := l.copy(Param{Rows: vocab, Cols: p.cfg.Input, Data: m.Embed.Data}, embed+".weight"); err != nil {
			return nil, err
		}
	}
	return m, nil
}
