package attn

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// Sizes from outside: views whose span overflows an int and model sizes
// whose weight counts do are refused with ErrShape before anything runs
// or is allocated.

func TestSelfAttentionHostileViews(t *testing.T) {
	good := func() kernel.Matrix { return kernel.NewMatrix(3, 3) }
	hostile := kernel.Matrix{Rows: 3, Cols: 3, Stride: math.MaxInt, Data: make([]float32, 1)}
	for i, name := range []string{"dst", "q", "k", "v"} {
		ms := []kernel.Matrix{good(), good(), good(), good()}
		ms[i] = hostile
		err := SelfAttention(ms[0], ms[1], ms[2], ms[3], Options{})
		require.ErrorIs(t, err, ErrShape, name)
		require.ErrorContains(t, err, "malformed "+name)
	}
}

func TestNewMultiHeadHuge(t *testing.T) {
	for _, s := range [][2]int{{1 << 32, 1}, {1 << 62, 2}, {math.MaxInt, 1}, {MaxDModel + 1, 1}, {MaxDModel * 2, 2}} {
		m, err := NewMultiHead(s[0], s[1], true)
		require.ErrorIs(t, err, ErrShape, "d_model=%d heads=%d", s[0], s[1])
		require.Nil(t, m)
	}
}

func TestMaskSizeOverflow(t *testing.T) {
	// 2⁶²+1 empty query rows against 4 keys: nq·nk wraps to 4 = len(Mask).
	q := kernel.Matrix{Rows: 1<<62 + 1}
	kv := kernel.Matrix{Rows: 4}
	for _, opt := range []Options{{Mask: make([]float32, 4)}, {Keep: make([]bool, 4)}} {
		err := SelfAttention(q, q, kv, kv, opt)
		require.ErrorIs(t, err, ErrShape)
		require.ErrorContains(t, err, "overflows int")
	}
}

func TestKVCacheSizeOverflow(t *testing.T) {
	m, err := NewMultiHead(4, 2, false)
	require.NoError(t, err)
	// 4·2⁶² wraps to 0: once empty key and value buffers.
	for _, c := range []int{1 << 62, math.MaxInt, -1} {
		cache, err := NewKVCache(m, c)
		require.ErrorIs(t, err, ErrShape, "capacity %d", c)
		require.Nil(t, cache)
	}
	_, err = NewKVCache(m, 8)
	require.NoError(t, err)
}
