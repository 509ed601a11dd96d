package attn

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
)

// TestKVCacheInt8PastMaxQCols: Decode over an int8 cache holding more
// than kernel.MaxQCols tokens (the attention weights, quantized as one
// QVector until then, panicked there) gives what a float32 cache holding
// the same rows gives, to int8 accuracy. The rows are filled directly:
// decoding 65537 tokens one by one would take minutes.
func TestKVCacheInt8PastMaxQCols(t *testing.T) {
	m, err := NewMultiHead(2, 1, true)
	require.NoError(t, err)
	m.Init(rand.New(rand.NewPCG(1, 2)))
	n := kernel.MaxQCols + 1
	c8, err := NewKVCacheInt8(m, n+1)
	require.NoError(t, err)
	cf, err := NewKVCache(m, n+1)
	require.NoError(t, err)
	for pos := range n {
		key, value := []float32{1, -1}, []float32{0.5, -0.5} // exact in int8
		if pos%2 == 1 {
			key, value = []float32{-1, 1}, []float32{-0.25, 0.25}
		}
		c8.putRow(0, pos, key, value)
		cf.putRow(0, pos, key, value)
	}
	c8.n, cf.n = n, n
	x := []float32{0.3, -0.7}
	got, want := make([]float32, 2), make([]float32, 2)
	require.NoError(t, m.Decode(got, x, c8, Options{}))
	require.NoError(t, m.Decode(want, x, cf, Options{}))
	require.InDeltaSlice(t, want, got, 1e-3)
}
