package attn

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// TestLoadMultiHeadTorchCheckpoint loads torch.save's checkpoint of the
// mha_causal fixture (scripts/torch_pt_fixtures.py): without metadata
// heads must be given, and the message says so; with it, LoadMultiHead
// and ReadMultiHead give the module the safetensors fixture gives, with
// the same output bits.
func TestLoadMultiHeadTorchCheckpoint(t *testing.T) {
	dir := "../testdata/torch"
	pt := filepath.Join(dir, "mha_causal.pt")
	_, err := LoadMultiHead(pt, "", 0)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "no num_heads metadata (a torch.save checkpoint carries no metadata: give heads)")

	want, err := LoadMultiHead(filepath.Join(dir, "mha_causal.safetensors"), "", 0)
	require.NoError(t, err)
	got, err := LoadMultiHead(pt, "", 2)
	require.NoError(t, err)
	b, err := os.ReadFile(pt)
	require.NoError(t, err)
	read, err := ReadMultiHead(bytes.NewReader(b), int64(len(b)), "", 2)
	require.NoError(t, err)

	io, err := weights.Open(filepath.Join(dir, "mha_causal.io.safetensors"))
	require.NoError(t, err)
	x, err := io.Float32s("input", 6, 8)
	require.NoError(t, err)
	run := func(m *MultiHead) []float32 {
		dst := kernel.NewMatrix(6, 8)
		require.NoError(t, m.Forward(dst, kernel.MatrixFrom(6, 8, x), Options{Causal: true}))
		return dst.Data
	}
	wy := run(want)
	for _, m := range []*MultiHead{got, read} {
		require.Equal(t, want.Heads, m.Heads)
		require.Equal(t, want.InProj.Data, m.InProj.Data)
		gy := run(m)
		for i := range wy {
			require.Equal(t, math.Float32bits(wy[i]), math.Float32bits(gy[i]), "output[%d]", i)
		}
	}
}
