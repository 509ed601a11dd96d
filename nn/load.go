package nn

// This file reads torch's Transformer stacks and layers from safetensors
// files and torch.save checkpoints; save.go writes them.

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// A LoadOption changes how the loaders read a file.
type LoadOption func(*loadOptions)

type loadOptions struct {
	allowNonFinite bool
	heads          int
	activation     *Activation
	normFirst      *bool
	eps            *float32
}

// AllowNonFinite accepts weights that are NaN or infinite, which the
// loaders refuse by default (ErrNonFinite): the model then loads, and its
// outputs are NaN.
func AllowNonFinite() LoadOption {
	return func(o *loadOptions) { o.allowNonFinite = true }
}

// Heads gives nhead for a file whose metadata does not say it (the
// tensors' shapes do not); if the metadata says it too, they must agree.
func Heads(n int) LoadOption {
	return func(o *loadOptions) { o.heads = n }
}

// FFActivation gives the feed-forward activation for a file whose
// metadata does not say it (a torch.save checkpoint has no metadata, and
// the tensors do not say it); if the metadata says it too, they must
// agree. Without either it is ReLU, torch's default.
func FFActivation(a Activation) LoadOption {
	return func(o *loadOptions) { o.activation = &a }
}

// NormFirst gives norm_first for a file whose metadata does not say it;
// if the metadata says it too, they must agree. Without either it is
// false, torch's default.
func NormFirst(b bool) LoadOption {
	return func(o *loadOptions) { o.normFirst = &b }
}

// LayerNormEps gives layer_norm_eps for a file whose metadata does not
// say it; if the metadata says it too, they must agree (as float32).
// Without either it is 1e-5, torch's default.
func LayerNormEps(eps float32) LoadOption {
	return func(o *loadOptions) { o.eps = &eps }
}

// loader reads one file through a checked state_dict view.
type loader struct {
	*weights.Dict
	cfg  Config
	opts loadOptions
	// bias is torch's bias argument: every Linear, attention and
	// LayerNorm of the model has its bias, or none has.
	bias bool
	// layersKey is the metadata key that counts the layers of the stack
	// being read: num_layers, or nn.Transformer's num_encoder_layers and
	// num_decoder_layers.
	layersKey string
}

func newLoader(f *weights.File, fn, src string, opts []LoadOption) *loader {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	l := &loader{Dict: weights.NewDict(f, "nn."+fn+": "+src, ErrShape), layersKey: "num_layers"}
	if o.allowNonFinite {
		l.AllowNonFinite()
	}
	l.cfg.Heads = o.heads
	l.opts = o
	return l
}

// noMetadata is added to the message about a constructor argument the
// file does not say: a torch.save checkpoint has no metadata at all.
func (l *loader) noMetadata() string {
	if l.Format() == weights.FormatTorch {
		return " (a torch.save checkpoint carries no metadata: give the option)"
	}
	return ""
}

// config reads the constructor arguments from the metadata and checks
// them against the shapes of the first layer (under first, such as
// "layers.0."): d_model from its self_attn.out_proj.weight,
// dim_feedforward from its linear1.weight.
func (l *loader) config(first string) error {
	s, err := l.Shape(first + "self_attn.out_proj.weight")
	if err != nil {
		return l.Missing(first+"self_attn.out_proj.weight", " (no Transformer layer under this prefix)")
	}
	if len(s) != 2 || s[0] != s[1] || s[0] <= 0 || s[0] > attn.MaxDModel {
		return l.Shapef("tensor %q has shape %v, want [d_model d_model] with 0 < d_model ≤ %d", first+"self_attn.out_proj.weight", s, attn.MaxDModel)
	}
	l.cfg.DModel = s[0]
	if s, err = l.Shape(first + "linear1.weight"); err != nil {
		return l.Missing(first+"linear1.weight", "")
	}
	if len(s) != 2 || s[0] <= 0 || s[0] > maxWidth {
		return l.Shapef("tensor %q has shape %v, want [dim_feedforward d_model] with 0 < dim_feedforward ≤ %d", first+"linear1.weight", s, maxWidth)
	}
	l.cfg.FF = s[0]
	l.bias = l.Has(first + "linear1.bias")
	if !l.bias {
		for _, other := range []string{"linear2.bias", "self_attn.in_proj_bias", "self_attn.out_proj.bias", "norm1.bias"} {
			if l.Has(first + other) {
				return l.Missing(first+"linear1.bias", fmt.Sprintf(" (%q is present: the model has biases)", first+other))
			}
		}
	}
	if b, ok, err := l.Bool("bias"); err != nil {
		return err
	} else if ok && b != l.bias {
		return l.Formatf("metadata bias=%v but %q is %s", pyBool(b), first+"linear1.bias", map[bool]string{true: "present", false: "absent"}[l.bias])
	}
	for _, md := range []struct {
		key  string
		want int
	}{{"d_model", l.cfg.DModel}, {"dim_feedforward", l.cfg.FF}} {
		if n, ok, err := l.Int(md.key, 1); err != nil {
			return err
		} else if ok && n != md.want {
			return l.Shapef("metadata %s=%d but the tensors say %d", md.key, n, md.want)
		}
	}
	n, ok, err := l.Int("nhead", 1)
	switch {
	case err != nil:
		return err
	case ok && l.cfg.Heads != 0 && n != l.cfg.Heads:
		return l.Formatf("metadata nhead=%d but the option Heads says %d", n, l.cfg.Heads)
	case ok:
		l.cfg.Heads = n
	case l.cfg.Heads == 0:
		return l.Formatf("the number of heads is unknown: no nhead metadata and no Heads option%s", l.noMetadata())
	}
	if l.cfg.Heads <= 0 || l.cfg.DModel%l.cfg.Heads != 0 {
		return l.Shapef("nhead=%d does not divide d_model=%d", l.cfg.Heads, l.cfg.DModel)
	}
	return l.optionalConfig()
}

// optionalConfig reads the constructor arguments the tensors do not
// say, from the metadata or the options (which must agree), or else
// torch's defaults.
func (l *loader) optionalConfig() error {
	o := &l.opts
	if o.activation != nil {
		if a := *o.activation; a != ReLU && a != GELU && a != GELUTanh {
			return l.Formatf("the option FFActivation gives activation %d, which is none of relu, gelu, gelu_tanh", int(a))
		}
		l.cfg.Activation = *o.activation
	}
	if i, ok, err := l.Choice("activation", ReLU.String(), GELU.String(), GELUTanh.String()); err != nil {
		return err
	} else if ok {
		if o.activation != nil && *o.activation != Activation(i) {
			return l.Formatf("metadata activation=%s but the option FFActivation says %s", Activation(i), *o.activation)
		}
		l.cfg.Activation = Activation(i)
	}
	if o.normFirst != nil {
		l.cfg.NormFirst = *o.normFirst
	}
	if b, ok, err := l.Bool("norm_first"); err != nil {
		return err
	} else if ok {
		if o.normFirst != nil && *o.normFirst != b {
			return l.Formatf("metadata norm_first=%s but the option NormFirst says %s", pyBool(b), pyBool(*o.normFirst))
		}
		l.cfg.NormFirst = b
	}
	l.cfg.Eps = kernel.DefaultLayerNormEps
	if o.eps != nil {
		if x := *o.eps; !(x >= 0) || math.IsInf(float64(x), 1) {
			return l.Formatf("the option LayerNormEps gives %g, not a finite number ≥ 0", x)
		}
		l.cfg.Eps = *o.eps
	}
	if x, ok, err := l.Float("layer_norm_eps"); err != nil {
		return err
	} else if ok {
		if !(x >= 0) || x > math.MaxFloat32 {
			return l.Formatf("metadata layer_norm_eps=%g is not a finite number ≥ 0", x)
		}
		if o.eps != nil && *o.eps != float32(x) {
			return l.Formatf("metadata layer_norm_eps=%g but the option LayerNormEps says %g", x, *o.eps)
		}
		l.cfg.Eps = float32(x)
	}
	return nil
}

// layers counts the layers of a stack under pre from the names
// pre+"layers.<i>.…", which must run from 0 without a gap, and checks
// metadata num_layers.
func (l *loader) layers(pre string) (int, error) {
	n := 0
	for _, name := range l.Names() {
		rest, ok := strings.CutPrefix(name, pre+"layers.")
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= maxLayers || strconv.Itoa(i) != idx {
			return 0, l.Formatf("tensor %q: layer index %q is not an integer in 0…%d", name, idx, maxLayers-1)
		}
		n = max(n, i+1)
	}
	if n == 0 {
		return 0, l.Missing(pre+"layers.0.self_attn.in_proj_weight", " (no layers under this prefix)")
	}
	if k, ok, err := l.Int(l.layersKey, 1); err != nil {
		return 0, err
	} else if ok && k != n {
		return 0, l.Shapef("metadata %s=%d but the file has %d layers", l.layersKey, k, n)
	}
	return n, nil
}

// attention takes a packed nn.MultiheadAttention(d_model, nhead) under
// pre: in_proj_weight, out_proj.weight and, with bias, in_proj_bias and
// out_proj.bias.
func (l *loader) attention(pre string) (*attn.MultiHead, error) {
	e := l.cfg.DModel
	m, err := attn.NewMultiHead(e, l.cfg.Heads, l.bias)
	if err != nil {
		return nil, l.Shapef("%v", err)
	}
	if err := l.takeInto(m.InProj.Data, pre+"in_proj_weight", " (nn.MultiheadAttention's packed layout)", 3*e, e); err != nil {
		return nil, err
	}
	if err := l.takeInto(m.OutProj.Data, pre+"out_proj.weight", "", e, e); err != nil {
		return nil, err
	}
	if l.bias {
		if err := l.takeInto(m.InBias, pre+"in_proj_bias", "", 3*e); err != nil {
			return nil, err
		}
		if err := l.takeInto(m.OutBias, pre+"out_proj.bias", "", e); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// takeInto takes the tensor name of shape and copies it into dst.
func (l *loader) takeInto(dst []float32, name, why string, shape ...int) error {
	data, err := l.Take(name, why, shape...)
	if err != nil {
		return err
	}
	copy(dst, data)
	return nil
}

// linear takes an nn.Linear(in, out) under pre (with a bias if the
// model has biases).
func (l *loader) linear(pre string, in, out int) (Linear, error) {
	lin, err := NewLinear(in, out, l.bias)
	if err != nil {
		return Linear{}, l.Shapef("%v", err)
	}
	if err := l.takeInto(lin.W.Data, pre+"weight", "", out, in); err != nil {
		return Linear{}, err
	}
	if lin.B != nil {
		if err := l.takeInto(lin.B, pre+"bias", "", out); err != nil {
			return Linear{}, err
		}
	}
	return *lin, nil
}

// norm takes an nn.LayerNorm(d_model, eps) under pre: its weight and, if
// the model has biases, its bias.
func (l *loader) norm(pre string) (LayerNorm, error) {
	d := l.cfg.DModel
	n := LayerNorm{Dim: d, Eps: l.cfg.Eps, Weight: make([]float32, d)}
	if err := l.takeInto(n.Weight, pre+"weight", "", d); err != nil {
		return n, err
	}
	if l.bias {
		n.Bias = make([]float32, d)
		if err := l.takeInto(n.Bias, pre+"bias", "", d); err != nil {
			return n, err
		}
	}
	return n, nil
}

// feedForward takes linear1 and linear2 under pre.
func (l *loader) feedForward(pre string) (FeedForward, error) {
	f := FeedForward{Activation: l.cfg.Activation}
	var err error
	if f.Linear1, err = l.linear(pre+"linear1.", l.cfg.DModel, l.cfg.FF); err != nil {
		return f, err
	}
	f.Linear2, err = l.linear(pre+"linear2.", l.cfg.FF, l.cfg.DModel)
	return f, err
}

// encoderLayer takes an nn.TransformerEncoderLayer under pre.
func (l *loader) encoderLayer(pre string) (*EncoderLayer, error) {
	sa, err := l.attention(pre + "self_attn.")
	if err != nil {
		return nil, err
	}
	lay := &EncoderLayer{SelfAttn: sa, NormFirst: l.cfg.NormFirst}
	if lay.FF, err = l.feedForward(pre); err != nil {
		return nil, err
	}
	if lay.Norm1, err = l.norm(pre + "norm1."); err != nil {
		return nil, err
	}
	lay.Norm2, err = l.norm(pre + "norm2.")
	return lay, err
}

// decoderLayer takes an nn.TransformerDecoderLayer under pre.
func (l *loader) decoderLayer(pre string) (*DecoderLayer, error) {
	sa, err := l.attention(pre + "self_attn.")
	if err != nil {
		return nil, err
	}
	ca, err := l.attention(pre + "multihead_attn.")
	if err != nil {
		return nil, err
	}
	lay := &DecoderLayer{SelfAttn: sa, CrossAttn: ca, NormFirst: l.cfg.NormFirst}
	if lay.FF, err = l.feedForward(pre); err != nil {
		return nil, err
	}
	for _, n := range []struct {
		dst  *LayerNorm
		name string
	}{{&lay.Norm1, "norm1."}, {&lay.Norm2, "norm2."}, {&lay.Norm3, "norm3."}} {
		if *n.dst, err = l.norm(pre + n.name); err != nil {
			return nil, err
		}
	}
	return lay, nil
}

// finalNorm takes a stack's final norm under pre+"norm.", or returns nil
// if the file has none.
func (l *loader) finalNorm(pre string) (*LayerNorm, error) {
	if !l.Has(pre + "norm.weight") {
		return nil, nil // a lone norm.bias is left over
	}
	n, err := l.norm(pre + "norm.")
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// loadFile opens path and builds a model from it with build.
func loadFile[T any](path, fn string, opts []LoadOption, build func(*loader) (T, error)) (T, error) {
	f, err := weights.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	return build(newLoader(f, fn, path+": ", opts))
}

// readFile is loadFile for a file of size bytes read from r.
func readFile[T any](r io.ReaderAt, size int64, fn string, opts []LoadOption, build func(*loader) (T, error)) (T, error) {
	f, err := weights.Read(r, size)
	if err != nil {
		var zero T
		return zero, err
	}
	return build(newLoader(f, fn, "", opts))
}

// stackOf reads a stack under pre: its configuration, its layers with
// layer and its final norm; what names torch's module for Leftovers.
func stackOf[L any](l *loader, pre, what string, layer func(string) (L, error)) ([]L, *LayerNorm, error) {
	ls, norm, err := stackLayers(l, pre, layer)
	if err != nil {
		return nil, nil, err
	}
	return ls, norm, l.Leftovers(leftoverHint(l, what))
}

// leftoverHint is Leftovers' hint for a stack: what torch's module is
// and, for a file that holds a whole nn.Transformer, the loader that
// reads one.
func leftoverHint(l *loader, what string) string {
	for _, n := range l.Names() {
		if strings.Contains(n, "decoder.layers.") || strings.Contains(n, "encoder.layers.") {
			return " (not in an " + what + "; a whole nn.Transformer's state_dict loads with LoadTransformer)"
		}
	}
	return " (not in an " + what + ")"
}

// stackLayers is stackOf without the check for leftovers.
func stackLayers[L any](l *loader, pre string, layer func(string) (L, error)) ([]L, *LayerNorm, error) {
	n, err := l.layers(pre)
	if err != nil {
		return nil, nil, err
	}
	if err := l.config(pre + "layers.0."); err != nil {
		return nil, nil, err
	}
	ls := make([]L, n)
	for i := range ls {
		if ls[i], err = layer(pre + layerPrefix(i)); err != nil {
			return nil, nil, err
		}
	}
	norm, err := l.finalNorm(pre)
	if err != nil {
		return nil, nil, err
	}
	return ls, norm, nil
}

// layerOf reads one layer under pre with layer.
func layerOf[L any](l *loader, pre, what string, layer func(string) (L, error)) (L, error) {
	var zero L
	if err := l.config(pre); err != nil {
		return zero, err
	}
	lay, err := layer(pre)
	if err != nil {
		return zero, err
	}
	return lay, l.Leftovers(" (not in an " + what + ")")
}

// LoadEncoder reads a torch.nn.TransformerEncoder's state_dict saved as
// safetensors (safetensors.torch.save_file(m.state_dict(), path,
// metadata)) or with torch.save (torch.save(m.state_dict(), path), told
// apart by the file's first bytes): under prefix ("" for the module itself, "encoder." inside
// an nn.Transformer), for each layer i the tensors
// layers.<i>.self_attn.in_proj_weight (3d×d), .in_proj_bias (3d),
// .out_proj.weight (d×d), .out_proj.bias (d), layers.<i>.linear1.weight
// (ff×d) and .bias (ff), linear2.weight (d×ff) and .bias (d),
// norm1.weight, norm1.bias, norm2.weight, norm2.bias (d), and the final
// norm.weight and norm.bias if the encoder has one. (A whole
// nn.Transformer's state_dict, with its decoder beside, loads with
// LoadTransformer.) Every bias may be
// absent (the bias=False of later torch versions), but then all are, as
// linear1.bias of layer 0 says. F16, BF16 and F64 tensors are converted.
//
// The metadata holds the constructor arguments as strings: nhead
// (required unless the option Heads gives it), and optionally d_model,
// dim_feedforward and num_layers (checked against the tensors),
// activation ("relu", the default, "gelu" or "gelu_tanh"), norm_first
// ("True"/"False", default False), layer_norm_eps (default 1e-5) and bias
// (checked against the tensors). The options Heads, FFActivation,
// NormFirst and LayerNormEps give nhead, activation, norm_first and
// layer_norm_eps for a file that does not say them, as a torch.save
// checkpoint, which has no metadata, never does (the tensors do not say
// them either); where the metadata says them too, the two must agree.
// Every layer has the same shapes, and every tensor in the file under
// prefix and outside it must find a place.
//
// Errors wrap ErrFormat for a malformed file or metadata, ErrMissing for
// an absent tensor and ErrShape (and weights.ErrShape) for a tensor of
// the wrong shape; a weight that is NaN or infinite is refused
// (ErrNonFinite, with ErrFormat) unless AllowNonFinite is given. A path
// that is not a regular file is refused without blocking.
func LoadEncoder(path, prefix string, opts ...LoadOption) (*Encoder, error) {
	return loadFile(path, "LoadEncoder", opts, encoderAt(prefix))
}

// ReadEncoder is LoadEncoder from a file of size bytes read from r.
func ReadEncoder(r io.ReaderAt, size int64, prefix string, opts ...LoadOption) (*Encoder, error) {
	return readFile(r, size, "ReadEncoder", opts, encoderAt(prefix))
}

// encoderAt reads an encoder under prefix.
func encoderAt(prefix string) func(*loader) (*Encoder, error) {
	return func(l *loader) (*Encoder, error) {
		ls, norm, err := stackOf(l, prefix, "nn.TransformerEncoder", l.encoderLayer)
		if err != nil {
			return nil, err
		}
		return &Encoder{Layers: ls, Norm: norm}, nil
	}
}

// LoadDecoder reads a torch.nn.TransformerDecoder's state_dict as
// LoadEncoder reads an encoder's, each layer also with
// multihead_attn.in_proj_weight, .in_proj_bias, .out_proj.weight,
// .out_proj.bias and norm3.weight, norm3.bias.
func LoadDecoder(path, prefix string, opts ...LoadOption) (*Decoder, error) {
	return loadFile(path, "LoadDecoder", opts, decoderAt(prefix))
}

// ReadDecoder is LoadDecoder from a file of size bytes read from r.
func ReadDecoder(r io.ReaderAt, size int64, prefix string, opts ...LoadOption) (*Decoder, error) {
	return readFile(r, size, "ReadDecoder", opts, decoderAt(prefix))
}

// decoderAt reads a decoder under prefix.
func decoderAt(prefix string) func(*loader) (*Decoder, error) {
	return func(l *loader) (*Decoder, error) {
		ls, norm, err := stackOf(l, prefix, "nn.TransformerDecoder", l.decoderLayer)
		if err != nil {
			return nil, err
		}
		return &Decoder{Layers: ls, Norm: norm}, nil
	}
}

// LoadEncoderLayer reads one torch.nn.TransformerEncoderLayer's
// state_dict (self_attn.in_proj_weight, linear1.weight, norm1.weight,
// ... under prefix), with the metadata and errors of LoadEncoder
// (num_layers is not read).
func LoadEncoderLayer(path, prefix string, opts ...LoadOption) (*EncoderLayer, error) {
	return loadFile(path, "LoadEncoderLayer", opts, func(l *loader) (*EncoderLayer, error) {
		return layerOf(l, prefix, "nn.TransformerEncoderLayer", l.encoderLayer)
	})
}

// LoadDecoderLayer reads one torch.nn.TransformerDecoderLayer's
// state_dict as LoadEncoderLayer reads an encoder layer's.
func LoadDecoderLayer(path, prefix string, opts ...LoadOption) (*DecoderLayer, error) {
	return loadFile(path, "LoadDecoderLayer", opts, func(l *loader) (*DecoderLayer, error) {
		return layerOf(l, prefix, "nn.TransformerDecoderLayer", l.decoderLayer)
	})
}
