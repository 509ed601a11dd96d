package attn

import (
	"fmt"
	"strconv"

	"github.com/simdcore/simdcore/internal/weights"
)

// LoadMultiHead reads a torch.nn.MultiheadAttention state_dict saved as
// safetensors (for example with safetensors.torch.save_file(m.state_dict())):
// the tensors prefix+"in_proj_weight" (3E×E), prefix+"in_proj_bias" (3E),
// prefix+"out_proj.weight" (E×E) and prefix+"out_proj.bias" (E), where
// prefix is the module path ("" for the module itself, "attn." inside a
// parent). The biases are optional but go together. heads is the number of
// heads; 0 takes it from the file's "num_heads" metadata. F16, BF16 and F64
// tensors are converted. Models with separate q/k/v widths (kdim, vdim) are
// not supported.
func LoadMultiHead(path, prefix string, heads int) (*MultiHead, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	return readMultiHead(f, prefix, heads)
}

func readMultiHead(f *weights.File, prefix string, heads int) (*MultiHead, error) {
	const fn = "LoadMultiHead"
	if heads == 0 {
		s, ok := f.Metadata()["num_heads"]
		if !ok {
			return nil, fmt.Errorf("attn.%s: heads=0 and no num_heads metadata: %w", fn, ErrOptions)
		}
		h, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("attn.%s: num_heads metadata %q: %w", fn, s, ErrOptions)
		}
		heads = h
	}
	shape, err := f.Shape(prefix + "in_proj_weight")
	if err != nil {
		return nil, fmt.Errorf("attn.%s: %w", fn, err)
	}
	if len(shape) != 2 || shape[0] != 3*shape[1] {
		return nil, shapeErr(fn, "in_proj_weight has shape %v, want [3E E]", shape)
	}
	e := shape[1]
	bias := f.Has(prefix + "in_proj_bias")
	if bias != f.Has(prefix+"out_proj.bias") {
		return nil, shapeErr(fn, "in_proj_bias and out_proj.bias must both be present or both absent")
	}
	m, err := NewMultiHead(e, heads, bias)
	if err != nil {
		return nil, err
	}
	read := func(name string, dst []float32, shape ...int) error {
		data, err := f.Float32s(prefix+name, shape...)
		if err != nil {
			return fmt.Errorf("attn.%s: %w", fn, err)
		}
		copy(dst, data)
		return nil
	}
	if err := read("in_proj_weight", m.InProj.Data, 3*e, e); err != nil {
		return nil, err
	}
	if err := read("out_proj.weight", m.OutProj.Data, e, e); err != nil {
		return nil, err
	}
	if bias {
		if err := read("in_proj_bias", m.InBias, 3*e); err != nil {
			return nil, err
		}
		if err := read("out_proj.bias", m.OutBias, e); err != nil {
			return nil, err
		}
	}
	return m, nil
}
