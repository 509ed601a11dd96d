package nn_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

func ptPath(name string) string { return filepath.Join(torchtest.Dir, name+".pt") }

// requireSameBits fails t unless got and want hold the same float32 bits.
func requireSameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestLoadEncoderTorchCheckpoint loads torch.save's checkpoint of the
// enc_post_relu encoder (scripts/torch_pt_fixtures.py): without metadata
// it needs the Heads option, and says so; with it, LoadEncoder and
// ReadEncoder give the encoder the safetensors fixture gives, whose
// outputs are the same bits and torch's.
func TestLoadEncoderTorchCheckpoint(t *testing.T) {
	const name = "enc_post_relu"
	_, err := nn.LoadEncoder(ptPath(name), "")
	require.ErrorIs(t, err, nn.ErrFormat)
	require.ErrorContains(t, err, "no nhead metadata and no Heads option (a torch.save checkpoint carries no metadata: give the option)")

	want, err := nn.LoadEncoder(encPath(name), "")
	require.NoError(t, err)
	got, err := nn.LoadEncoder(ptPath(name), "", nn.Heads(2))
	require.NoError(t, err)
	require.Equal(t, want, got)
	b, err := os.ReadFile(ptPath(name))
	require.NoError(t, err)
	read, err := nn.ReadEncoder(bytes.NewReader(b), int64(len(b)), "", nn.Heads(2))
	require.NoError(t, err)
	require.Equal(t, want, read)

	x := fixtureMatrix(t, name, "input")
	wy, err := want.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
	require.NoError(t, err)
	gy, err := got.Forward(kernel.Matrix{}, x, nn.Mask{Causal: true})
	require.NoError(t, err)
	requireSameBits(t, "output_causal", gy.Data, wy.Data)
	torchtest.RequireClose(t, "output_causal", gy.Data, fixtureMatrix(t, name, "output_causal").Data)
}

// TestLoadTransformerTorchCheckpoint loads torch.save's checkpoint of the
// transformer_whole fixture, a pre-norm gelu nn.Transformer with
// layer_norm_eps 1e-4: the options give what the metadata would, and
// the model's output is the safetensors fixture's, bit for bit, and
// torch's.
func TestLoadTransformerTorchCheckpoint(t *testing.T) {
	const name = "transformer_whole"
	opts := []nn.LoadOption{nn.Heads(3), nn.FFActivation(nn.GELU), nn.NormFirst(true), nn.LayerNormEps(1e-4)}
	want, err := nn.LoadTransformer(encPath(name), "")
	require.NoError(t, err)
	got, err := nn.LoadTransformer(ptPath(name), "", opts...)
	require.NoError(t, err)
	require.Equal(t, want, got)
	b, err := os.ReadFile(ptPath(name))
	require.NoError(t, err)
	read, err := nn.ReadTransformer(bytes.NewReader(b), int64(len(b)), "", opts...)
	require.NoError(t, err)
	require.Equal(t, want, read)
	// The metadata's arguments, given again as options, must agree.
	_, err = nn.LoadTransformer(encPath(name), "", opts...)
	require.NoError(t, err)

	keep := keep(t, name, "src_pad")
	src, tgt := fixtureMatrix(t, name, "src"), fixtureMatrix(t, name, "tgt")
	run := func(m *nn.Transformer) []float32 {
		y, err := m.Forward(kernel.Matrix{}, src, tgt, nn.Mask{KeepKeys: keep}, nn.Mask{Causal: true}, nn.Mask{KeepKeys: keep})
		require.NoError(t, err)
		return y.Data
	}
	gy := run(got)
	requireSameBits(t, "output", gy, run(want))
	torchtest.RequireClose(t, "output", gy, fixtureMatrix(t, name, "output").Data)

	// Without the options, torch's defaults: a post-norm relu model, whose
	// output is not torch's.
	def, err := nn.LoadTransformer(ptPath(name), "", nn.Heads(3))
	require.NoError(t, err)
	require.False(t, def.Encoder.Layers[0].NormFirst)
	require.Equal(t, nn.ReLU, def.Encoder.Layers[0].FF.Activation)
}

// TestLoadOptionsDisagree: an option that contradicts the metadata, or
// gives an impossible value, is refused.
func TestLoadOptionsDisagree(t *testing.T) {
	const name = "enc_post_relu" // relu, post-norm, eps 1e-5
	for opt, msg := range map[string]struct {
		o   nn.LoadOption
		msg string
	}{
		"activation": {nn.FFActivation(nn.GELU), "metadata activation=relu but the option FFActivation says gelu"},
		"norm_first": {nn.NormFirst(true), "metadata norm_first=False but the option NormFirst says True"},
		"eps":        {nn.LayerNormEps(1e-6), "metadata layer_norm_eps=1e-05 but the option LayerNormEps says 1e-06"},
		"bad eps":    {nn.LayerNormEps(float32(math.NaN())), "the option LayerNormEps gives NaN"},
		"bad act":    {nn.FFActivation(nn.Activation(9)), "the option FFActivation gives activation 9"},
	} {
		_, err := nn.LoadEncoder(encPath(name), "", msg.o)
		require.ErrorIs(t, err, nn.ErrFormat, opt)
		require.ErrorContains(t, err, msg.msg, opt)
	}
}
