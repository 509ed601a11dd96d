package machbound

import (
	"fmt"
	"math"
	"testing"
	"unsafe"

	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every level measures positive, finite rates (all zero without a clock
// probe). Natively (not under an emulator, which -short runs may use,
// and where the rates mean nothing) they lie in the range of real cores:
// 2 to 256 FLOP and 4 to 512 bytes from L2 per cycle at the SIMD levels,
// a quarter of that floor for the Go loops of the generic level.
func TestMeasure(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := Measure()
		t.Logf("%+v", r)
		require.Equal(t, l, r.Level)
		require.Equal(t, Trials, r.Trials)
		if !cpuclock.HasProbe {
			assert.Equal(t, Rates{Level: l, Trials: Trials}, r, "no clock probe: nothing is known")
			return
		}
		for name, v := range map[string]float64{"GHz": r.GHz, "FMA": r.FMA, "L1": r.L1, "L2": r.L2, "Int8": r.Int8} {
			require.False(t, math.IsInf(v, 0) || math.IsNaN(v), "%s = %v", name, v)
			require.Positive(t, v, name)
		}
		assert.True(t, r.Agreed >= 1 && r.Agreed <= Trials, "Agreed = %d", r.Agreed)
		assert.Zero(t, r.L1Set%block, "L1Set")
		assert.Zero(t, r.L2Set%block, "L2Set")
		assert.Greater(t, r.L2Set, r.L1Set)
		if testing.Short() {
			return
		}
		floor := 1.0
		if l == kernel.Generic {
			floor = 0.25
		}
		assert.True(t, r.FMA >= 2*floor && r.FMA <= 256, "FMA = %.3g FLOP/cycle", r.FMA)
		assert.True(t, r.L2 >= 4*floor && r.L2 <= 512, "L2 = %.3g B/cycle", r.L2)
		assert.True(t, r.L1 >= 4*floor && r.L1 <= 1024, "L1 = %.3g B/cycle", r.L1)
		// The int8 path measured is the one that runs, and its MAC rate at
		// least one 16-byte vector every other cycle (a quarter of an int32
		// multiply per cycle for the Go loop of the generic path).
		assert.Equal(t, kernel.ActiveInt8(), r.Int8Path)
		int8Floor := 8.0
		if r.Int8Path == kernel.Int8Generic {
			int8Floor = 0.25
		}
		assert.True(t, r.Int8 >= int8Floor && r.Int8 <= 2048, "Int8 = %.3g MAC/cycle", r.Int8)
	})
}

// Two measurements in a row agree within 30% natively: the clock, the FMA
// peak and the L2 rate, which the bounds use. The L1 rate is left out: on
// the shared test machine it alternates between two values a factor 2
// apart in phases of seconds (see the package doc), so a pair of calls
// may straddle a change.
func TestMeasureStable(t *testing.T) {
	if testing.Short() || !cpuclock.HasProbe {
		t.Skip("natively, with a clock probe, and without -short only")
	}
	a, b := Measure(), Measure()
	for _, c := range []struct {
		name string
		x, y float64
	}{{"GHz", a.GHz, b.GHz}, {"FMA", a.FMA, b.FMA}, {"L2", a.L2, b.L2}} {
		assert.InEpsilon(t, c.x, c.y, 0.3, "%s: %.3g then %.3g", c.name, c.x, c.y)
	}
}

// Get measures once per level and returns the same rates thereafter.
func TestGetCached(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		first := Get()
		require.Equal(t, l, first.Level)
		require.Equal(t, first, Get())
	})
}

// The read probes read nothing outside the slice, whatever its length
// (multiples of 8 bytes, the Go loop's alignment), and the FMA probes
// return at once for n ≤ 0.
func TestProbesStayInside(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		p, ok := probeAt(l)
		require.True(t, ok, "no probe at %v", l)
		for _, n := range []int{0, 8, 64, 104, 256, 512, 3*512 + 104, 4096} {
			end, start := kerneltest.Guarded(t, n/4)
			for _, buf := range [][]byte{asBytes(end), asBytes(start)} {
				require.Len(t, buf, n)
				for _, reps := range []int{-1, 0, 1, 3} {
					kerneltest.NoFault(t, fmt.Sprintf("read n=%d reps=%d", n, reps), func() { p.read(buf, reps) })
				}
			}
		}
		for _, n := range []int{-1, 0, 1, 5} {
			p.fma(n)
		}
	})
}

// asBytes is x's memory as bytes.
func asBytes(x []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x))
}

// The bandwidth buffer is written on every page: a page never written
// reads the system's shared zero page, and a sweep over such a buffer
// reads one page from L1 whatever its length.
func TestAlignedBufferWritten(t *testing.T) {
	for _, n := range []int{64, 4096, 1 << 20, 3<<20 + 192} {
		b := aligned(n)
		require.Len(t, b, n)
		assert.Zero(t, uintptr(unsafe.Pointer(unsafe.SliceData(b)))&63, "n=%d: not 64-byte aligned", n)
		for p := 0; p < n; p += 4096 {
			page := b[p:min(p+4096, n)]
			written := false
			for _, v := range page {
				written = written || v != 0
			}
			assert.True(t, written, "n=%d: page at byte %d holds only zeros, as an unwritten page reads", n, p)
		}
	}
}
