package rnn

import (
	"fmt"
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/optim"
)

// This file maps a safetensors file's tensors onto a Net: it infers the
// configuration from the tensors' names and shapes, checks every shape
// and the metadata before anything is allocated, and then copies.

// loader maps a Net's parameters onto a file's tensors, through a checked
// state_dict view whose errors start with "rnn: " and the file.
type loader struct {
	*weights.Dict
	opts loadOptions
}

func newLoader(f *weights.File, src string, opts []LoadOption) *loader {
	l := &loader{Dict: weights.NewDict(f, "rnn: "+src, ErrShape)}
	l.Ignore(optim.StatePrefix) // a training checkpoint's optimiser state
	for _, o := range opts {
		o(&l.opts)
	}
	if l.opts.metadata != nil {
		*l.opts.metadata = f.Metadata()
	}
	if l.opts.allowNonFinite {
		l.AllowNonFinite()
	}
	return l
}

// plan is what the tensors and metadata say the network is.
type plan struct {
	cfg    Config
	prefix string
	head   string // module name of the head; "" for none
	noHB   bool   // the head has no bias tensor
	// foldedSingle: a BiasSingle network saved by Save as torch's pair
	// (bias_ih holding the bias, bias_hh zeros; metadata
	// bias_layout=single).
	foldedSingle bool
	// quantized: the weight matrices are I8 with F32 scales (see
	// Net.Quantize).
	quantized bool
}

// activation returns an activation: the option opt unless it is
// Default, else the metadata value of key (one of allowed), else Default.
// The metadata value must be valid even when the option overrides it.
func (l *loader) activation(key string, opt Activation, allowed ...Activation) (Activation, error) {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = a.String()
	}
	i, ok, err := l.Choice(key, names...)
	switch {
	case err != nil:
		return Default, err
	case opt != Default:
		return opt, nil
	case ok:
		return allowed[i], nil
	}
	return Default, nil
}

// hiddenActivation reads an Elman cell's activation: the option, else
// the metadata's "nonlinearity", else the one its "mode" names
// (RNN_TANH, RNN_RELU, RNN_SIGMOID: torch's RNNBase.mode, which a file
// may hold without nonlinearity), else Default. A nonlinearity and a
// mode that name different activations are refused. The gated cells
// have none to read, and neither an option nor the metadata may give
// one.
func (l *loader) hiddenActivation(c Config) (Activation, error) {
	if c.Cell == Elman {
		a, err := l.activation("nonlinearity", Default, Tanh, ReLU, Sigmoid)
		if err != nil {
			return Default, err
		}
		// inferCell has checked that a mode names an Elman cell.
		if i, ok, err := l.Choice("mode", "RNN_TANH", "RNN_RELU", "RNN_SIGMOID"); err != nil {
			return Default, err
		} else if m := []Activation{Tanh, ReLU, Sigmoid}[i]; ok && a == Default {
			a = m
		} else if ok && a != m {
			nl, _ := l.Text("nonlinearity")
			mode, _ := l.Text("mode")
			return Default, l.Formatf("metadata nonlinearity=%q but mode=%q", nl, mode)
		}
		if l.opts.activation != Default {
			return l.opts.activation, nil
		}
		return a, nil
	}
	if v, ok := l.Text("nonlinearity"); ok {
		return Default, l.Formatf("metadata nonlinearity=%q on %s, whose activations are fixed", v, describe(c))
	}
	if l.opts.activation != Default {
		return Default, l.Formatf("WithActivation(%v) on %s, whose activations are fixed", l.opts.activation, describe(c))
	}
	return Default, nil
}

// rnnPrefix finds the module prefix of the recurrent weights. A
// single-layer cell's state_dict (torch's nn.LSTMCell, nn.GRUCell or
// nn.RNNCell: weight_ih, weight_hh, bias_ih, bias_hh) is read as the
// one-layer nn.LSTM, nn.GRU or nn.RNN it equals, its tensors aliased to
// the _l0 names (see aliasCell).
func (l *loader) rnnPrefix() (string, error) {
	if l.opts.prefix != nil {
		p := *l.opts.prefix
		if !l.Has(p+"weight_ih_l0") && l.Has(p+"weight_ih") && l.Has(p+"weight_hh") {
			l.aliasCell(p)
		}
		return p, nil
	}
	var found, cells []string
	for _, n := range l.Names() {
		if p, ok := strings.CutSuffix(n, "weight_ih_l0"); ok && (p == "" || strings.HasSuffix(p, ".")) {
			found = append(found, p)
		}
		if p, ok := strings.CutSuffix(n, "weight_ih"); ok && (p == "" || strings.HasSuffix(p, ".")) && l.Has(p+"weight_hh") {
			cells = append(cells, p)
		}
	}
	if len(found) == 0 && len(cells) > 0 {
		if len(cells) > 1 {
			return "", l.Formatf("several RNN cells (prefixes %q); choose one with WithPrefix", cells)
		}
		l.aliasCell(cells[0])
		return cells[0], nil
	}
	switch len(found) {
	case 0:
		return "", l.Missing("weight_ih_l0", " (no torch.nn.RNN weights under any prefix)")
	case 1:
		return found[0], nil
	}
	return "", l.Formatf("several RNNs (prefixes %q); choose one with WithPrefix", found)
}

// aliasCell reads the cell tensors under prefix p (weight_ih, weight_hh,
// bias_ih, bias_hh) as layer 0's.
func (l *loader) aliasCell(p string) {
	for _, t := range []string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"} {
		l.Alias(p+t+"_l0", p+t)
	}
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
	c := &p.cfg
	if err := l.inferCell(p.prefix, c); err != nil {
		return p, err
	}
	for c.Layers = 1; l.Has(fmt.Sprintf("%sweight_ih_l%d", pre, c.Layers)); c.Layers++ {
	}
	c.Bidirectional = l.Has(pre + "weight_ih_l0_reverse")
	pair := l.Has(pre+"bias_ih_l0") || l.Has(pre+"bias_hh_l0")
	single := l.Has(pre + "bias_l0")
	switch {
	case pair && single:
		return p, l.Formatf("both %q and %q: two bias layouts", l.FileName(pre+"bias_ih_l0"), pre+"bias_l0")
	case pair:
		c.Bias = BiasPair
		if i, ok, err := l.Choice("bias_layout", "single", "pair"); err != nil {
			return p, err
		} else if ok && i == 0 {
			c.Bias, p.foldedSingle = BiasSingle, true
		}
	case single:
		c.Bias = BiasSingle
	default:
		c.Bias = BiasNone
	}
	if err := l.checkCtorMetadata(p); err != nil {
		return p, err
	}
	found := " (" + describe(*c) + ", from " + l.FileName(pre+"weight_ih_l0") + " and " + l.FileName(pre+"weight_hh_l0") + ")"
	stored := *c
	if p.foldedSingle {
		stored.Bias = BiasPair
	}
	for _, t := range recurrentTensors(stored) {
		if err := l.TakeShape(pre+t.name, found, t.shape...); err != nil {
			return p, err
		}
	}
	return p, nil
}

// describe names a configuration in words, for errors: "a 4-gate LSTM
// with input 3, hidden 6, 2 layers, bidirectional".
func describe(c Config) string {
	s := fmt.Sprintf("a %d-gate %s with input %d, hidden %d", c.gates(), strings.ToUpper(c.Cell.String()), c.Input, c.Hidden)
	if c.Cell == Elman {
		s = fmt.Sprintf("an Elman RNN with input %d, hidden %d", c.Input, c.Hidden)
	}
	if c.Proj > 0 {
		s += fmt.Sprintf(", proj_size %d", c.Proj)
	}
	if c.Layers > 0 {
		s += fmt.Sprintf(", %d layers", c.Layers)
	}
	if c.Bidirectional {
		s += ", bidirectional"
	}
	return s
}

// inferCell reads the cell, Input, Hidden and Proj from the first layer's
// shapes: weight_ih_l0 is G·H×Input, weight_hh_l0 G·H×HiddenOut, and
// weight_hr_l0 (an LSTM with proj_size) P×H; G = 1, 3, 4 is Elman, GRU,
// LSTM. The metadata's "mode" (torch's RNN_TANH, RNN_RELU, LSTM, GRU, or
// our RNN_SIGMOID) and
// "proj_size", when present, must agree.
func (l *loader) inferCell(pre string, c *Config) error {
	ih, err := l.TakeRank(pre+"weight_ih_l0", 2, "")
	if err != nil {
		return err
	}
	hh, err := l.TakeRank(pre+"weight_hh_l0", 2, "")
	if err != nil {
		return err
	}
	GH, HO := ih[0], hh[1]
	c.Input = ih[1]
	if GH == 0 || c.Input == 0 || HO == 0 {
		return l.Shapef("tensors %q %v and %q %v: sizes must be positive", l.FileName(pre+"weight_ih_l0"), ih, l.FileName(pre+"weight_hh_l0"), hh)
	}
	if hh[0] != GH {
		return l.Shapef("tensor %q has shape %v but %q has %v: both need G·hidden rows", l.FileName(pre+"weight_hh_l0"), hh, l.FileName(pre+"weight_ih_l0"), ih)
	}
	c.Hidden = HO
	if n, ok, err := l.Int("proj_size", 0); err != nil {
		return err
	} else if ok && n > 0 && !l.Has(pre+"weight_hr_l0") {
		return l.Missing(pre+"weight_hr_l0", fmt.Sprintf(" (metadata proj_size=%d: an LSTM's projection)", n))
	}
	if l.Has(pre + "weight_hr_l0") {
		hr, err := l.TakeRank(pre+"weight_hr_l0", 2, "")
		if err != nil {
			return err
		}
		c.Cell, c.Proj, c.Hidden = LSTM, hr[0], hr[1]
		if c.Proj != HO || c.Hidden == 0 || GH != 4*c.Hidden || c.Proj >= c.Hidden {
			return l.Shapef("tensors %q %v, %q %v and %q %v are not an LSTM with proj_size (want [4·H in], [4·H P], [P H], 0 < P < H)",
				l.FileName(pre+"weight_ih_l0"), ih, l.FileName(pre+"weight_hh_l0"), hh, pre+"weight_hr_l0", hr)
		}
	} else {
		switch GH {
		case HO:
			c.Cell = Elman
		case 3 * HO:
			c.Cell = GRU
		case 4 * HO:
			c.Cell = LSTM
		default:
			return l.Shapef("tensors %q %v and %q %v: %d rows are not 1, 3 or 4 gates (Elman, GRU, LSTM) of hidden %d",
				l.FileName(pre+"weight_ih_l0"), ih, l.FileName(pre+"weight_hh_l0"), hh, GH, HO)
		}
	}
	modes := []string{"RNN_TANH", "RNN_RELU", "RNN_SIGMOID", "LSTM", "GRU"}
	cells := []CellType{Elman, Elman, Elman, LSTM, GRU}
	if i, ok, err := l.Choice("mode", modes...); err != nil {
		return err
	} else if ok && cells[i] != c.Cell {
		return l.Shapef("metadata mode=%s but the tensors are %s", modes[i], describe(*c))
	}
	if n, ok, err := l.Int("proj_size", 0); err != nil {
		return err
	} else if ok && n != c.Proj {
		return l.Shapef("metadata proj_size=%d but the tensors are %s", n, describe(*c))
	}
	return nil
}

// checkCtorMetadata checks that the metadata holding the module's
// constructor arguments agrees with the configuration inferred from the
// tensors.
func (l *loader) checkCtorMetadata(p plan) error {
	c, pre := p.cfg, p.prefix
	if n, ok, err := l.Int("input_size", 0); err != nil {
		return err
	} else if ok && n != c.Input {
		return l.Shapef("metadata input_size=%d but the tensors are %s", n, describe(c))
	}
	if n, ok, err := l.Int("hidden_size", 0); err != nil {
		return err
	} else if ok && n != c.Hidden {
		return l.Shapef("metadata hidden_size=%d but the tensors are %s", n, describe(c))
	}
	if n, ok, err := l.Int("num_layers", 0); err != nil {
		return err
	} else if ok && n > c.Layers {
		return l.Missing(fmt.Sprintf("%sweight_ih_l%d", pre, c.Layers), fmt.Sprintf(" (metadata num_layers=%d)", n))
	} else if ok && n != c.Layers {
		return l.Formatf("metadata num_layers=%d but the file has %d layers", n, c.Layers)
	}
	if b, ok, err := l.Bool("bidirectional"); err != nil {
		return err
	} else if ok && b && !c.Bidirectional {
		return l.Missing(pre+"weight_ih_l0_reverse", " (metadata bidirectional=True)")
	} else if ok && !b && c.Bidirectional {
		return l.Formatf("metadata bidirectional=False but the file has %q", pre+"weight_ih_l0_reverse")
	}
	// batch_first is torch's input layout, which Load's users choose
	// anew (each sequence is T×Input): it need only be a boolean.
	if _, _, err := l.Bool("batch_first"); err != nil {
		return err
	}
	if b, ok, err := l.Bool("bias"); err != nil {
		return err
	} else if ok && b && c.Bias == BiasNone {
		return l.Missing(l.FileName(pre+"bias_ih_l0"), " (metadata bias=True)")
	} else if ok && !b && c.Bias != BiasNone {
		return l.Formatf("metadata bias=False but the file has biases")
	}
	return nil
}

// tensorSpec is the name (without the module prefix) and shape of one
// tensor.
type tensorSpec struct {
	name  string
	shape []int
}

// recurrentTensors lists every recurrent tensor a network of
// configuration c has, with torch.nn.RNN's names and the shapes the sizes
// call for, in Params order. It is where the loader's shape checks come
// from.
func recurrentTensors(c Config) []tensorSpec {
	var ts []tensorSpec
	dirs, GH := c.Dirs(), c.gates()*c.Hidden
	for k := range c.Layers {
		in := c.Input
		if k > 0 {
			in = c.Width()
		}
		for d := range dirs {
			suf := fmt.Sprintf("_l%d", k)
			if d == 1 {
				suf += "_reverse"
			}
			ts = append(ts,
				tensorSpec{"weight_ih" + suf, []int{GH, in}},
				tensorSpec{"weight_hh" + suf, []int{GH, c.HiddenOut()}})
			switch c.Bias {
			case BiasPair:
				ts = append(ts, tensorSpec{"bias_ih" + suf, []int{GH}}, tensorSpec{"bias_hh" + suf, []int{GH}})
			case BiasSingle:
				ts = append(ts, tensorSpec{"bias" + suf, []int{GH}})
			}
			if c.Proj > 0 {
				ts = append(ts, tensorSpec{"weight_hr" + suf, []int{c.Proj, c.Hidden}})
			}
		}
	}
	return ts
}

// modules lists the modules X outside the RNN that have a 2-D X.weight,
// split by whether X.bias exists too.
func (l *loader) modules() (withBias, withoutBias []string) {
	for _, n := range l.Names() {
		if l.Taken(n) {
			continue
		}
		m, ok := strings.CutSuffix(n, ".weight")
		if !ok {
			continue
		}
		if s, _ := l.Shape(n); len(s) != 2 {
			continue
		}
		if l.Has(m + ".bias") {
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
			return l.Formatf("several possible heads %q; choose one with WithHead", cands)
		}
	}
	if p.head == "" {
		if required {
			return l.Missing("X.weight", " (a linear head X with weight and bias for the logits)")
		}
		return nil
	}
	s, err := l.TakeRank(p.head+".weight", 2, " (the head)")
	if err != nil {
		return err
	}
	if s[0] == 0 || s[1] != p.cfg.Width() {
		return l.Shapef("head %q has shape %v, want [outputs %d] for the RNN's width %d", p.head+".weight", s, p.cfg.Width(), p.cfg.Width())
	}
	p.cfg.Output = s[0]
	if l.Has(p.head + ".bias") {
		return l.TakeShape(p.head+".bias", " (the head)", s[0])
	}
	p.noHB = true
	return nil
}

// findEmbedding decides a language model's embedding module, "" for
// one-hot input: the option, else the single module with a weight and no
// bias. Its shape, or the one-hot input width, must fit the vocabulary.
func (l *loader) findEmbedding(p plan, vocab int) (string, error) {
	var embed string
	if l.opts.embedding != nil {
		embed = *l.opts.embedding
	} else {
		_, cands := l.modules()
		switch {
		case len(cands) == 1:
			embed = cands[0]
		case len(cands) > 1:
			return "", l.Formatf("several possible embeddings %q; choose one with WithEmbedding", cands)
		}
	}
	if embed != "" {
		return embed, l.TakeShape(embed+".weight", " (the embedding)", vocab, p.cfg.Input)
	}
	if p.cfg.Input != vocab {
		return "", l.Shapef("one-hot input needs %q of shape [%d %d] for the head's vocabulary of %d",
			l.FileName(p.prefix+"weight_ih_l0"), p.cfg.gates()*p.cfg.Hidden, vocab, vocab)
	}
	return "", nil
}

// leftovers rejects tensors that found no place in the model.
func (l *loader) leftovers() error {
	return l.Leftovers(" (use WithPrefix, WithHead or WithEmbedding, or LoadLM for a language model)")
}

// net allocates the network p describes and copies the file's tensors into
// its parameters; every shape has been checked by inferNet and findHead.
func (l *loader) net(p plan) (*Net, error) {
	n, err := newShape(p.cfg, p.quantized)
	if err != nil {
		return nil, err
	}
	for _, prm := range n.Params() {
		if p.quantized && prm.Data == nil {
			continue // an int8 matrix: l.int8Weights below
		}
		name := p.prefix + prm.Name
		if h, ok := strings.CutPrefix(prm.Name, "head."); ok {
			name = p.head + "." + h
			if h == "bias" && p.noHB {
				clear(prm.Data)
				continue
			}
		}
		if suf, ok := strings.CutPrefix(prm.Name, "bias_l"); ok && p.foldedSingle {
			name = p.prefix + "bias_ih_l" + suf
			if err := l.requireZero(p.prefix + "bias_hh_l" + suf); err != nil {
				return nil, err
			}
		}
		if err := l.copy(prm, name); err != nil {
			return nil, err
		}
	}
	if p.quantized {
		if err := l.int8Weights(p, n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// requireZero checks that the bias tensor name (already shape-checked)
// holds zeros, as Save writes a single bias's unused half.
func (l *loader) requireZero(name string) error {
	s, _ := l.Shape(name)
	data, err := l.Float32s(name, s...)
	if err != nil {
		return err
	}
	for i, v := range data {
		if v != 0 {
			return l.Formatf("metadata bias_layout=single but %q[%d] = %g is not zero", name, i, v)
		}
	}
	return nil
}

// copy fills prm with the data of the tensor name, whose shape has been
// checked.
func (l *loader) copy(prm Param, name string) error {
	shape := []int{prm.Rows, prm.Cols}
	if s, _ := l.Shape(name); len(s) == 1 {
		shape = []int{prm.Rows}
	}
	data, err := l.Float32s(name, shape...)
	if err != nil {
		return err // a dtype that does not convert: ErrFormat
	}
	copy(prm.Data, data)
	return nil
}
