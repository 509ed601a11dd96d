package cpuclock

import (
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Spin's result is its cycle count by construction: 8 per iteration, none
// for n ≤ 0, and nothing at all without the probe.
func TestSpinCount(t *testing.T) {
	for _, n := range []int{-5, 0, 1, 2, 1000} {
		want := 0
		if HasProbe && n > 0 {
			want = 8 * n
		}
		assert.Equal(t, want, Spin(n), "n=%d", n)
	}
}

// Hz and GHz are 0 exactly when there is no probe. Natively (not under
// an emulator, which -short runs may use) Hz reads as a real core clock.
func TestHz(t *testing.T) {
	hz := Hz()
	if !HasProbe {
		require.Zero(t, hz)
		require.Zero(t, GHz())
		return
	}
	require.False(t, math.IsInf(hz, 0) || math.IsNaN(hz), "Hz = %v", hz)
	require.Positive(t, hz)
	require.Positive(t, GHz())
	if !testing.Short() {
		assert.True(t, hz > 2e8 && hz < 7e9, "Hz = %.3g, not a core clock", hz) // none runs above 6.2 GHz
	}
}

// Both CPU clocks advance while a busy loop runs on the calling thread,
// the thread's clock by no more than the wall time the loop took; where a
// clock is missing it reads 0 throughout.
func TestCPUTime(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, c := range []struct {
		name string
		read func() time.Duration
	}{{"thread", ThreadCPU}, {"process", ProcessCPU}} {
		t0, w0 := c.read(), time.Now()
		if t0 == 0 {
			busy(20 * time.Millisecond)
			assert.Zero(t, c.read(), c.name)
			continue
		}
		busy(20 * time.Millisecond)
		spent, wall := c.read()-t0, time.Since(w0)
		assert.Greater(t, spent, time.Duration(0), c.name)
		if c.name == "thread" {
			assert.LessOrEqual(t, spent, wall+time.Millisecond, c.name)
		}
	}
}

var sink uint64

// busy keeps the calling thread on a CPU for about d of wall time.
func busy(d time.Duration) {
	x := uint64(1)
	for t := time.Now(); time.Since(t) < d; {
		for range 10000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink = x
}
