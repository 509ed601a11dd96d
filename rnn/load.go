package rnn

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// ErrFormat is wrapped by the errors of Load and its relatives for a
// malformed file: truncated, a bad header, out-of-range or overlapping
// offsets, a dtype that is not floating-point, metadata that makes no
// sense, or tensors the model has no place for.
var ErrFormat = weights.ErrFormat

// ErrMissing is wrapped by the errors of Load and its relatives when a
// tensor the model needs is absent from the file.
var ErrMissing = weights.ErrMissing

// A LoadOption changes how Load reads a file; options take precedence over
// the file's __metadata__.
type LoadOption func(*loadOptions)

type loadOptions struct {
	activation, outputActivation Activation
	prefix, head, embedding      *string
	metadata                     *map[string]string
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
// caller's own (a tokenizer's vocabulary, say).
func WithMetadata(dst *map[string]string) LoadOption {
	return func(o *loadOptions) { o.metadata = dst }
}

// Load reads a network from a safetensors file holding a torch.nn.RNN
// state_dict as PyTorch names it: weight_ih_l{k}, weight_hh_l{k},
// bias_ih_l{k} and bias_hh_l{k}, and the same with _reverse, under an
// optional module prefix ("rnn."), plus an optional linear head
// (X.weight and X.bias for one module X). Files written by Net.Save,
// whose single biases are named bias_l{k}, load too.
//
// The number of layers, the sizes, the bias layout and bidirectionality
// come from the tensors' names and shapes. The hidden activation comes
// from WithActivation, else from the metadata key "nonlinearity" (tanh,
// relu or sigmoid), else it is tanh, as in PyTorch; the head's activation
// likewise from WithOutputActivation or "output_activation", else
// identity. Metadata keys that are nn.RNN constructor arguments
// (input_size, hidden_size, num_layers, bias, bidirectional) must agree
// with the tensors. Every tensor in the file must find a place.
//
// Errors wrap ErrFormat for a malformed file, ErrMissing for an absent
// tensor and ErrShape for a tensor of the wrong shape.
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

// LoadLM reads a language model from a safetensors file holding the state
// of a PyTorch module made of a torch.nn.Embedding (X.weight with no
// bias; absent for one-hot input), a unidirectional torch.nn.RNN (under
// any prefix) and a torch.nn.Linear head (Y.weight and Y.bias) producing
// the logits, as LM.Save writes it. The vocabulary is the head's output
// width. Options and errors are as for Load; the head's activation is
// always softmax.
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

// loadError carries a message and the sentinels it wraps.
type loadError struct {
	msg  string
	errs []error
}

func (e *loadError) Error() string   { return e.msg }
func (e *loadError) Unwrap() []error { return e.errs }

// loader maps a Net's parameters onto a file's tensors.
type loader struct {
	f    *weights.File
	src  string
	opts loadOptions
	meta map[string]string
	used map[string]bool
}

func newLoader(f *weights.File, src string, opts []LoadOption) *loader {
	l := &loader{f: f, src: src, meta: f.Metadata(), used: map[string]bool{}}
	for _, o := range opts {
		o(&l.opts)
	}
	if l.opts.metadata != nil {
		*l.opts.metadata = f.Metadata()
	}
	return l
}

func (l *loader) formatf(format string, args ...any) error {
	return &loadError{"rnn: " + l.src + "malformed model: " + fmt.Sprintf(format, args...), []error{ErrFormat}}
}

func (l *loader) missing(name, why string) error {
	return &loadError{fmt.Sprintf("rnn: %stensor %q missing%s", l.src, name, why), []error{ErrMissing}}
}

func (l *loader) shapef(format string, args ...any) error {
	return &loadError{"rnn: " + l.src + fmt.Sprintf(format, args...), []error{ErrShape, weights.ErrShape}}
}

// shape returns the shape of tensor name, which must exist and have rank
// dims, and marks it used.
func (l *loader) shape(name string, dims int, why string) ([]int, error) {
	s, err := l.f.Shape(name)
	if err != nil {
		return nil, l.missing(name, why)
	}
	if len(s) != dims {
		return nil, l.shapef("tensor %q has shape %v, want %d dimensions", name, s, dims)
	}
	l.used[name] = true
	return s, nil
}

// expect checks that tensor name exists with exactly the given shape.
func (l *loader) expect(name, why string, want ...int) error {
	s, err := l.shape(name, len(want), why)
	if err != nil {
		return err
	}
	if !slices.Equal(s, want) {
		return l.shapef("tensor %q has shape %v, want %v%s", name, s, want, why)
	}
	return nil
}

// activation parses a metadata activation name.
func (l *loader) activation(key string, allowed ...Activation) (Activation, error) {
	v, ok := l.meta[key]
	if !ok {
		return Default, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a.String()) {
			return a, nil
		}
	}
	return Default, l.formatf("metadata %s=%q is not one of %v", key, v, allowed)
}

// metaInt checks an integer metadata key against the value found.
func (l *loader) metaInt(key string, got int) (bool, int, error) {
	v, ok := l.meta[key]
	if !ok {
		return false, 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return false, 0, l.formatf("metadata %s=%q is not a size", key, v)
	}
	return n != got, n, nil
}

// metaBool reads a boolean metadata key ("True"/"False" as Python prints).
func (l *loader) metaBool(key string) (val, ok bool, err error) {
	v, ok := l.meta[key]
	if !ok {
		return false, false, nil
	}
	b, perr := strconv.ParseBool(v)
	if perr != nil {
		return false, false, l.formatf("metadata %s=%q is not a boolean", key, v)
	}
	return b, true, nil
}

// rnnPrefix finds the module prefix of the recurrent weights.
func (l *loader) rnnPrefix() (string, error) {
	if l.opts.prefix != nil {
		return *l.opts.prefix, nil
	}
	var found []string
	for _, n := range l.f.Names() {
		if p, ok := strings.CutSuffix(n, "weight_ih_l0"); ok && (p == "" || strings.HasSuffix(p, ".")) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return "", l.missing("weight_ih_l0", " (no torch.nn.RNN weights under any prefix)")
	case 1:
		return found[0], nil
	}
	return "", l.formatf("several RNNs (prefixes %q); choose one with WithPrefix", found)
}

// plan is what the tensors and metadata say the network is.
type plan struct {
	cfg    Config
	prefix string
	head   string // module name of the head; "" for none
	noHB   bool   // the head has no bias tensor
}

// inferNet derives the network's configuration from the tensors, checking
// every shape before anything is allocated.
func (l *loader) inferNet() (plan, error) {
	var p plan
	var err error
	if p.prefix, err = l.rnnPrefix(); err != nil {
		return p, err
	}
	pre := p.prefix
	s, err := l.shape(pre+"weight_ih_l0", 2, "")
	if err != nil {
		return p, err
	}
	c := &p.cfg
	c.Hidden, c.Input = s[0], s[1]
	if c.Hidden == 0 || c.Input == 0 {
		return p, l.shapef("tensor %q has shape %v: sizes must be positive", pre+"weight_ih_l0", s)
	}
	for c.Layers = 1; l.f.Has(fmt.Sprintf("%sweight_ih_l%d", pre, c.Layers)); c.Layers++ {
	}
	c.Bidirectional = l.f.Has(pre + "weight_ih_l0_reverse")
	pair := l.f.Has(pre+"bias_ih_l0") || l.f.Has(pre+"bias_hh_l0")
	single := l.f.Has(pre + "bias_l0")
	switch {
	case pair && single:
		return p, l.formatf("both %q and %q: two bias layouts", pre+"bias_ih_l0", pre+"bias_l0")
	case pair:
		c.Bias = BiasPair
	case single:
		c.Bias = BiasSingle
	default:
		c.Bias = BiasNone
	}

	// Metadata holding nn.RNN's constructor arguments must agree.
	if bad, n, err := l.metaInt("input_size", c.Input); err != nil {
		return p, err
	} else if bad {
		return p, l.shapef("metadata input_size=%d but %q has shape %v", n, pre+"weight_ih_l0", s)
	}
	if bad, n, err := l.metaInt("hidden_size", c.Hidden); err != nil {
		return p, err
	} else if bad {
		return p, l.shapef("metadata hidden_size=%d but %q has shape %v", n, pre+"weight_ih_l0", s)
	}
	if bad, n, err := l.metaInt("num_layers", c.Layers); err != nil {
		return p, err
	} else if bad && n > c.Layers {
		return p, l.missing(fmt.Sprintf("%sweight_ih_l%d", pre, c.Layers), fmt.Sprintf(" (metadata num_layers=%d)", n))
	} else if bad {
		return p, l.formatf("metadata num_layers=%d but the file has %d layers", n, c.Layers)
	}
	if b, ok, err := l.metaBool("bidirectional"); err != nil {
		return p, err
	} else if ok && b && !c.Bidirectional {
		return p, l.missing(pre+"weight_ih_l0_reverse", " (metadata bidirectional=True)")
	} else if ok && !b && c.Bidirectional {
		return p, l.formatf("metadata bidirectional=False but the file has %q", pre+"weight_ih_l0_reverse")
	}
	if b, ok, err := l.metaBool("bias"); err != nil {
		return p, err
	} else if ok && b && c.Bias == BiasNone {
		return p, l.missing(pre+"bias_ih_l0", " (metadata bias=True)")
	} else if ok && !b && c.Bias != BiasNone {
		return p, l.formatf("metadata bias=False but the file has biases")
	}

	// Every recurrent tensor, with the shape the sizes call for.
	dirs := c.Dirs()
	for k := range c.Layers {
		in := c.Input
		if k > 0 {
			in = dirs * c.Hidden
		}
		for d := range dirs {
			suf := fmt.Sprintf("_l%d", k)
			if d == 1 {
				suf += "_reverse"
			}
			if err := l.expect(pre+"weight_ih"+suf, "", c.Hidden, in); err != nil {
				return p, err
			}
			if err := l.expect(pre+"weight_hh"+suf, "", c.Hidden, c.Hidden); err != nil {
				return p, err
			}
			var biases []string
			switch c.Bias {
			case BiasPair:
				biases = []string{"bias_ih", "bias_hh"}
			case BiasSingle:
				biases = []string{"bias"}
			}
			for _, b := range biases {
				if err := l.expect(pre+b+suf, "", c.Hidden); err != nil {
					return p, err
				}
			}
		}
	}
	return p, nil
}

// modules lists the modules X outside the RNN that have a 2-D X.weight,
// split by whether X.bias exists too.
func (l *loader) modules() (withBias, withoutBias []string) {
	for _, n := range l.f.Names() {
		if l.used[n] {
			continue
		}
		m, ok := strings.CutSuffix(n, ".weight")
		if !ok {
			continue
		}
		if s, _ := l.f.Shape(n); len(s) != 2 {
			continue
		}
		if l.f.Has(m + ".bias") {
			withBias = append(withBias, m)
		} else {
			withoutBias = append(withoutBias, m)
		}
	}
	return withBias, withoutBias
}

// findHead decides the head module: the option, else the single module with
// a weight and a bias. required makes its absence an error.
func (l *loader) findHead(p *plan, required bool) error {
	if l.opts.head != nil {
		p.head = *l.opts.head
	} else {
		cands, _ := l.modules()
		switch {
		case len(cands) == 1:
			p.head = cands[0]
		case len(cands) > 1:
			return l.formatf("several possible heads %q; choose one with WithHead", cands)
		}
	}
	if p.head == "" {
		if required {
			return l.missing("X.weight", " (a linear head X with weight and bias for the logits)")
		}
		return nil
	}
	s, err := l.shape(p.head+".weight", 2, " (the head)")
	if err != nil {
		return err
	}
	if s[0] == 0 || s[1] != p.cfg.Width() {
		return l.shapef("head %q has shape %v, want [outputs %d] for the RNN's width %d", p.head+".weight", s, p.cfg.Width(), p.cfg.Width())
	}
	p.cfg.Output = s[0]
	if l.f.Has(p.head + ".bias") {
		return l.expect(p.head+".bias", " (the head)", s[0])
	}
	p.noHB = true
	return nil
}

// leftovers rejects tensors that found no place in the model.
func (l *loader) leftovers() error {
	for _, n := range l.f.Names() {
		if !l.used[n] {
			return l.formatf("tensor %q is not part of the model (use WithPrefix, WithHead or WithEmbedding, or LoadLM for a language model)", n)
		}
	}
	return nil
}

// fill copies the file's tensors into n's parameters; every shape has been
// checked by inferNet and findHead.
func (l *loader) fill(n *Net, p plan) error {
	for _, prm := range n.Params() {
		name := p.prefix + prm.Name
		if h, ok := strings.CutPrefix(prm.Name, "head."); ok {
			name = p.head + "." + h
			if h == "bias" && p.noHB {
				clear(prm.Data)
				continue
			}
		}
		if err := l.copy(prm, name); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) copy(prm Param, name string) error {
	shape := []int{prm.Rows, prm.Cols}
	if s, _ := l.f.Shape(name); len(s) == 1 {
		shape = []int{prm.Rows}
	}
	data, err := l.f.Float32s(name, shape...)
	if err != nil {
		return err // a dtype that does not convert: ErrFormat
	}
	copy(prm.Data, data)
	return nil
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
	if err := l.leftovers(); err != nil {
		return nil, err
	}
	if p.cfg.Activation, err = l.activation("nonlinearity", Tanh, ReLU, Sigmoid); err != nil {
		return nil, err
	}
	if l.opts.activation != Default {
		p.cfg.Activation = l.opts.activation
	}
	if p.cfg.Output > 0 {
		if p.cfg.OutputActivation, err = l.activation("output_activation", Identity, Sigmoid, Softmax); err != nil {
			return nil, err
		}
		if l.opts.outputActivation != Default {
			p.cfg.OutputActivation = l.opts.outputActivation
		}
	}
	n, err := newZero(p.cfg)
	if err != nil {
		return nil, err
	}
	if err := l.fill(n, p); err != nil {
		return nil, err
	}
	return n, nil
}

func loadLM(f *weights.File, src string, opts []LoadOption) (*LM, error) {
	l := newLoader(f, src, opts)
	p, err := l.inferNet()
	if err != nil {
		return nil, err
	}
	if p.cfg.Bidirectional {
		return nil, l.formatf("a language model's RNN cannot be bidirectional (%q)", p.prefix+"weight_ih_l0_reverse")
	}
	if err := l.findHead(&p, true); err != nil {
		return nil, err
	}
	vocab := p.cfg.Output
	var embed string
	if l.opts.embedding != nil {
		embed = *l.opts.embedding
	} else {
		_, cands := l.modules()
		switch {
		case len(cands) == 1:
			embed = cands[0]
		case len(cands) > 1:
			return nil, l.formatf("several possible embeddings %q; choose one with WithEmbedding", cands)
		}
	}
	if embed != "" {
		if err := l.expect(embed+".weight", " (the embedding)", vocab, p.cfg.Input); err != nil {
			return nil, err
		}
	} else if p.cfg.Input != vocab {
		return nil, l.shapef("one-hot input needs %q of shape [%d %d] for the head's vocabulary of %d",
			p.prefix+"weight_ih_l0", p.cfg.Hidden, vocab, vocab)
	}
	if err := l.leftovers(); err != nil {
		return nil, err
	}
	if p.cfg.Activation, err = l.activation("nonlinearity", Tanh, ReLU, Sigmoid); err != nil {
		return nil, err
	}
	if l.opts.activation != Default {
		p.cfg.Activation = l.opts.activation
	}
	p.cfg.OutputActivation = Softmax
	n, err := newZero(p.cfg)
	if err != nil {
		return nil, err
	}
	if err := l.fill(n, p); err != nil {
		return nil, err
	}
	m := &LM{Net: n, vocab: vocab}
	if embed != "" {
		m.Embed = kernel.NewMatrix(vocab, p.cfg.Input)
		if err := l.copy(Param{Rows: vocab, Cols: p.cfg.Input, Data: m.Embed.Data}, embed+".weight"); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ctorMetadata is nn.RNN's constructor arguments for cfg, as strings.
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
		"nonlinearity":  cfg.Activation.String(),
		"bias":          pyBool(cfg.Bias != BiasNone),
		"batch_first":   "False",
		"bidirectional": pyBool(cfg.Bidirectional),
	}
	if cfg.Output > 0 {
		m["output_activation"] = cfg.OutputActivation.String()
	}
	return m
}

// tensors lists the parameters as named tensors, the recurrent ones under
// prefix.
func tensors(ps []Param, prefix string) []weights.Tensor {
	ts := make([]weights.Tensor, len(ps))
	for i, p := range ps {
		shape := []int{p.Rows, p.Cols}
		if strings.HasPrefix(p.Name, "bias") || strings.HasSuffix(p.Name, ".bias") {
			shape = []int{p.Rows}
		}
		name := p.Name
		if !strings.Contains(name, ".") {
			name = prefix + name
		}
		ts[i] = weights.Tensor{Name: name, Shape: shape, Data: p.Data}
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
// weights under torch.nn.RNN's names (a BiasPair or BiasNone network's
// state_dict loads into nn.RNN as it is; a BiasSingle one names its biases
// bias_l{k}), the head as head.weight and head.bias, and in __metadata__
// nn.RNN's constructor arguments (input_size, hidden_size, num_layers,
// nonlinearity, bias, batch_first, bidirectional) and output_activation,
// added to the caller's metadata (which may be nil). The file is replaced
// atomically.
func (n *Net) Save(path string, metadata map[string]string) error {
	return weights.Save(path, tensors(n.Params(), ""), mergeMetadata(metadata, ctorMetadata(n.cfg)))
}

// Encode writes what Save writes to w.
func (n *Net) Encode(w io.Writer, metadata map[string]string) error {
	return weights.Write(w, tensors(n.Params(), ""), mergeMetadata(metadata, ctorMetadata(n.cfg)))
}

// Save writes the language model to path as a safetensors file that
// LoadLM reads back, with the names of a PyTorch module holding an
// nn.Embedding "embedding" (absent for one-hot input), an nn.RNN "rnn" and
// an nn.Linear "head", and the RNN's constructor arguments in
// __metadata__, added to the caller's metadata (which may be nil).
func (m *LM) Save(path string, metadata map[string]string) error {
	return weights.Save(path, tensors(m.Params(), "rnn."), mergeMetadata(metadata, ctorMetadata(m.Net.cfg)))
}

// Encode writes what Save writes to w.
func (m *LM) Encode(w io.Writer, metadata map[string]string) error {
	return weights.Write(w, tensors(m.Params(), "rnn."), mergeMetadata(metadata, ctorMetadata(m.Net.cfg)))
}
