package attn_test

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/stretchr/testify/require"
)

// TestLoadMultiHeadRefusesNonFiniteWeights: a NaN weight is refused by
// default, naming the tensor and the element, and loads with
// AllowNonFinite (the old loader took it silently).
func TestLoadMultiHeadRefusesNonFiniteWeights(t *testing.T) {
	path := rewriteMHA(t, nil, func(ts map[string]weights.Tensor) {
		ts["out_proj.weight"].Data[8+3] = float32(math.NaN())
	})
	_, err := attn.LoadMultiHead(path, "", 0)
	require.ErrorIs(t, err, attn.ErrNonFinite)
	require.ErrorIs(t, err, attn.ErrFormat)
	require.ErrorContains(t, err, `tensor "out_proj.weight" holds NaN at index [1 3]`)

	m, err := attn.LoadMultiHead(path, "", 0, attn.AllowNonFinite())
	require.NoError(t, err)
	require.True(t, math.IsNaN(float64(m.OutProj.At(1, 3))))
}
