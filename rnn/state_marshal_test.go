package rnn

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStateMarshal: a stream snapshotted mid-sequence and restored into
// a fresh State continues bit for bit; a state of another shape, a
// truncated or corrupted one is refused and leaves the State unchanged.
func TestStateMarshal(t *testing.T) {
	for _, v := range allCellVariants() {
		t.Run(v.name, func(t *testing.T) {
			n, err := New(v.set(Config{Input: 3, Hidden: 6, Layers: 2, Output: 2}), 3)
			require.NoError(t, err)
			xs := randMat(rand.New(rand.NewPCG(3, 3)), 10, 3)
			a := n.NewState()
			y := make([]float32, 2)
			for i := range 5 {
				require.NoError(t, a.Step(y, xs.Row(i)))
			}
			snap, err := a.MarshalBinary()
			require.NoError(t, err)
			buf := make([]byte, 0, len(snap))
			require.Zero(t, testing.AllocsPerRun(10, func() { buf, _ = a.AppendBinary(buf[:0]) }))
			require.Equal(t, snap, buf)
			b := n.NewState()
			require.NoError(t, b.UnmarshalBinary(snap))
			ya, yb := make([]float32, 2), make([]float32, 2)
			for i := 5; i < 10; i++ {
				require.NoError(t, a.Step(ya, xs.Row(i)))
				require.NoError(t, b.Step(yb, xs.Row(i)))
				require.Equal(t, ya, yb)
			}
			before, err := b.MarshalBinary()
			require.NoError(t, err)
			for _, bad := range [][]byte{nil, snap[:10], snap[:len(snap)-1], append(append([]byte(nil), snap...), 0),
				append([]byte("XXXX"), snap[4:]...), append(append([]byte(nil), snap[:4]...), append([]byte{9}, snap[5:]...)...)} {
				require.ErrorIs(t, b.UnmarshalBinary(bad), ErrFormat)
			}
			other, err := New(v.set(Config{Input: 3, Hidden: 6, Layers: 1, Output: 2}), 3)
			require.NoError(t, err)
			osnap, err := other.NewState().MarshalBinary()
			require.NoError(t, err)
			require.ErrorIs(t, b.UnmarshalBinary(osnap), ErrShape)
			after, err := b.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, before, after, "refused data changed the State")
		})
	}
}
