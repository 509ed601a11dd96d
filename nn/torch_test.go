package nn_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// fixture returns the tensor name of a fixture's io file.
func fixture(t testing.TB, name, tensor string) weights.Tensor {
	t.Helper()
	f, err := weights.Open(filepath.Join(torchtest.Dir, name+".io.safetensors"))
	require.NoError(t, err)
	tt, err := f.Tensor(tensor)
	require.NoError(t, err)
	return tt
}

// fixtureMatrix returns the 2-D tensor of a fixture's io file as a matrix.
func fixtureMatrix(t testing.TB, name, tensor string) kernel.Matrix {
	tt := fixture(t, name, tensor)
	require.Len(t, tt.Shape, 2)
	return kernel.MatrixFrom(tt.Shape[0], tt.Shape[1], tt.Data)
}

// keptKeys negates a torch padding mask stored as 0/1 floats (1 =
// padding): the keys it keeps.
func keptKeys(pad []float32) []bool {
	keep := make([]bool, len(pad))
	for i, v := range pad {
		keep[i] = v == 0
	}
	return keep
}

// keep is keptKeys of a fixture's tensor, which must keep some keys and
// pad others.
func keep(t testing.TB, name, tensor string) []bool {
	k := keptKeys(fixture(t, name, tensor).Data)
	require.Contains(t, k, false)
	require.Contains(t, k, true)
	return k
}

// TestEncoderTorch: torch.nn.TransformerEncoder stacks (post- and
// pre-norm, relu, gelu and gelu_tanh, with and without the final norm, several
// widths, T up to 64) load and match torch without masks, with the causal
// mask, with a key padding mask and with both; Save writes a file that
// loads back equal.
func TestEncoderTorch(t *testing.T) {
	for _, c := range []struct {
		name      string
		layers    int
		normFirst bool
		act       nn.Activation
		final     bool
	}{
		{"enc_post_relu", 2, false, nn.ReLU, true},
		{"enc_pre_gelu", 3, true, nn.GELU, true},
		{"enc_wide", 2, false, nn.GELU, false},
		{"enc_gelu_tanh", 2, false, nn.GELUTanh, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := nn.LoadEncoder(filepath.Join(torchtest.Dir, c.name+".safetensors"), "")
			require.NoError(t, err)
			require.Len(t, e.Layers, c.layers)
			require.Equal(t, c.normFirst, e.Layers[0].NormFirst)
			require.Equal(t, c.act, e.Layers[0].FF.Activation)
			require.Equal(t, c.final, e.Norm != nil)
			x := fixtureMatrix(t, c.name, "input")
			kk := keep(t, c.name, "key_pad")
			for out, m := range map[string]nn.Mask{
				"output":            {},
				"output_causal":     {Causal: true},
				"output_pad":        {KeepKeys: kk},
				"output_causal_pad": {Causal: true, KeepKeys: kk},
			} {
				y, err := e.Forward(kernel.Matrix{}, x, m)
				require.NoError(t, err)
				torchtest.RequireClose(t, c.name+" "+out, y.Data, fixtureMatrix(t, c.name, out).Data)
				// Layer by layer, then the final norm, gives the same.
				h := x
				for _, l := range e.Layers {
					h, err = l.Forward(kernel.Matrix{}, h, m)
					require.NoError(t, err)
				}
				if e.Norm != nil {
					h, err = e.Norm.Forward(h, h)
					require.NoError(t, err)
				}
				require.Equal(t, y.Data, h.Data)
			}
			saved := filepath.Join(t.TempDir(), "e.safetensors")
			require.NoError(t, e.Save(saved, nil))
			back, err := nn.LoadEncoder(saved, "")
			require.NoError(t, err)
			e.WeightsChanged() // the packed weights are a cache, not weights
			require.Equal(t, e, back)
		})
	}
}

// TestDecoderTorch: torch.nn.TransformerDecoder stacks load and match
// torch without masks and with a causal tgt_mask, a float memory_mask and
// both key padding masks.
func TestDecoderTorch(t *testing.T) {
	for _, c := range []struct {
		name      string
		normFirst bool
		final     bool
	}{{"dec_post_relu", false, false}, {"dec_pre_gelu", true, true}, {"dec_gelu_tanh", true, false}} {
		t.Run(c.name, func(t *testing.T) {
			dec, err := nn.LoadDecoder(filepath.Join(torchtest.Dir, c.name+".safetensors"), "")
			require.NoError(t, err)
			require.Len(t, dec.Layers, 2)
			require.Equal(t, c.normFirst, dec.Layers[0].NormFirst)
			require.Equal(t, c.final, dec.Norm != nil)
			x, mem := fixtureMatrix(t, c.name, "input"), fixtureMatrix(t, c.name, "memory")
			y, err := dec.Forward(kernel.Matrix{}, x, mem, nn.Mask{}, nn.Mask{})
			require.NoError(t, err)
			torchtest.RequireClose(t, c.name+" output", y.Data, fixtureMatrix(t, c.name, "output").Data)
			tm := nn.Mask{Causal: true, KeepKeys: keep(t, c.name, "tgt_pad")}
			mm := nn.Mask{Add: fixtureMatrix(t, c.name, "memory_mask").Data, KeepKeys: keep(t, c.name, "memory_pad")}
			_, err = dec.Forward(y, x, mem, tm, mm)
			require.NoError(t, err)
			torchtest.RequireClose(t, c.name+" output_masked", y.Data, fixtureMatrix(t, c.name, "output_masked").Data)

			saved := filepath.Join(t.TempDir(), "d.safetensors")
			require.NoError(t, dec.Save(saved, nil))
			back, err := nn.LoadDecoder(saved, "")
			require.NoError(t, err)
			dec.WeightsChanged() // the packed weights are a cache, not weights
			require.Equal(t, dec, back)
		})
	}
}
