package nn

import (
	"io"

	"github.com/simdcore/simdcore/kernel"
)

// Transformer is torch.nn.Transformer: an Encoder over the source and a
// Decoder over the target against the encoder's output (the memory),
// each with its final norm as nn.Transformer builds them.
type Transformer struct {
	Encoder *Encoder
	Decoder *Decoder
}

// DModel returns the model's width (0 without layers).
func (m *Transformer) DModel() int { return m.Encoder.DModel() }

// WeightsChanged drops the packed weights that both stacks' layers keep,
// after a change of their weights in place (Encoder.WeightsChanged).
func (m *Transformer) WeightsChanged() {
	m.Encoder.WeightsChanged()
	m.Decoder.WeightsChanged()
}

func (m *Transformer) check(fn string) error {
	switch {
	case m.Encoder == nil || m.Decoder == nil:
		return shapeErr(fn, "a nil Encoder or Decoder")
	case m.Encoder.DModel() != m.Decoder.DModel():
		return shapeErr(fn, "the encoder's d_model %d != the decoder's %d", m.Encoder.DModel(), m.Decoder.DModel())
	}
	return firstErr(m.Encoder.check(fn), m.Decoder.check(fn))
}

// Forward is torch's nn.Transformer.forward(src, tgt, src_mask, tgt_mask,
// memory_mask, src_key_padding_mask, tgt_key_padding_mask,
// memory_key_padding_mask) for one sequence pair: the encoder runs on
// src (S×d_model) with srcMask (S×S), the decoder on tgt (T×d_model)
// against its output with tgtMask (T×T) and memoryMask (T×S: torch's
// memory_mask and memory_key_padding_mask, which is usually the source's
// key padding mask again). It writes dst (allocated if its Data is nil;
// it must not overlap tgt) and returns it. The memory lives in a pooled
// buffer, so steady-state calls allocate nothing but an allocated result.
func (m *Transformer) Forward(dst, src, tgt kernel.Matrix, srcMask, tgtMask, memoryMask Mask) (kernel.Matrix, error) {
	const fn = "Transformer.Forward"
	if err := m.check(fn); err != nil {
		return dst, err
	}
	d := m.DModel()
	if err := checkMatrix(fn, "src", src, src.Rows, d); err != nil {
		return dst, err
	}
	ws := getWS(src.Rows * d)
	defer putWS(ws)
	memory, err := m.Encoder.Forward(kernel.MatrixFrom(src.Rows, d, ws.Data), src, srcMask)
	if err != nil {
		return dst, err
	}
	return m.Decoder.Forward(dst, tgt, memory, tgtMask, memoryMask)
}

// LoadTransformer reads a torch.nn.Transformer's state_dict saved as
// safetensors or with torch.save (as LoadEncoder reads them): under prefix ("" for the module itself), the encoder's
// tensors under "encoder." and the decoder's under "decoder.", named as
// LoadEncoder and LoadDecoder read them (their final norms included).
// The metadata is LoadEncoder's, with nn.Transformer's num_encoder_layers
// and num_decoder_layers (checked against the tensors) in place of
// num_layers. Both stacks have the same configuration, and every tensor
// in the file must find a place; errors are LoadEncoder's.
func LoadTransformer(path, prefix string, opts ...LoadOption) (*Transformer, error) {
	return loadFile(path, "LoadTransformer", opts, transformerAt(prefix))
}

// ReadTransformer is LoadTransformer from a file of size bytes read from
// r.
func ReadTransformer(r io.ReaderAt, size int64, prefix string, opts ...LoadOption) (*Transformer, error) {
	return readFile(r, size, "ReadTransformer", opts, transformerAt(prefix))
}

// transformerAt reads an nn.Transformer under prefix.
func transformerAt(prefix string) func(*loader) (*Transformer, error) {
	return func(l *loader) (*Transformer, error) {
		l.layersKey = "num_encoder_layers"
		el, en, err := stackLayers(l, prefix+"encoder.", l.encoderLayer)
		if err != nil {
			return nil, err
		}
		cfg, bias := l.cfg, l.bias
		l.layersKey = "num_decoder_layers"
		dl, dn, err := stackLayers(l, prefix+"decoder.", l.decoderLayer)
		if err != nil {
			return nil, err
		}
		if l.cfg != cfg || l.bias != bias {
			return nil, l.Shapef("the decoder's configuration %+v (bias %v) differs from the encoder's %+v (bias %v)", l.cfg, l.bias, cfg, bias)
		}
		if err := l.Leftovers(" (not in an nn.Transformer)"); err != nil {
			return nil, err
		}
		return &Transformer{Encoder: &Encoder{Layers: el, Norm: en}, Decoder: &Decoder{Layers: dl, Norm: dn}}, nil
	}
}
