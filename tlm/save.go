package tlm

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

// This file holds saving and loading a model as safetensors.
//
// The tensors, with torch-like names: embedding.weight (Vocab×DModel),
// pos_embedding.weight (MaxLen×DModel, learned positions only),
// encoder.… (torch.nn.TransformerEncoder's state_dict with its final
// norm, as nn.Encoder.Save names it), head.weight (Vocab×DModel) and
// head.bias (Vocab). The metadata: nn's constructor arguments (d_model,
// nhead, dim_feedforward, activation, norm_first, layer_norm_eps,
// num_layers, …), MetaArch = "transformer", simdcore.max_len,
// simdcore.positions ("sinusoidal" or "learned") and the tokenizer as
// rnn.TokenizerMetadata stores it.

// ErrFormat marks a malformed file (it is weights.ErrFormat, as
// rnn.ErrFormat and nn.ErrFormat are).
var ErrFormat = weights.ErrFormat

// MetaArch is the metadata key that marks a file as this package's model
// (value "transformer"); rnn's language models do not have it.
const MetaArch = "simdcore.arch"

const (
	archName      = "transformer"
	metaMaxLen    = "simdcore.max_len"
	metaPositions = "simdcore.positions"
	encoderPrefix = "encoder."
)

// IsModel reports whether metadata (a safetensors file's) marks a
// transformer language model of this package.
func IsModel(metadata map[string]string) bool { return metadata[MetaArch] == archName }

// Save writes the model to path as safetensors (replaced atomically), its
// metadata added to the caller's (which may be nil). A tokenizer that
// cannot be stored (not rnn.Bytes or *rnn.Chars) or does not have
// Vocab tokens is an error.
func (m *LM) Save(path string, metadata map[string]string) error {
	ts, meta, err := m.tensors(metadata)
	if err == nil {
		err = weights.Save(path, ts, meta)
	}
	return err
}

// Encode writes what Save writes to w.
func (m *LM) Encode(w io.Writer, metadata map[string]string) error {
	ts, meta, err := m.tensors(metadata)
	if err == nil {
		err = weights.Write(w, ts, meta)
	}
	return err
}

func (m *LM) tensors(user map[string]string) ([]weights.Tensor, map[string]string, error) {
	tok, err := rnn.TokenizerMetadata(m.Tokenizer, m.cfg.Vocab)
	if err != nil {
		return nil, nil, err
	}
	var enc bytes.Buffer
	if err := m.Encoder.Encode(&enc, user); err != nil {
		return nil, nil, err
	}
	f, err := weights.Read(bytes.NewReader(enc.Bytes()), int64(enc.Len()))
	if err != nil {
		return nil, nil, err
	}
	d, v := m.cfg.DModel, m.cfg.Vocab
	ts := []weights.Tensor{{Name: "embedding.weight", Shape: []int{v, d}, Data: m.Embed.Data}}
	positions := "sinusoidal"
	if m.cfg.Learned {
		positions = "learned"
		ts = append(ts, weights.Tensor{Name: "pos_embedding.weight", Shape: []int{m.cfg.MaxLen, d}, Data: m.Pos.Table.Data})
	}
	for _, name := range f.Names() {
		t, err := f.Tensor(name)
		if err != nil {
			return nil, nil, err
		}
		t.Name = encoderPrefix + name
		ts = append(ts, t)
	}
	ts = append(ts, weights.Tensor{Name: "head.weight", Shape: []int{v, d}, Data: m.Head.W.Data},
		weights.Tensor{Name: "head.bias", Shape: []int{v}, Data: m.Head.B})
	meta := f.Metadata()
	maps.Copy(meta, tok)
	meta[MetaArch] = archName
	meta[metaMaxLen] = strconv.Itoa(m.cfg.MaxLen)
	meta[metaPositions] = positions
	return ts, meta, nil
}

// Load reads a model that Save wrote (safetensors, whose metadata holds
// the configuration and tokenizer: a torch.save checkpoint, which
// weights reads too, has no metadata and is refused with a message that
// says so). Tensors under optim.StatePrefix (a
// training checkpoint's optimiser state) are ignored; any other tensor
// that finds no place is an error. Errors wrap ErrFormat for a malformed
// file or one that is not a transformer LM, and ErrShape (or nn's and
// weights' shape errors) for tensors of the wrong shape; NaN and Inf
// weights are refused.
func Load(path string) (*LM, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	return fromFile(f, path)
}

// Read is Load from a file of size bytes read from r.
func Read(r io.ReaderAt, size int64) (*LM, error) {
	f, err := weights.Read(r, size)
	if err != nil {
		return nil, err
	}
	return fromFile(f, "reader")
}

func fromFile(f *weights.File, src string) (*LM, error) {
	d := weights.NewDict(f, "tlm: "+src+": ", ErrShape)
	d.Ignore(optim.StatePrefix)
	if !IsModel(f.Metadata()) {
		hint := ""
		if f.Format() == weights.FormatTorch {
			hint = " (a torch.save checkpoint carries no metadata: Load reads the safetensors files Save writes, which hold the configuration and the tokenizer)"
		}
		return nil, d.Formatf("metadata %s is not %q: not a transformer language model%s", MetaArch, archName, hint)
	}
	enc, err := readEncoder(f)
	if err != nil {
		return nil, fmt.Errorf("tlm: %s: %w", src, err)
	}
	d.Ignore(encoderPrefix) // read and checked by nn
	s, err := d.TakeRank("embedding.weight", 2, "")
	if err != nil {
		return nil, err
	}
	l0 := enc.Layers[0]
	c := Config{Vocab: s[0], DModel: s[1], Heads: l0.SelfAttn.Heads, FF: l0.FF.Linear1.Out, Layers: len(enc.Layers),
		Activation: l0.FF.Activation, PostNorm: !l0.NormFirst}
	if c.DModel != enc.DModel() {
		return nil, d.Shapef("embedding.weight has width %d, the encoder d_model=%d", c.DModel, enc.DModel())
	}
	var ok bool
	if c.MaxLen, ok, err = d.Int(metaMaxLen, 1); !ok && err == nil {
		err = d.Formatf("no metadata %s", metaMaxLen)
	}
	if err != nil {
		return nil, err
	}
	var pos int
	if pos, ok, err = d.Choice(metaPositions, "sinusoidal", "learned"); !ok && err == nil {
		err = d.Formatf("no metadata %s", metaPositions)
	}
	if err != nil {
		return nil, err
	}
	c.Learned = pos == 1
	if c, err = c.normalized(); err != nil {
		return nil, d.Formatf("%v", err)
	}
	if c.Learned {
		// The table is allocated by build: check first that the file
		// holds it, so that a metadata max_len alone allocates nothing.
		if info, ok := f.Info("pos_embedding.weight"); ok && !slices.Equal(info.Shape, []int{c.MaxLen, c.DModel}) {
			return nil, d.Shapef("pos_embedding.weight has shape %v, want [%d %d] (metadata %s, d_model)", info.Shape, c.MaxLen, c.DModel, metaMaxLen)
		} else if !ok {
			return nil, d.Missing("pos_embedding.weight", " (learned positions)")
		}
	}
	m, err := build(c)
	if err != nil {
		return nil, err
	}
	m.Encoder = enc
	for _, t := range []struct {
		name string
		dst  []float32
		dims []int
	}{
		{"embedding.weight", m.Embed.Data, []int{c.Vocab, c.DModel}},
		{"head.weight", m.Head.W.Data, []int{c.Vocab, c.DModel}},
		{"head.bias", m.Head.B, []int{c.Vocab}},
	} {
		if err := takeInto(d, t.dst, t.name, t.dims...); err != nil {
			return nil, err
		}
	}
	if c.Learned {
		if err := takeInto(d, m.Pos.Table.Data, "pos_embedding.weight", c.MaxLen, c.DModel); err != nil {
			return nil, err
		}
	}
	if m.Tokenizer, err = rnn.ReadTokenizer(d, "head", c.Vocab); err != nil {
		return nil, err
	}
	return m, d.Leftovers("")
}

// takeInto copies the tensor name of shape dims into dst.
func takeInto(d *weights.Dict, dst []float32, name string, dims ...int) error {
	x, err := d.Take(name, "", dims...)
	if err == nil {
		copy(dst, x)
	}
	return err
}

// readEncoder reads the tensors under encoderPrefix with the file's
// metadata as nn.ReadEncoder reads a torch encoder.
func readEncoder(f *weights.File) (*nn.Encoder, error) {
	var ts []weights.Tensor
	for _, name := range f.Names() {
		if rest, ok := strings.CutPrefix(name, encoderPrefix); ok {
			t, err := f.Tensor(name)
			if err != nil {
				return nil, err
			}
			t.Name = rest
			ts = append(ts, t)
		}
	}
	var buf bytes.Buffer
	if err := weights.Write(&buf, ts, f.Metadata()); err != nil {
		return nil, err
	}
	enc, err := nn.ReadEncoder(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "")
	if err != nil {
		return nil, err
	}
	if enc.Norm == nil {
		return nil, fmt.Errorf("%w: the encoder has no final norm (encoder.norm.weight)", ErrFormat)
	}
	return enc, nil
}
