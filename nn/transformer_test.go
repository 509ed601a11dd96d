package nn_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// TestTransformerTorch: a whole torch.nn.Transformer's state_dict
// (encoder.… and decoder.… in one file, with nn.Transformer's metadata)
// loads with LoadTransformer and matches torch with a causal target mask
// and the source's key padding mask on the encoder and the memory. Before
// LoadTransformer, such a file could not load at all: LoadEncoder with
// the prefix "encoder." refuses the decoder's tensors, and says so.
func TestTransformerTorch(t *testing.T) {
	const name = "transformer_whole"
	m, err := nn.LoadTransformer(encPath(name), "")
	require.NoError(t, err)
	require.Len(t, m.Encoder.Layers, 1)
	require.Len(t, m.Decoder.Layers, 2)
	require.NotNil(t, m.Encoder.Norm)
	require.NotNil(t, m.Decoder.Norm)
	require.True(t, m.Decoder.Layers[1].NormFirst)

	pad := fixture(t, name, "src_pad").Data
	srcKeep := make([]bool, len(pad))
	for i, p := range pad {
		srcKeep[i] = p == 0
	}
	src, tgt := fixtureMatrix(t, name, "src"), fixtureMatrix(t, name, "tgt")
	y, err := m.Forward(kernel.Matrix{}, src, tgt, nn.Mask{KeepKeys: srcKeep}, nn.Mask{Causal: true}, nn.Mask{KeepKeys: srcKeep})
	require.NoError(t, err)
	torchtest.RequireClose(t, name, y.Data, fixtureMatrix(t, name, "output").Data)

	// The same as the encoder, then the decoder on its output.
	mem, err := m.Encoder.Forward(kernel.Matrix{}, src, nn.Mask{KeepKeys: srcKeep})
	require.NoError(t, err)
	y2, err := m.Decoder.Forward(kernel.Matrix{}, tgt, mem, nn.Mask{Causal: true}, nn.Mask{KeepKeys: srcKeep})
	require.NoError(t, err)
	require.Equal(t, y.Data, y2.Data)

	// From a reader, under a parent's prefix.
	prefixed := torchtest.Rewrite(t, encPath(name), nil, func(ts map[string]weights.Tensor) { renameAll(ts, "", "model.") })
	data, err := os.ReadFile(prefixed)
	require.NoError(t, err)
	back, err := nn.ReadTransformer(bytes.NewReader(data), int64(len(data)), "model.")
	require.NoError(t, err)
	m.WeightsChanged() // the packed weights are a cache, not weights
	require.Equal(t, m, back)

	// One stack alone is refused, with a pointer to LoadTransformer.
	_, err = nn.LoadEncoder(encPath(name), "encoder.")
	require.ErrorIs(t, err, nn.ErrFormat)
	require.ErrorContains(t, err, "decoder.layers.0")
	require.ErrorContains(t, err, "LoadTransformer")
}

// TestTransformerLoadErrors: nn.Transformer's layer counts are checked
// against the metadata, both stacks must agree, and a file with one stack
// only is refused.
func TestTransformerLoadErrors(t *testing.T) {
	const name = "transformer_whole"
	for _, c := range []struct {
		what string
		meta map[string]string
		edit func(map[string]weights.Tensor)
		want error
		msg  string
	}{
		{"num_decoder_layers", withMeta(t, name, map[string]string{"num_decoder_layers": "3"}), noEdit, nn.ErrShape, "num_decoder_layers=3"},
		{"num_encoder_layers", withMeta(t, name, map[string]string{"num_encoder_layers": "2"}), noEdit, nn.ErrShape, "num_encoder_layers=2"},
		{"no decoder", nil, func(ts map[string]weights.Tensor) {
			for n := range ts {
				if bytes.HasPrefix([]byte(n), []byte("decoder.")) {
					delete(ts, n)
				}
			}
		}, nn.ErrMissing, "decoder.layers.0"},
		{"decoder without biases", nil, func(ts map[string]weights.Tensor) {
			for n := range ts {
				if bytes.HasPrefix([]byte(n), []byte("decoder.")) && bytes.HasSuffix([]byte(n), []byte("bias")) {
					delete(ts, n)
				}
			}
		}, nn.ErrShape, "differs from the encoder's"},
		{"stray", nil, func(ts map[string]weights.Tensor) {
			ts["head.weight"] = weights.Tensor{Name: "head.weight", Shape: []int{2}, Data: []float32{1, 2}}
		}, nn.ErrFormat, `"head.weight" is not part of the model (not in an nn.Transformer)`},
	} {
		t.Run(c.what, func(t *testing.T) {
			_, err := nn.LoadTransformer(torchtest.Rewrite(t, encPath(name), c.meta, c.edit), "")
			require.ErrorIs(t, err, c.want)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// TestLoadBiasMissingNamed: a file whose layer 0 lacks linear1.bias but
// has its other biases is refused as missing that tensor (the loader
// takes linear1.bias as the sign of torch's bias argument), not as
// "linear2.bias is not part of the model", which pointed at a tensor
// that is fine.
func TestLoadBiasMissingNamed(t *testing.T) {
	path := torchtest.Rewrite(t, encPath("enc_post_relu"), nil, func(ts map[string]weights.Tensor) {
		delete(ts, "layers.0.linear1.bias")
	})
	_, err := nn.LoadEncoder(path, "")
	require.ErrorIs(t, err, nn.ErrMissing)
	require.ErrorContains(t, err, `"layers.0.linear1.bias" missing`)
}
