package benchutil

import (
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
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

// fewIterations makes testing.Benchmark run n iterations instead of a second.
func fewIterations(t *testing.T, n string) {
	f := flag.Lookup("test.benchtime")
	require.NotNil(t, f)
	old := f.Value.String()
	require.NoError(t, flag.Set("test.benchtime", n))
	t.Cleanup(func() { _ = flag.Set("test.benchtime", old) })
}

// EachLevel visits every available level with it active, or only the one
// LevelEnv names.
func TestEachLevel(t *testing.T) {
	fewIterations(t, "1x")
	visit := func() (names []string) {
		testing.Benchmark(func(b *testing.B) {
			EachLevel(b, "level=", func(b *testing.B) {
				names = append(names, kernel.Active().String())
			})
		})
		return names
	}
	var want []string
	for _, l := range kernel.Available() {
		want = append(want, l.String())
	}
	assert.Equal(t, want, visit())
	t.Setenv(LevelEnv, kernel.Generic.String())
	assert.Equal(t, []string{"generic"}, visit())
}

// The metrics carry the units the benchmark text and cmd/chart read, and
// the per-cycle ones come exactly when there is a clock probe.
func TestMetrics(t *testing.T) {
	fewIterations(t, "20x")
	src, dst := ActivationInput(256), make([]float32, 256)
	r := testing.Benchmark(func(b *testing.B) {
		cpu := StartCPU()
		Elementwise(b, len(src), func() { kernel.Exp(dst, src) })
		ReportFlops(b, 1)
		cpu.ReportFlops(b, 1)
		cpu.ReportPerOp(b)
		ReportFLOPPerCycle(b, 1, cpu.Spent())
	})
	units := []string{"ns/elem", "best-ns/elem", "GFLOP/s"}
	if cpuclock.ProcessCPU() > 0 {
		units = append(units, "cpu-ns/elem", "cpu-GFLOP/s", "cpu-ns/op")
	}
	if cpuclock.HasProbe {
		units = append(units, "elem/cycle", "best-elem/cycle", "FLOP/cycle")
	}
	for _, u := range units {
		assert.Positive(t, r.Extra[u], u)
	}
	assert.Len(t, r.Extra, len(units))
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
