package attn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// TestKeepKeys: the key padding mask is the boolean mask with every query
// row the same, on every path: one query (Soft, Hard), the direct and the
// tiled SelfAttention (whose tiles start at key offsets), and its
// gradient.
func TestKeepKeys(t *testing.T) {
	r := kerneltest.Rand(45)
	for _, tk := range []int{7, 1300} {
		d, tq := 8, 5
		q, k, v := randMatrix(r, tq, d, 1, -1, 1), randMatrix(r, tk, d, 0, -1, 1), randMatrix(r, tk, d, 2, -1, 1)
		keepKeys := make([]bool, tk)
		for j := range keepKeys {
			keepKeys[j] = r.IntN(3) != 0
		}
		keep := make([]bool, tq*tk)
		for i := range tq {
			copy(keep[i*tk:], keepKeys)
		}
		for _, causal := range []bool{false, true} {
			a, b := kernel.NewMatrix(tq, d), kernel.NewMatrix(tq, d)
			require.NoError(t, SelfAttention(a, q, k, v, Options{KeepKeys: keepKeys, Causal: causal}))
			require.NoError(t, SelfAttention(b, q, k, v, Options{Keep: keep, Causal: causal}))
			require.Equal(t, b.Data, a.Data)
			nearMatrix(t, "vs ref", a, refSelf(q, k, v, Options{KeepKeys: keepKeys, Causal: causal}), accTol(tk))

			dq1, dk1, dv1 := kernel.NewMatrix(tq, d), kernel.NewMatrix(tk, d), kernel.NewMatrix(tk, d)
			dq2, dk2, dv2 := kernel.NewMatrix(tq, d), kernel.NewMatrix(tk, d), kernel.NewMatrix(tk, d)
			require.NoError(t, SelfAttentionBackward(dq1, dk1, dv1, a, q, k, v, Options{KeepKeys: keepKeys, Causal: causal}))
			require.NoError(t, SelfAttentionBackward(dq2, dk2, dv2, a, q, k, v, Options{Keep: keep, Causal: causal}))
			require.Equal(t, dq2.Data, dq1.Data)
			require.Equal(t, dk2.Data, dk1.Data)
			require.Equal(t, dv2.Data, dv1.Data)
		}
		w1, w2 := make([]float32, tk), make([]float32, tk)
		o1, o2 := make([]float32, d), make([]float32, d)
		require.NoError(t, Soft(o1, w1, q.Row(0), k, v, Options{KeepKeys: keepKeys}))
		require.NoError(t, Soft(o2, w2, q.Row(0), k, v, Options{Keep: keepKeys}))
		require.Equal(t, o2, o1)
		require.Equal(t, w2, w1)
		i1, err := Hard(o1, q.Row(0), k, v, Options{KeepKeys: keepKeys})
		require.NoError(t, err)
		i2, err := Hard(o2, q.Row(0), k, v, Options{Keep: keepKeys})
		require.NoError(t, err)
		require.Equal(t, i2, i1)
		require.True(t, keepKeys[i1])
	}
	require.ErrorIs(t, SelfAttention(kernel.NewMatrix(1, 2), kernel.NewMatrix(1, 2), kernel.NewMatrix(3, 2), kernel.NewMatrix(3, 2),
		Options{KeepKeys: make([]bool, 2)}), ErrShape)
}
