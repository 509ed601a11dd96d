package benchutil

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Filled is deterministic, in [-1, 1), different per seed, and the same
// sequence the benchmarks used before it was shared (first values pinned).
func TestFilled(t *testing.T) {
	x := Filled(1000, 1)
	assert.Equal(t, x, Filled(1000, 1))
	assert.NotEqual(t, x, Filled(1000, 2))
	for i, v := range x {
		require.True(t, v >= -1 && v < 1, "x[%d] = %v", i, v)
	}
	assert.Equal(t, []float32{0.51657265, 0.55161947, 0.910942}, Filled(3, 1))
	a := ActivationInput(4096)
	lo, hi := slices.Min(a), slices.Max(a)
	assert.True(t, lo >= -8 && lo < -7 && hi < 8 && hi > 7, "range [%v, %v]", lo, hi)
}

// BestOf warms up with inner calls, then times reps batches of inner
// calls, and returns a time per call no larger than any batch's.
func TestBestOf(t *testing.T) {
	calls := 0
	ns := BestOf(3, 5, func() { calls++; busyFor(10 * time.Microsecond) })
	assert.Equal(t, 5+3*5, calls)
	assert.GreaterOrEqual(t, ns, 10e3)
	assert.Less(t, ns, 1e9)
}

// busyFor spins for at least d.
func busyFor(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}
