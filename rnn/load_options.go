package rnn

// This file holds the options of Load, Read, LoadLM and ReadLM.

import "github.com/simdcore/simdcore/internal/weights"

// ErrNonFinite is wrapped, with ErrFormat, by the loaders' error for a
// weight that is NaN or infinite: such a file is refused unless loaded
// with AllowNonFinite. The error names the tensor and the first bad
// element.
var ErrNonFinite = weights.ErrNonFinite

// A LoadOption changes how Load reads a file; options take precedence over
// the file's __metadata__.
type LoadOption func(*loadOptions)

type loadOptions struct {
	activation, outputActivation Activation
	prefix, head, embedding      *string
	metadata                     *map[string]string
	allowNonFinite               bool
}

// AllowNonFinite accepts weights that are NaN or infinite, which the
// loaders refuse by default (ErrNonFinite): a model trained to diverge
// then loads, and its outputs are NaN.
func AllowNonFinite() LoadOption {
	return func(o *loadOptions) { o.allowNonFinite = true }
}

// WithActivation sets the hidden activation (Tanh, ReLU or Sigmoid),
// overriding the file's "nonlinearity" metadata.
func WithActivation(a Activation) LoadOption {
	return func(o *loadOptions) { o.activation = a }
}

// WithOutputActivation sets the head's activation (Identity, Sigmoid or
// Softmax), overriding the file's "output_activation" metadata. Load
// ignores it for a file without a head; LoadLM always uses Softmax.
func WithOutputActivation(a Activation) LoadOption {
	return func(o *loadOptions) { o.outputActivation = a }
}

// WithPrefix names the module prefix of the recurrent weights, such as
// "rnn." for "rnn.weight_ih_l0", when the file holds more than one RNN.
// By default Load finds the single tensor named [prefix]weight_ih_l0.
func WithPrefix(prefix string) LoadOption {
	return func(o *loadOptions) { o.prefix = &prefix }
}

// WithHead names the module of the linear head, such as "fc" for
// "fc.weight" and "fc.bias" ("" for none). By default the head is the one
// module outside the RNN that has both a 2-D weight and a bias; a missing
// bias loads as zeros.
func WithHead(module string) LoadOption {
	return func(o *loadOptions) { o.head = &module }
}

// WithEmbedding names the module of a language model's embedding, such as
// "encoder" for "encoder.weight" ("" for one-hot input). By default it is
// the one module outside the RNN with a 2-D weight and no bias, as
// torch.nn.Embedding has.
func WithEmbedding(module string) LoadOption {
	return func(o *loadOptions) { o.embedding = &module }
}

// WithMetadata stores the file's __metadata__ in *dst, for keys of the
// caller's own (how many steps a model was trained, say).
func WithMetadata(dst *map[string]string) LoadOption {
	return func(o *loadOptions) { o.metadata = dst }
}
