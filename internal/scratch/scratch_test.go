package scratch

import (
	"testing"

	"github.com/simdcore/simdcore/internal/race"

	"github.com/stretchr/testify/require"
)

func TestGetLength(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000, 3} {
		b := Get(n)
		require.Len(t, b.Data, n)
		for i := range b.Data {
			b.Data[i] = float32(i) // every element is writable
		}
		Put(b)
	}
}

func TestSet(t *testing.T) {
	var s Set
	a, b := s.Get(5), s.Get(9)
	require.Len(t, a, 5)
	require.Len(t, b, 9)
	a[4], b[8] = 1, 2
	require.NotSame(t, &a[0], &b[0], "buffers of one set are distinct")
	require.Len(t, s, 2)
	s.Release()
	require.Empty(t, s)
	require.Len(t, s.Get(3), 3, "a released set lends again")
	s.Release()
}

// TestReuse: once warm, a Get of a size no larger than before does not
// allocate (the pool may drop buffers at a GC, so the check allows none
// only on average).
func TestReuse(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	Put(Get(4096))
	allocs := testing.AllocsPerRun(100, func() {
		b := Get(1024)
		b.Data[0] = 1
		Put(b)
	})
	require.Less(t, allocs, 0.5)
}
