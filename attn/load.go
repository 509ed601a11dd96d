package attn

// This file reads a MultiHead from a safetensors file or a torch.save
// checkpoint; save.go writes one.

import (
	"io"

	"github.com/simdcore/simdcore/internal/weights"
)

// ErrFormat is wrapped by the errors of LoadMultiHead and ReadMultiHead
// for a malformed file: truncated, a bad header, out-of-range or
// overlapping offsets, a dtype that is not floating-point, metadata that
// makes no sense or asks for what MultiHead does not support, or tensors
// the model has no place for.
var ErrFormat = weights.ErrFormat

// ErrMissing is wrapped by the errors of LoadMultiHead and ReadMultiHead
// when a tensor the model needs is absent from the file.
var ErrMissing = weights.ErrMissing

// LoadMultiHead reads a torch.nn.MultiheadAttention state_dict saved as
// safetensors (for example with safetensors.torch.save_file(m.state_dict()))
// or with torch.save (torch.save(m.state_dict(), "attn.pt"); told apart by
// the file's first bytes; such a file has no metadata, so heads must be
// given):
// prefix+"in_proj_weight" (3E×E), or prefix+"q_proj_weight" (E×E),
// "k_proj_weight" (E×kdim) and "v_proj_weight" (E×vdim) as torch writes
// them when kdim or vdim ≠ E, prefix+"in_proj_bias" (3E),
// prefix+"out_proj.weight" (E×E) and prefix+"out_proj.bias" (E), where
// prefix is the module path ("" for the module itself, "attn." inside a
// parent). The biases are optional but go together (bias=False). heads is
// the number of heads; 0 takes it from the file's "num_heads" metadata
// (PyTorch's constructor argument), and it must divide E. F16, BF16 and
// F64 tensors are converted. Metadata embed_dim, kdim, vdim and bias must
// agree with the tensors; add_bias_kv and add_zero_attn, which MultiHead
// does not implement, must be false if present. Every tensor in the file
// must find a place: add_bias_kv's bias_k and bias_v are refused as such.
// add_zero_attn leaves no tensor, so a file without that metadata cannot
// show it: such a model loads, and MultiHead computes its attention
// without the zero key and value.
//
// Separate q/k/v weights of E×E load into the packed layout (InProj);
// other widths give the separate layout (QProj, KProj, VProj). A
// grouped-query model, as Save writes it, has k_proj_weight and
// v_proj_weight of (KVHeads·d_head) rows and in_proj_bias of
// E + 2·KVHeads·d_head; its KVHeads follows from those shapes (metadata
// num_kv_heads, if present, must agree). Metadata rotary_dims, rotary_base
// and rotary_interleaved, as Save writes them, set Rotary.
//
// Errors wrap ErrFormat for a malformed file (and for a file that does not
// say its number of heads when heads is 0), ErrMissing for an absent
// tensor and ErrShape for a tensor of the wrong shape. A weight that is
// NaN or infinite is refused (ErrNonFinite, with ErrFormat) unless the
// option AllowNonFinite is given. A path that is not
// a regular file (a FIFO, a device) is refused without blocking.
func LoadMultiHead(path, prefix string, heads int, opts ...LoadOption) (*MultiHead, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	return loadMultiHead(f, path+": ", prefix, heads, opts)
}

// ReadMultiHead is LoadMultiHead from a file of size bytes read from r,
// such as a bytes.Reader over an embedded model.
func ReadMultiHead(r io.ReaderAt, size int64, prefix string, heads int, opts ...LoadOption) (*MultiHead, error) {
	f, err := weights.Read(r, size)
	if err != nil {
		return nil, err
	}
	return loadMultiHead(f, "", prefix, heads, opts)
}

// ErrNonFinite is wrapped, with ErrFormat, by the errors of LoadMultiHead
// and ReadMultiHead for a weight that is NaN or infinite, unless the
// option AllowNonFinite is given. The error names the tensor and the
// first bad element.
var ErrNonFinite = weights.ErrNonFinite

// A LoadOption changes how LoadMultiHead and ReadMultiHead read a file.
type LoadOption func(*loadOptions)

type loadOptions struct {
	allowNonFinite bool
}

// AllowNonFinite accepts weights that are NaN or infinite, which the
// loaders refuse by default (ErrNonFinite): the model then loads, and its
// outputs are NaN.
func AllowNonFinite() LoadOption {
	return func(o *loadOptions) { o.allowNonFinite = true }
}

func loadMultiHead(f *weights.File, src, pre string, heads int, opts []LoadOption) (*MultiHead, error) {
	l := weights.NewDict(f, "attn.LoadMultiHead: "+src, ErrShape)
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.allowNonFinite {
		l.AllowNonFinite()
	}
	if !f.Has(pre+"in_proj_weight") && !f.Has(pre+"q_proj_weight") {
		return nil, l.Missing(pre+"in_proj_weight", " (no torch.nn.MultiheadAttention weights under this prefix)")
	}

	// d_model from out_proj.weight, which every layout has.
	s, err := f.Shape(pre + "out_proj.weight")
	if err != nil {
		return nil, l.Missing(pre+"out_proj.weight", "")
	}
	if len(s) != 2 || s[0] != s[1] || s[0] == 0 {
		return nil, l.Shapef("tensor %q has shape %v, want [E E] with E > 0", pre+"out_proj.weight", s)
	}
	e := s[0]

	// Metadata: PyTorch's constructor arguments.
	if n, ok, err := l.Int("embed_dim", 1); err != nil {
		return nil, err
	} else if ok && n != e {
		return nil, l.Shapef("metadata embed_dim=%d but %q has shape %v", n, pre+"out_proj.weight", s)
	}
	for _, key := range []string{"add_bias_kv", "add_zero_attn"} {
		if b, _, err := l.Bool(key); err != nil {
			return nil, err
		} else if b {
			return nil, l.Formatf("metadata %s=True is not supported by MultiHead", key)
		}
	}
	if heads == 0 {
		n, ok, err := l.Int("num_heads", 1)
		if err != nil {
			return nil, err
		}
		if !ok {
			hint := ""
			if l.Format() == weights.FormatTorch {
				hint = " (a torch.save checkpoint carries no metadata: give heads)"
			}
			return nil, l.Formatf("the number of heads is unknown: heads=0 and no num_heads metadata%s", hint)
		}
		heads = n
	}
	if heads <= 0 || e%heads != 0 {
		return nil, l.Shapef("%d heads do not divide embed_dim %d", heads, e)
	}
	c := MultiHeadConfig{DModel: e, Heads: heads}
	packed := f.Has(pre + "in_proj_weight")
	if !packed {
		// The separate layout's shapes give kdim, vdim and the key/value
		// heads: k_proj_weight is (KVHeads·d_head)×kdim.
		var sh [2][]int
		for i, n := range []string{"k_proj_weight", "v_proj_weight"} {
			if sh[i], err = f.Shape(pre + n); err != nil {
				return nil, l.Missing(pre+n, "")
			}
			if len(sh[i]) != 2 || sh[i][0] == 0 || sh[i][1] == 0 || sh[i][1] > MaxDModel || sh[i][0] > e || sh[i][0]%(e/heads) != 0 || sh[i][0] != sh[0][0] {
				return nil, l.Shapef("tensor %q has shape %v, want [KVHeads·%d W] with KVHeads dividing %d heads and 0 < W ≤ %d, k and v alike",
					pre+n, sh[i], e/heads, heads, MaxDModel)
			}
		}
		c.KVHeads, c.KDim, c.VDim = sh[0][0]/(e/heads), sh[0][1], sh[1][1]
		if heads%c.KVHeads != 0 {
			return nil, l.Shapef("tensor %q has shape %v: %d key/value heads do not divide %d heads", pre+"k_proj_weight", sh[0], c.KVHeads, heads)
		}
	}
	for _, md := range []struct {
		key  string
		want int
	}{{"kdim", c.KDim}, {"vdim", c.VDim}, {"num_kv_heads", c.KVHeads}} {
		want := md.want
		if want == 0 {
			want = e
			if md.key == "num_kv_heads" {
				want = heads
			}
		}
		if n, ok, err := l.Int(md.key, 1); err != nil {
			return nil, err
		} else if ok && n != want {
			return nil, l.Shapef("metadata %s=%d but the tensors say %d", md.key, n, want)
		}
	}
	rot, err := loadRotary(l)
	if err != nil {
		return nil, err
	}
	if rot != nil && rot.dims > e/heads {
		return nil, l.Shapef("metadata rotary_dims=%d: Rotary rotates %d features of heads of %d", rot.dims, rot.dims, e/heads)
	}
	hasInBias, hasOutBias := f.Has(pre+"in_proj_bias"), f.Has(pre+"out_proj.bias")
	switch {
	case hasInBias && !hasOutBias:
		return nil, l.Missing(pre+"out_proj.bias", " (the biases go together)")
	case hasOutBias && !hasInBias:
		return nil, l.Missing(pre+"in_proj_bias", " (the biases go together)")
	}
	if b, ok, err := l.Bool("bias"); err != nil {
		return nil, err
	} else if ok && b && !hasInBias {
		return nil, l.Missing(pre+"in_proj_bias", " (metadata bias=True)")
	} else if ok && !b && (hasInBias || hasOutBias) {
		return nil, l.Formatf("metadata bias=False but the file has biases")
	}

	// Check every shape and that every tensor has a place, then allocate
	// and copy.
	shell := &MultiHead{DModel: e, Heads: heads, KVHeads: c.KVHeads, KDim: c.KDim, VDim: c.VDim}
	if err := shell.checkSizes("LoadMultiHead"); err != nil {
		return nil, err
	}
	kv := shell.kvWidth()
	type want = tensorWant
	var ws []want
	if packed {
		ws = append(ws, want{"in_proj_weight", []int{3 * e, e}})
	} else {
		ws = append(ws, want{"q_proj_weight", []int{e, e}}, want{"k_proj_weight", []int{kv, shell.kDim()}},
			want{"v_proj_weight", []int{kv, shell.vDim()}})
	}
	ws = append(ws, want{"out_proj.weight", []int{e, e}})
	if hasInBias {
		ws = append(ws, want{"in_proj_bias", []int{e + 2*kv}}, want{"out_proj.bias", []int{e}})
	}
	for _, w := range ws {
		if err := l.TakeShape(pre+w.name, "", w.shape...); err != nil {
			return nil, err
		}
	}
	quantized, residual, err := takeScales(l, shell, pre, ws)
	if err != nil {
		return nil, err
	}
	for _, n := range []string{"bias_k", "bias_v"} {
		if l.Has(pre + n) {
			return nil, l.Formatf("tensor %q is not part of the model: torch's add_bias_kv=True (bias_k, bias_v) is not supported by MultiHead", pre+n)
		}
	}
	if err := l.Leftovers(""); err != nil {
		return nil, err
	}
	if quantized {
		m, err := loadInt8(l, shell, pre, ws, residual)
		if err != nil {
			return nil, err
		}
		m.Rotary = rot
		return m, nil
	}
	m, err := NewMultiHeadConfig(MultiHeadConfig{DModel: e, Heads: heads, KVHeads: c.KVHeads, KDim: c.KDim, VDim: c.VDim, Bias: hasInBias})
	if err != nil {
		return nil, err
	}
	// Where each tensor goes: q/k/v weights of E×E each go to InProj's
	// blocks.
	dst := map[string][]float32{"out_proj.weight": m.OutProj.Data, "in_proj_bias": m.InBias, "out_proj.bias": m.OutBias}
	if m.packed() {
		dst["in_proj_weight"] = m.InProj.Data
		for p, n := range []string{"q_proj_weight", "k_proj_weight", "v_proj_weight"} {
			dst[n] = m.InProj.Data[p*e*e : (p+1)*e*e]
		}
	} else {
		dst["q_proj_weight"], dst["k_proj_weight"], dst["v_proj_weight"] = m.QProj.Data, m.KProj.Data, m.VProj.Data
	}
	for _, w := range ws {
		data, err := l.Float32s(pre+w.name, w.shape...)
		if err != nil {
			return nil, err
		}
		copy(dst[w.name], data)
	}
	m.Rotary = rot
	return m, nil
}

// tensorWant is a tensor the loader takes: its name (under the prefix)
// and shape.
type tensorWant struct {
	name  string
	shape []int
}

// takeScales reads the quantization metadata and, for a quantized file
// (QuantizedKey), takes the row scales of every weight in ws (and, for a
// residual file, the residual planes and their scales), so that
// Leftovers counts them; it reports whether the file is quantized, and
// with residual planes. A quantized file must hold a self-attention
// model.
func takeScales(l *weights.Dict, shell *MultiHead, pre string, ws []tensorWant) (quantized, residual bool, err error) {
	v, ok := l.Text(QuantizedKey)
	if !ok {
		return false, false, nil
	}
	if v != QuantizedScheme && v != QuantizedResidualScheme {
		return false, false, l.Formatf("metadata %s=%q: unknown quantization scheme (this version reads %q and %q)",
			QuantizedKey, v, QuantizedScheme, QuantizedResidualScheme)
	}
	residual = v == QuantizedResidualScheme
	if shell.kDim() != shell.DModel || shell.vDim() != shell.DModel {
		return false, false, l.Formatf("a quantized file of a cross-attention model (kdim %d, vdim %d, embed_dim %d)", shell.kDim(), shell.vDim(), shell.DModel)
	}
	for _, w := range ws {
		if len(w.shape) != 2 {
			continue // a bias
		}
		if err := l.TakeShape(pre+w.name+".scale", " (the row scales of a quantized file)", w.shape[0]); err != nil {
			return false, false, err
		}
		if !residual {
			continue
		}
		if err := l.TakeShape(pre+w.name+".residual", " (a residual plane)", w.shape...); err != nil {
			return false, false, err
		}
		if err := l.TakeShape(pre+w.name+".residual.scale", " (the row scales of a residual plane)", w.shape[0]); err != nil {
			return false, false, err
		}
	}
	return true, residual, nil
}

// loadRotary reads the Rotary that the metadata rotary_dims, rotary_base
// and rotary_interleaved describe, or nil without rotary_dims.
func loadRotary(l *weights.Dict) (*Rotary, error) {
	dims, ok, err := l.Int("rotary_dims", 1)
	if err != nil || !ok {
		return nil, err
	}
	base, _, err := l.Float("rotary_base")
	if err != nil {
		return nil, err
	}
	inter, _, err := l.Bool("rotary_interleaved")
	if err != nil {
		return nil, err
	}
	r, err := NewRotary(dims, base, inter)
	if err != nil {
		return nil, l.Formatf("metadata rotary_dims=%d, rotary_base=%g: %v", dims, base, err)
	}
	return r, nil
}
