package attn_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
)

// ioMatrix returns the 2-D tensor name of a fixture's io file as a matrix.
func ioMatrix(t *testing.T, fixture, name string) kernel.Matrix {
	tt := torchTensor(t, fixture+".io.safetensors", name)
	require.Len(t, tt.Shape, 2)
	return kernel.MatrixFrom(tt.Shape[0], tt.Shape[1], tt.Data)
}

// TestCrossTorch: nn.MultiheadAttention with kdim, vdim ≠ embed_dim loads
// (the separate layout), matches torch's cross-attention with and without
// a key padding mask and a causal mask, and saves a file that loads back
// the same (scripts/torch_fixtures.py checks torch loads such files
// strictly).
func TestCrossTorch(t *testing.T) {
	for _, name := range []string{"mha_cross", "mha_cross_wide"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(torchDir, name+".safetensors")
			m, err := attn.LoadMultiHead(path, "", 0)
			require.NoError(t, err)
			q, k, v := ioMatrix(t, name, "query"), ioMatrix(t, name, "key"), ioMatrix(t, name, "value")
			require.Equal(t, k.Cols, m.KDim)
			require.Equal(t, v.Cols, m.VDim)
			require.Zero(t, m.InProj.Rows)
			pad := torchTensor(t, name+".io.safetensors", "key_pad").Data
			keepKeys := make([]bool, len(pad))
			for j, p := range pad {
				keepKeys[j] = p == 0 // torch: True marks padding
			}
			require.Contains(t, keepKeys, false)
			dst := kernel.NewMatrix(q.Rows, q.Cols)
			for out, opt := range map[string]attn.Options{
				"output":            {},
				"output_pad":        {KeepKeys: keepKeys},
				"output_causal_pad": {KeepKeys: keepKeys, Causal: true},
			} {
				require.NoError(t, m.Cross(dst, q, k, v, opt))
				torchtest.RequireClose(t, out, dst.Data, ioMatrix(t, name, out).Data)
			}

			// Save writes torch's names and shapes; it loads back equal.
			saved := filepath.Join(t.TempDir(), "m.safetensors")
			require.NoError(t, m.Save(saved, nil))
			back, err := attn.LoadMultiHead(saved, "", 0)
			require.NoError(t, err)
			m.WeightsChanged() // the packed projections are a cache, not weights
			require.Equal(t, m, back)
			f := torchTensor(t, name+".safetensors", "k_proj_weight")
			require.Equal(t, []int{m.DModel, m.KDim}, f.Shape)
		})
	}
}

// TestGroupedRotaryTorch: grouped- and multi-query attention with rotary
// embeddings in both conventions (written in torch the way LLaMA and GPT-J
// write them) load from their separate q/k/v weights and match torch,
// from Forward and from Decode token by token.
func TestGroupedRotaryTorch(t *testing.T) {
	for _, c := range []struct {
		name        string
		kvHeads     int
		interleaved bool
	}{{"gqa_rope_half", 2, false}, {"gqa_rope_inter", 1, true}} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(torchDir, c.name+".safetensors")
			m, err := attn.LoadMultiHead(path, "", 0)
			require.NoError(t, err)
			require.Equal(t, c.kvHeads, m.NumKVHeads())
			require.NotNil(t, m.Rotary)
			require.Equal(t, c.interleaved, m.Rotary.Interleaved())
			x, want := ioMatrix(t, c.name, "input"), ioMatrix(t, c.name, "output")
			y := kernel.NewMatrix(x.Rows, x.Cols)
			require.NoError(t, m.Forward(y, x, attn.Options{Causal: true}))
			torchtest.RequireClose(t, "forward", y.Data, want.Data)
			cache, err := attn.NewKVCache(m, x.Rows)
			require.NoError(t, err)
			for i := range x.Rows {
				require.NoError(t, m.Decode(y.Row(i), x.Row(i), cache, attn.Options{}))
			}
			torchtest.RequireClose(t, "decode", y.Data, want.Data)

			// The other convention gives other outputs.
			other, err := attn.NewRotary(m.Rotary.Dims(), m.Rotary.Base(), !c.interleaved)
			require.NoError(t, err)
			m2 := *m
			m2.Rotary = other
			require.NoError(t, m2.Forward(y, x, attn.Options{Causal: true}))
			require.NotEqual(t, want.Data, y.Data)

			saved := filepath.Join(t.TempDir(), "m.safetensors")
			require.NoError(t, m.Save(saved, nil))
			back, err := attn.LoadMultiHead(saved, "", 0)
			require.NoError(t, err)
			m.WeightsChanged() // the packed projections are a cache, not weights
			require.Equal(t, m, back)
		})
	}
}
