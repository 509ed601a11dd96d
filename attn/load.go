package attn

// This file reads a MultiHead from a safetensors file; save.go writes one.

import (
	"io"
	"slices"

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
// safetensors (for example with safetensors.torch.save_file(m.state_dict())):
// prefix+"in_proj_weight" (3E×E), or prefix+"q_proj_weight",
// "k_proj_weight" and "v_proj_weight" (E×E each), prefix+"in_proj_bias"
// (3E), prefix+"out_proj.weight" (E×E) and prefix+"out_proj.bias" (E),
// where prefix is the module path ("" for the module itself, "attn."
// inside a parent). The biases are optional but go together (bias=False).
// heads is the number of heads; 0 takes it from the file's "num_heads"
// metadata (PyTorch's constructor argument), and it must divide E. F16,
// BF16 and F64 tensors are converted. Metadata embed_dim, kdim, vdim and
// bias must agree with the tensors; add_bias_kv and add_zero_attn, which
// MultiHead does not implement, must be false if present; models with
// other key or value widths (kdim, vdim ≠ E) are not supported. Every
// tensor in the file must find a place.
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
	for _, key := range []string{"embed_dim", "kdim", "vdim"} {
		if n, ok, err := l.Int(key, 1); err != nil {
			return nil, err
		} else if ok && n != e {
			return nil, l.Shapef("metadata %s=%d but %q has shape %v (MultiHead needs kdim = vdim = embed_dim)", key, n, pre+"out_proj.weight", s)
		}
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
			return nil, l.Formatf("the number of heads is unknown: heads=0 and no num_heads metadata")
		}
		heads = n
	}
	if heads <= 0 || e%heads != 0 {
		return nil, l.Shapef("%d heads do not divide embed_dim %d", heads, e)
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

	// Check every shape, then allocate and copy.
	var inProj [3][]float32
	if f.Has(pre + "in_proj_weight") {
		w, err := l.Take(pre+"in_proj_weight", "", 3*e, e)
		if err != nil {
			return nil, err
		}
		inProj = [3][]float32{w[:e*e], w[e*e : 2*e*e], w[2*e*e:]}
	} else {
		for i, n := range []string{"q_proj_weight", "k_proj_weight", "v_proj_weight"} {
			if inProj[i], err = l.Take(pre+n, "", e, e); err != nil {
				return nil, err
			}
		}
	}
	outProj, err := l.Take(pre+"out_proj.weight", "", e, e)
	if err != nil {
		return nil, err
	}
	var inBias, outBias []float32
	if hasInBias {
		if inBias, err = l.Take(pre+"in_proj_bias", "", 3*e); err != nil {
			return nil, err
		}
	}
	if hasOutBias {
		if outBias, err = l.Take(pre+"out_proj.bias", "", e); err != nil {
			return nil, err
		}
	}
	if err := l.Leftovers(""); err != nil {
		return nil, err
	}
	m, err := NewMultiHead(e, heads, false)
	if err != nil {
		return nil, err
	}
	copy(m.InProj.Data, slices.Concat(inProj[0], inProj[1], inProj[2]))
	copy(m.OutProj.Data, outProj)
	m.InBias, m.OutBias = inBias, outBias
	return m, nil
}
