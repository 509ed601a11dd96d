package nn_test

import (
	"bytes"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

func encPath(name string) string { return filepath.Join(torchtest.Dir, name+".safetensors") }

// withMeta returns the metadata of the fixture name with edits applied
// (an empty value deletes the key).
func withMeta(t *testing.T, name string, edits map[string]string) map[string]string {
	f, err := weights.Open(encPath(name))
	require.NoError(t, err)
	m := f.Metadata()
	for k, v := range edits {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func noEdit(map[string]weights.Tensor) {}

// renameAll renames the tensors whose names start with from to start
// with to instead.
func renameAll(ts map[string]weights.Tensor, from, to string) {
	old := maps.Clone(ts)
	for n, tt := range old {
		if rest, ok := strings.CutPrefix(n, from); ok {
			delete(ts, n)
			tt.Name = to + rest
			ts[tt.Name] = tt
		}
	}
}

// TestLoadErrors: broken files give errors wrapping the right sentinels,
// with a message naming what is wrong, and never panic.
func TestLoadErrors(t *testing.T) {
	const name = "enc_post_relu"
	rename := func(from, to string) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) { renameAll(ts, from, to) }
	}
	for _, c := range []struct {
		what  string
		meta  map[string]string
		edit  func(map[string]weights.Tensor)
		want  []error
		inMsg string
	}{
		{"missing tensor", nil, func(ts map[string]weights.Tensor) { delete(ts, "layers.1.norm2.weight") }, []error{nn.ErrMissing}, "layers.1.norm2.weight"},
		{"missing bias", nil, func(ts map[string]weights.Tensor) { delete(ts, "layers.0.linear2.bias") }, []error{nn.ErrMissing}, "layers.0.linear2.bias"},
		{"transposed weight", nil, func(ts map[string]weights.Tensor) {
			tt := ts["layers.1.linear1.weight"]
			tt.Shape = []int{tt.Shape[1], tt.Shape[0]}
			ts[tt.Name] = tt
		}, []error{nn.ErrShape, weights.ErrShape}, "layers.1.linear1.weight"},
		{"extra tensor", nil, func(ts map[string]weights.Tensor) {
			ts["head.weight"] = weights.Tensor{Name: "head.weight", Shape: []int{1}, Data: []float32{1}}
		}, []error{nn.ErrFormat}, "head.weight"},
		{"layer gap", withMeta(t, name, map[string]string{"num_layers": ""}), rename("layers.1.", "layers.2."), []error{nn.ErrMissing}, "layers.1."},
		{"bad layer index", nil, rename("layers.1.", "layers.01."), []error{nn.ErrFormat}, "01"},
		{"no layers", nil, rename("layers.", "blocks."), []error{nn.ErrMissing}, "layers.0"},
		{"NaN weight", nil, func(ts map[string]weights.Tensor) {
			ts["layers.1.self_attn.out_proj.weight"].Data[5] = float32(math.NaN())
		}, []error{nn.ErrFormat, nn.ErrNonFinite}, "out_proj.weight"},
		{"d_model", withMeta(t, name, map[string]string{"d_model": "32"}), noEdit, []error{nn.ErrShape}, "d_model=32"},
		{"dim_feedforward", withMeta(t, name, map[string]string{"dim_feedforward": "31"}), noEdit, []error{nn.ErrShape}, "dim_feedforward=31"},
		{"num_layers", withMeta(t, name, map[string]string{"num_layers": "3"}), noEdit, []error{nn.ErrShape}, "num_layers=3"},
		{"no nhead", withMeta(t, name, map[string]string{"nhead": ""}), noEdit, []error{nn.ErrFormat}, "heads"},
		{"nhead", withMeta(t, name, map[string]string{"nhead": "3"}), noEdit, []error{nn.ErrShape}, "nhead=3"},
		{"nhead text", withMeta(t, name, map[string]string{"nhead": "two"}), noEdit, []error{nn.ErrFormat}, "nhead"},
		{"activation", withMeta(t, name, map[string]string{"activation": "tanh"}), noEdit, []error{nn.ErrFormat}, "tanh"},
		{"norm_first", withMeta(t, name, map[string]string{"norm_first": "maybe"}), noEdit, []error{nn.ErrFormat}, "norm_first"},
		{"eps", withMeta(t, name, map[string]string{"layer_norm_eps": "-1"}), noEdit, []error{nn.ErrFormat}, "layer_norm_eps"},
		{"eps NaN", withMeta(t, name, map[string]string{"layer_norm_eps": "nan"}), noEdit, []error{nn.ErrFormat}, "layer_norm_eps"},
		{"bias", withMeta(t, name, map[string]string{"bias": "False"}), noEdit, []error{nn.ErrFormat}, "bias"},
	} {
		t.Run(c.what, func(t *testing.T) {
			path := torchtest.Rewrite(t, encPath(name), c.meta, c.edit)
			_, err := nn.LoadEncoder(path, "")
			require.Error(t, err)
			for _, w := range c.want {
				require.ErrorIs(t, err, w)
			}
			require.Contains(t, err.Error(), c.inMsg)
			require.Contains(t, err.Error(), "nn.LoadEncoder: "+path)
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

// TestLoadOptions: AllowNonFinite loads a NaN weight (whose outputs are
// NaN); Heads supplies a missing nhead and must agree with a present one;
// a truncated file and a decoder file read as an encoder are refused.
func TestLoadOptions(t *testing.T) {
	const name = "enc_post_relu"
	nan := torchtest.Rewrite(t, encPath(name), nil, func(ts map[string]weights.Tensor) {
		ts["layers.0.linear1.weight"].Data[0] = float32(math.Inf(1))
	})
	e, err := nn.LoadEncoder(nan, "", nn.AllowNonFinite())
	require.NoError(t, err)
	y, err := e.Forward(kernel.Matrix{}, fixtureMatrix(t, name, "input"), nn.Mask{})
	require.NoError(t, err)
	require.True(t, math.IsNaN(float64(y.Data[0])))

	noHeads := torchtest.Rewrite(t, encPath(name), withMeta(t, name, map[string]string{"nhead": ""}), noEdit)
	e, err = nn.LoadEncoder(noHeads, "", nn.Heads(2))
	require.NoError(t, err)
	want, err := nn.LoadEncoder(encPath(name), "")
	require.NoError(t, err)
	require.Equal(t, want, e)
	_, err = nn.LoadEncoder(encPath(name), "", nn.Heads(4))
	require.ErrorIs(t, err, nn.ErrFormat)

	data, err := os.ReadFile(encPath(name))
	require.NoError(t, err)
	for _, n := range []int{0, 7, 100, len(data) - 1} {
		_, err = nn.ReadEncoder(bytes.NewReader(data[:n]), int64(n), "")
		require.ErrorIs(t, err, nn.ErrFormat, "%d bytes", n)
	}
	_, err = nn.LoadDecoder(encPath(name), "")
	require.ErrorIs(t, err, nn.ErrMissing)
	require.Contains(t, err.Error(), "multihead_attn")
	_, err = nn.LoadEncoder(encPath("dec_post_relu"), "")
	require.ErrorIs(t, err, nn.ErrFormat)
	_, err = nn.LoadEncoder(filepath.Join(t.TempDir(), "absent.safetensors"), "")
	require.Error(t, err)
}

// TestLoadPrefix: a stack inside a parent module (an nn.Transformer's
// "encoder.") loads with its prefix, from a reader too, and so does one
// layer of it with LoadEncoderLayer.
func TestLoadPrefix(t *testing.T) {
	const name = "enc_pre_gelu"
	want, err := nn.LoadEncoder(encPath(name), "")
	require.NoError(t, err)
	prefixed := torchtest.Rewrite(t, encPath(name), nil, func(ts map[string]weights.Tensor) { renameAll(ts, "", "encoder.") })
	data, err := os.ReadFile(prefixed)
	require.NoError(t, err)
	got, err := nn.ReadEncoder(bytes.NewReader(data), int64(len(data)), "encoder.")
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = nn.ReadEncoder(bytes.NewReader(data), int64(len(data)), "")
	require.ErrorIs(t, err, nn.ErrMissing)

	// One layer: only layer 1's tensors, renamed as a lone layer's.
	one := torchtest.Rewrite(t, encPath(name), withMeta(t, name, map[string]string{"num_layers": ""}), func(ts map[string]weights.Tensor) {
		for n := range ts {
			if !strings.HasPrefix(n, "layers.1.") {
				delete(ts, n)
			}
		}
		renameAll(ts, "layers.1.", "")
	})
	l, err := nn.LoadEncoderLayer(one, "")
	require.NoError(t, err)
	require.Equal(t, want.Layers[1], l)
}

// TestForwardErrors: wrong shapes, masks of the wrong length and broken
// models give errors, never a panic.
func TestForwardErrors(t *testing.T) {
	e, err := nn.LoadEncoder(encPath("enc_post_relu"), "")
	require.NoError(t, err)
	x := kernel.NewMatrix(5, 16)
	_, err = e.Forward(kernel.Matrix{}, kernel.NewMatrix(5, 15), nn.Mask{})
	require.ErrorIs(t, err, nn.ErrShape)
	_, err = e.Forward(kernel.NewMatrix(4, 16), x, nn.Mask{})
	require.ErrorIs(t, err, nn.ErrShape)
	_, err = e.Forward(kernel.Matrix{}, x, nn.Mask{KeepKeys: make([]bool, 4)})
	require.Error(t, err)
	_, err = e.Forward(kernel.Matrix{}, x, nn.Mask{Add: make([]float32, 24)})
	require.Error(t, err)
	l := *e.Layers[0]
	l.SelfAttn = nil
	_, err = l.Forward(kernel.Matrix{}, x, nn.Mask{})
	require.ErrorIs(t, err, nn.ErrShape)
	l = *e.Layers[0]
	l.Norm2.Bias = l.Norm2.Bias[:3]
	_, err = l.Forward(kernel.Matrix{}, x, nn.Mask{})
	require.ErrorIs(t, err, nn.ErrShape)
	g := e.Layers[0].NewGrads()
	require.ErrorIs(t, e.Layers[1].Backward(g, x, kernel.NewMatrix(4, 16), x, nn.Mask{}), nn.ErrShape)
	require.ErrorIs(t, e.Layers[0].FF.Backward(&g.FF, x, x, kernel.NewMatrix(5, 3)), nn.ErrShape)
	require.ErrorIs(t, e.Backward(e.NewGrads(), x, x, x, nn.Mask{Add: make([]float32, 3)}), attn.ErrShape)

	// Empty sequences are valid.
	y, err := e.Forward(kernel.Matrix{}, kernel.NewMatrix(0, 16), nn.Mask{})
	require.NoError(t, err)
	require.Zero(t, y.Rows)

	// Constructors refuse nonsense.
	for _, c := range []nn.Config{{DModel: 10, Heads: 3, FF: 4}, {DModel: 8, Heads: 2}, {DModel: 8, Heads: 2, FF: 4, Activation: 7},
		{DModel: 8, Heads: 2, FF: 4, Eps: float32(math.NaN())}, {DModel: -8, Heads: 2, FF: 4}} {
		_, err := nn.NewEncoderLayer(c)
		require.ErrorIs(t, err, nn.ErrConfig, "%+v", c)
		_, err = nn.NewDecoderLayer(c)
		require.ErrorIs(t, err, nn.ErrConfig, "%+v", c)
	}
	_, err = nn.NewEncoder(nn.Config{DModel: 8, Heads: 2, FF: 4})
	require.ErrorIs(t, err, nn.ErrConfig) // no layers
	_, err = nn.ParseActivation("swish")
	require.ErrorIs(t, err, nn.ErrConfig)
	require.False(t, errors.Is(err, nn.ErrShape))
}
