package attn

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
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
// tensor and ErrShape for a tensor of the wrong shape.
func LoadMultiHead(path, prefix string, heads int) (*MultiHead, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	return loadMultiHead(f, path+": ", prefix, heads)
}

// ReadMultiHead is LoadMultiHead from a file of size bytes read from r,
// such as a bytes.Reader over an embedded model.
func ReadMultiHead(r io.ReaderAt, size int64, prefix string, heads int) (*MultiHead, error) {
	f, err := weights.Read(r, size)
	if err != nil {
		return nil, err
	}
	return loadMultiHead(f, "", prefix, heads)
}

// loadError carries a message and the sentinels it wraps.
type loadError struct {
	msg  string
	errs []error
}

func (e *loadError) Error() string   { return e.msg }
func (e *loadError) Unwrap() []error { return e.errs }

type mhLoader struct {
	f    *weights.File
	src  string
	meta map[string]string
	used map[string]bool
}

func (l *mhLoader) formatf(format string, args ...any) error {
	return &loadError{"attn.LoadMultiHead: " + l.src + "malformed model: " + fmt.Sprintf(format, args...), []error{ErrFormat}}
}

func (l *mhLoader) missing(name, why string) error {
	return &loadError{fmt.Sprintf("attn.LoadMultiHead: %stensor %q missing%s", l.src, name, why), []error{ErrMissing}}
}

func (l *mhLoader) shapef(format string, args ...any) error {
	return &loadError{"attn.LoadMultiHead: " + l.src + fmt.Sprintf(format, args...), []error{ErrShape, weights.ErrShape}}
}

// expect checks that tensor name exists with exactly the given shape and
// returns its data.
func (l *mhLoader) expect(name string, want ...int) ([]float32, error) {
	s, err := l.f.Shape(name)
	if err != nil {
		return nil, l.missing(name, "")
	}
	if !slices.Equal(s, want) {
		return nil, l.shapef("tensor %q has shape %v, want %v", name, s, want)
	}
	l.used[name] = true
	return l.f.Float32s(name, want...) // ErrFormat for an integer dtype
}

func (l *mhLoader) metaInt(key string) (int, bool, error) {
	v, ok := l.meta[key]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, false, l.formatf("metadata %s=%q is not a positive integer", key, v)
	}
	return n, true, nil
}

func (l *mhLoader) metaBool(key string) (val, ok bool, err error) {
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

func loadMultiHead(f *weights.File, src, pre string, heads int) (*MultiHead, error) {
	l := &mhLoader{f: f, src: src, meta: f.Metadata(), used: map[string]bool{}}
	if !f.Has(pre+"in_proj_weight") && !f.Has(pre+"q_proj_weight") {
		return nil, l.missing(pre+"in_proj_weight", " (no torch.nn.MultiheadAttention weights under this prefix)")
	}

	// d_model from out_proj.weight, which every layout has.
	s, err := f.Shape(pre + "out_proj.weight")
	if err != nil {
		return nil, l.missing(pre+"out_proj.weight", "")
	}
	if len(s) != 2 || s[0] != s[1] || s[0] == 0 {
		return nil, l.shapef("tensor %q has shape %v, want [E E] with E > 0", pre+"out_proj.weight", s)
	}
	e := s[0]

	// Metadata: PyTorch's constructor arguments.
	for _, key := range []string{"embed_dim", "kdim", "vdim"} {
		if n, ok, err := l.metaInt(key); err != nil {
			return nil, err
		} else if ok && n != e {
			return nil, l.shapef("metadata %s=%d but %q has shape %v (MultiHead needs kdim = vdim = embed_dim)", key, n, pre+"out_proj.weight", s)
		}
	}
	for _, key := range []string{"add_bias_kv", "add_zero_attn"} {
		if b, _, err := l.metaBool(key); err != nil {
			return nil, err
		} else if b {
			return nil, l.formatf("metadata %s=True is not supported by MultiHead", key)
		}
	}
	if heads == 0 {
		n, ok, err := l.metaInt("num_heads")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, l.formatf("the number of heads is unknown: heads=0 and no num_heads metadata")
		}
		heads = n
	}
	if heads <= 0 || e%heads != 0 {
		return nil, l.shapef("%d heads do not divide embed_dim %d", heads, e)
	}
	hasInBias, hasOutBias := f.Has(pre+"in_proj_bias"), f.Has(pre+"out_proj.bias")
	switch {
	case hasInBias && !hasOutBias:
		return nil, l.missing(pre+"out_proj.bias", " (the biases go together)")
	case hasOutBias && !hasInBias:
		return nil, l.missing(pre+"in_proj_bias", " (the biases go together)")
	}
	if b, ok, err := l.metaBool("bias"); err != nil {
		return nil, err
	} else if ok && b && !hasInBias {
		return nil, l.missing(pre+"in_proj_bias", " (metadata bias=True)")
	} else if ok && !b && (hasInBias || hasOutBias) {
		return nil, l.formatf("metadata bias=False but the file has biases")
	}

	// Check every shape, then allocate and copy.
	var inProj [3][]float32
	if f.Has(pre + "in_proj_weight") {
		w, err := l.expect(pre+"in_proj_weight", 3*e, e)
		if err != nil {
			return nil, err
		}
		inProj = [3][]float32{w[:e*e], w[e*e : 2*e*e], w[2*e*e:]}
	} else {
		for i, n := range []string{"q_proj_weight", "k_proj_weight", "v_proj_weight"} {
			if inProj[i], err = l.expect(pre+n, e, e); err != nil {
				return nil, err
			}
		}
	}
	outProj, err := l.expect(pre+"out_proj.weight", e, e)
	if err != nil {
		return nil, err
	}
	var inBias, outBias []float32
	if hasInBias {
		if inBias, err = l.expect(pre+"in_proj_bias", 3*e); err != nil {
			return nil, err
		}
	}
	if hasOutBias {
		if outBias, err = l.expect(pre+"out_proj.bias", e); err != nil {
			return nil, err
		}
	}
	for _, n := range f.Names() {
		if !l.used[n] {
			return nil, l.formatf("tensor %q is not part of the model", n)
		}
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

func (m *MultiHead) tensors(metadata map[string]string) ([]weights.Tensor, map[string]string, error) {
	if err := m.check("Save"); err != nil {
		return nil, nil, err
	}
	e := m.DModel
	ts := []weights.Tensor{
		{Name: "in_proj_weight", Shape: []int{3 * e, e}, Data: dense(m.InProj)},
		{Name: "out_proj.weight", Shape: []int{e, e}, Data: dense(m.OutProj)},
	}
	if m.InBias != nil {
		ts = append(ts, weights.Tensor{Name: "in_proj_bias", Shape: []int{3 * e}, Data: m.InBias})
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
	return ts, meta, nil
}

// Save writes the model to path as a safetensors file that LoadMultiHead
// reads back and PyTorch's safetensors.torch.load_file reads, with
// torch.nn.MultiheadAttention's tensor names and, in __metadata__, its
// constructor arguments embed_dim, num_heads, bias and batch_first
// (True: MultiHead's rows are time steps), added to the caller's metadata
// (which may be nil). A model with only one of the two biases loads into
// PyTorch only with strict=False. The file is replaced atomically.
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
